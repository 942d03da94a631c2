"""Training never saves a broken model and never lets a bad checkpoint block or own a run."""

import logging
import math

import pytest
import torch
from helpers import mnist_tensor
from test_files import Payload

import mnist_vae.train
from mnist_vae.errors import DivergenceError
from mnist_vae.model import build_vae
from mnist_vae.settings import ModelSettings, TrainSettings
from mnist_vae.storage.torch_files import read_torch, write_torch
from mnist_vae.train import train

SETTINGS = TrainSettings(epochs=3, heldout_images=20)


@pytest.fixture(scope="module")
def digits():
    return mnist_tensor("train", 200), mnist_tensor("test", 20)


def small_vae():
    return build_vae(ModelSettings(hidden_dim=16), seed=0)


def test_a_non_finite_loss_stops_training_naming_the_epoch_and_keeps_the_last_good_checkpoint(
    tmp_path, digits, monkeypatch
):
    real_epoch = mnist_vae.train.train_epoch

    def epoch_that_blows_up_second(vae, *args):
        elbo = real_epoch(vae, *args)
        if len(calls) == 1:
            with torch.no_grad():
                vae.decoder.out.weight[0, 0] = math.inf
        calls.append(elbo)
        return elbo

    calls = []
    monkeypatch.setattr(mnist_vae.train, "train_epoch", epoch_that_blows_up_second)
    checkpoint = tmp_path / "train.checkpoint.pt"
    with pytest.raises(
        DivergenceError, match="non-finite in epoch 2; the checkpoint after epoch 1"
    ):
        train(small_vae(), *digits, SETTINGS, checkpoint=checkpoint)
    state = read_torch(checkpoint)
    assert len(state["history"]) == 1
    assert all(tensor.isfinite().all() for tensor in state["model"].values())


def test_a_diverging_model_fails_in_the_first_epoch(digits):
    vae = small_vae()
    with torch.no_grad():
        vae.encoder.net[2].bias[2:] = 100.0  # sigma = e^100 overflows float32
    with pytest.raises(DivergenceError, match="non-finite in epoch 1$"):
        train(vae, *digits, SETTINGS)


def test_a_truncated_checkpoint_is_set_aside_with_a_warning_and_training_starts_afresh(
    tmp_path, digits, caplog
):
    checkpoint = tmp_path / "train.checkpoint.pt"
    write_torch(checkpoint, {"key": "x", "history": [], "padding": torch.zeros(1000)})
    checkpoint.write_bytes(checkpoint.read_bytes()[:1500])
    with caplog.at_level(logging.WARNING):
        history = train(small_vae(), *digits, SETTINGS, checkpoint=checkpoint)
    assert len(history) == SETTINGS.epochs
    aside = tmp_path / "train.checkpoint.pt.unreadable"
    assert aside.exists()
    assert f"set aside as {aside}, training starts afresh" in caplog.text


def test_a_crafted_checkpoint_runs_no_code_and_is_set_aside(tmp_path, digits):
    marker = tmp_path / "ran"
    checkpoint = tmp_path / "train.checkpoint.pt"
    torch.save({"key": Payload(marker)}, checkpoint)
    train(small_vae(), *digits, SETTINGS, checkpoint=checkpoint)
    assert not marker.exists()
    assert (tmp_path / "train.checkpoint.pt.unreadable").exists()
