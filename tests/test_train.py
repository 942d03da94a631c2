import contextlib

import pytest
import torch
from helpers import mnist_tensor

import mnist_vae.train
from mnist_vae.model import build_vae
from mnist_vae.settings import ModelSettings, TrainSettings
from mnist_vae.train import remove_checkpoint, snapshots_path, train

# the fast paths, checked under each product backend (conftest.each_backend)
pytestmark = pytest.mark.usefixtures("each_backend")

MODEL = ModelSettings(hidden_dim=32)
SETTINGS = TrainSettings(epochs=4, batch_size=50, heldout_images=50)


@pytest.fixture(scope="module")
def images():
    return mnist_tensor("train", 200), mnist_tensor("test", 50)


def fit(images, checkpoint=None, settings=SETTINGS):
    vae = build_vae(MODEL, seed=settings.seed)
    history = train(vae, *images, settings, checkpoint=checkpoint)
    return vae, history


def without_seconds(history):
    """The records without their timings, NaN (an epoch without log p(x)) as None so that
    equal histories compare equal."""
    return [
        {k: None if v != v else v for k, v in record.items() if k != "seconds"}
        for record in history
    ]


@contextlib.contextmanager
def interrupted_in_epoch(epoch, monkeypatch):
    """Training raises KeyboardInterrupt in `epoch`, after its steps, as Ctrl-C would."""
    real_heldout_elbo = mnist_vae.train.heldout_elbo
    calls = []

    def interrupt(*args, **kwargs):
        calls.append(1)
        if len(calls) == epoch:
            raise KeyboardInterrupt
        return real_heldout_elbo(*args, **kwargs)

    monkeypatch.setattr(mnist_vae.train, "heldout_elbo", interrupt)
    try:
        yield
    finally:
        monkeypatch.undo()


def assert_same_weights(a, b):
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)


def test_history_has_one_record_per_epoch(images):
    _, history = fit(images)
    assert [r["epoch"] for r in history] == [1, 2, 3, 4]
    assert set(history[0]) == {"epoch", "train_elbo", "heldout_elbo", "heldout_log_px", "seconds"}


def test_training_raises_the_elbo(images):
    _, history = fit(images)
    assert history[-1]["train_elbo"] > history[0]["train_elbo"] + 10
    assert history[-1]["heldout_elbo"] > history[0]["heldout_elbo"] + 10


def test_same_seed_gives_the_same_model_and_numbers(images):
    first, first_history = fit(images)
    second, second_history = fit(images)
    assert without_seconds(first_history) == without_seconds(second_history)
    assert_same_weights(first, second)


def test_other_seed_gives_other_numbers(images):
    _, first = fit(images)
    _, other = fit(images, settings=TrainSettings(**{**SETTINGS.__dict__, "seed": 1}))
    assert without_seconds(first) != without_seconds(other)


def test_interrupted_training_resumes_to_the_same_result(images, tmp_path, monkeypatch):
    uninterrupted, full_history = fit(images)

    checkpoint = tmp_path / "train.checkpoint.pt"
    with interrupted_in_epoch(3, monkeypatch), pytest.raises(KeyboardInterrupt):
        fit(images, checkpoint)
    assert len(torch.load(checkpoint, weights_only=False)["history"]) == 2

    resumed, resumed_history = fit(images, checkpoint)
    assert without_seconds(resumed_history) == without_seconds(full_history)
    assert_same_weights(resumed, uninterrupted)


def test_checkpoint_from_other_settings_is_not_resumed(images, tmp_path):
    checkpoint = tmp_path / "train.checkpoint.pt"
    fit(images, checkpoint, TrainSettings(**{**SETTINGS.__dict__, "seed": 5}))
    _, history = fit(images, checkpoint)
    _, fresh = fit(images)
    assert without_seconds(history) == without_seconds(fresh)


def test_heldout_log_px_is_recorded_every_kth_epoch_and_after_the_first_and_last(images):
    settings = TrainSettings(**{**SETTINGS.__dict__, "epochs": 5, "log_px_every": 3})
    _, history = fit(images, settings=settings)
    recorded = [r["epoch"] for r in history if r["heldout_log_px"] == r["heldout_log_px"]]
    assert recorded == [1, 3, 5]


def test_snapshots_are_the_weights_after_the_configured_epochs(images):
    settings = TrainSettings(epochs=3, batch_size=50, heldout_images=50, snapshot_epochs=(1, 3, 9))
    snapshots = {}
    vae = build_vae(MODEL, seed=0)
    train(vae, *images, settings, snapshots=snapshots)
    assert sorted(snapshots) == [1, 3]
    for name, value in vae.state_dict().items():
        assert torch.equal(snapshots[3][name], value)
    assert not torch.equal(snapshots[1]["decoder.out.weight"], snapshots[3]["decoder.out.weight"])


def test_snapshots_taken_before_an_interruption_survive_the_resume(images, tmp_path, monkeypatch):
    settings = TrainSettings(epochs=3, batch_size=50, heldout_images=50, snapshot_epochs=(1, 3))
    uninterrupted = {}
    train(build_vae(MODEL, seed=0), *images, settings, snapshots=uninterrupted)

    checkpoint = tmp_path / "train.checkpoint.pt"
    with interrupted_in_epoch(2, monkeypatch), pytest.raises(KeyboardInterrupt):
        train(build_vae(MODEL, seed=0), *images, settings, checkpoint=checkpoint)
    resumed = {}
    train(build_vae(MODEL, seed=0), *images, settings, checkpoint=checkpoint, snapshots=resumed)
    assert sorted(resumed) == [1, 3]
    for epoch in (1, 3):
        for name, value in uninterrupted[epoch].items():
            assert torch.equal(resumed[epoch][name], value)


def test_a_checkpoint_whose_snapshots_are_lost_is_not_resumed(images, tmp_path, monkeypatch):
    settings = TrainSettings(epochs=3, batch_size=50, heldout_images=50, snapshot_epochs=(1, 3))
    checkpoint = tmp_path / "train.checkpoint.pt"
    with interrupted_in_epoch(3, monkeypatch), pytest.raises(KeyboardInterrupt):
        train(build_vae(MODEL, seed=0), *images, settings, checkpoint=checkpoint)
    snapshots_path(checkpoint).unlink()
    snapshots = {}
    history = train(build_vae(MODEL, seed=0), *images, settings, checkpoint, snapshots=snapshots)
    assert [record["epoch"] for record in history] == [1, 2, 3]  # afresh, not resumed at 3
    assert sorted(snapshots) == [1, 3]


def test_removing_the_checkpoint_removes_its_snapshots_too(images, tmp_path):
    settings = TrainSettings(epochs=1, batch_size=50, heldout_images=50, snapshot_epochs=(1,))
    checkpoint = tmp_path / "train.checkpoint.pt"
    train(build_vae(MODEL, seed=0), *images, settings, checkpoint=checkpoint)
    assert snapshots_path(checkpoint).exists()
    remove_checkpoint(checkpoint)
    assert list(tmp_path.iterdir()) == []


def test_training_on_iwae_records_the_bound_trained_on_above_the_elbo(images):
    settings = TrainSettings(epochs=4, batch_size=50, heldout_images=50, objective="iwae")
    _, history = fit(images, settings=settings)
    assert {record["objective"] for record in history} == {"IWAE-5"}
    assert all(r["train_objective"] > r["train_elbo"] for r in history)
    assert history[-1]["heldout_elbo"] > history[0]["heldout_elbo"] + 10


def test_training_on_the_k_sample_elbo_records_it_beside_the_first_draws(images):
    settings = TrainSettings(epochs=4, batch_size=50, heldout_images=50, elbo_samples=5)
    _, history = fit(images, settings=settings)
    assert {record["objective"] for record in history} == {"ELBO, 5 draws"}
    assert history[-1]["heldout_elbo"] > history[0]["heldout_elbo"] + 10
    # the mean of five draws' ELBOs and the first draw's estimate the same ELBO
    last = history[-1]
    assert abs(last["train_objective"] - last["train_elbo"]) < 0.02 * abs(last["train_elbo"])


def test_the_k_sample_elbo_trains_other_weights_than_the_single_sample_elbo(images):
    settings = TrainSettings(epochs=1, batch_size=50, heldout_images=50)
    one, _ = fit(images, settings=settings)
    five, _ = fit(images, settings=TrainSettings(**{**settings.__dict__, "elbo_samples": 5}))
    assert not torch.equal(one.decoder.out.weight, five.decoder.out.weight)


def test_the_kl_weight_rises_linearly_from_zero_to_one_over_the_warm_up():
    settings = TrainSettings(kl_warmup_epochs=4)
    assert [settings.kl_weight(epoch) for epoch in range(1, 7)] == [0, 0.25, 0.5, 0.75, 1, 1]
    assert TrainSettings().kl_weight(1) == 1.0


def test_a_warm_up_trains_on_the_weighted_elbo_and_reports_the_elbo(images):
    settings = TrainSettings(epochs=4, batch_size=50, heldout_images=50, kl_warmup_epochs=2)
    _, history = fit(images, settings=settings)
    assert [r["objective"] for r in history] == [
        "ELBO, KL weight 0.00",
        "ELBO, KL weight 0.50",
        "ELBO",
        "ELBO",
    ]
    # a KL term weighted below 1 makes the trained bound higher than the ELBO; at 1 equal
    assert history[0]["train_objective"] > history[0]["train_elbo"]
    assert history[-1]["train_objective"] == history[-1]["train_elbo"]


WARM_UP = TrainSettings(epochs=4, batch_size=50, heldout_images=50, kl_warmup_epochs=2)


def test_each_epoch_of_a_warm_up_steps_with_that_epochs_kl_weight(images, monkeypatch):
    real_step = mnist_vae.train.elbo_and_gradients
    weights = []

    def recording(vae, x, eps, kl_weight=1.0):
        weights.append(kl_weight)
        return real_step(vae, x, eps, kl_weight)

    monkeypatch.setattr(mnist_vae.train, "elbo_and_gradients", recording)
    fit(images, settings=WARM_UP)
    steps_per_epoch = 200 // WARM_UP.batch_size
    assert weights == [w for w in (0.0, 0.5, 1.0, 1.0) for _ in range(steps_per_epoch)]


def test_training_interrupted_in_its_warm_up_resumes_to_the_same_result(
    images, tmp_path, monkeypatch
):
    uninterrupted, full_history = fit(images, settings=WARM_UP)
    checkpoint = tmp_path / "train.checkpoint.pt"
    with interrupted_in_epoch(2, monkeypatch), pytest.raises(KeyboardInterrupt):
        fit(images, checkpoint, settings=WARM_UP)
    resumed, resumed_history = fit(images, checkpoint, settings=WARM_UP)
    assert without_seconds(resumed_history) == without_seconds(full_history)
    assert_same_weights(resumed, uninterrupted)
