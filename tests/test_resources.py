"""What jobs may use where they run (mnist_vae.runs.resources)."""

from helpers import SCHEMA, runs_of

from mnist_vae.runs import resources
from mnist_vae.runs.config import resolve_runs


def test_cores_beyond_the_machine_are_capped_where_jobs_run_locally():
    assert resources.cores_cap(requested=4, available=2, local=True) == 2


def test_cores_within_the_machine_are_left_alone():
    assert resources.cores_cap(requested=2, available=2, local=True) is None


def test_cores_on_a_cluster_are_the_clusters():
    assert resources.cores_cap(requested=64, available=2, local=False) is None


def test_available_cores_work_without_sched_getaffinity(monkeypatch):
    monkeypatch.delattr("os.sched_getaffinity", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert resources.available_cores() == 8


def test_cuda_without_a_gpu_is_refused_where_jobs_run_locally():
    runs = resolve_runs({"train": {"device": "cuda"}, "runs": {"a": {}}}, SCHEMA)
    message = resources.cuda_refusal(runs, local=True, cuda_available=lambda: False)
    assert message.startswith("config.runs.a.train.device: cuda, but torch sees no GPU")


def test_cuda_on_a_cluster_is_left_to_the_compute_node():
    runs = resolve_runs({"evaluate": {"device": "cuda"}, "runs": {"a": {}}}, SCHEMA)
    assert resources.cuda_refusal(runs, local=False, cuda_available=lambda: False) is None


def test_cpu_runs_never_look_for_a_gpu():
    def looked():
        raise AssertionError("looked for a GPU")

    assert resources.cuda_refusal(runs_of(a=2), local=True, cuda_available=looked) is None


def test_gpu_jobs_run_one_at_a_time_on_this_machine():
    assert resources.gpu_cap(local=True, given=None) == 1


def test_gpu_jobs_follow_the_resources_given_on_the_command_line():
    assert resources.gpu_cap(local=True, given=4) is None


def test_gpu_jobs_on_a_cluster_are_not_limited_here():
    assert resources.gpu_cap(local=False, given=None) is None


def run_settings(objective="elbo", iwae_samples=5, epochs=100, n_train=10_000, elbo_samples=1):
    train = {"objective": objective, "iwae_samples": iwae_samples, "epochs": epochs}
    train["elbo_samples"] = elbo_samples
    return {"train": train, "data": {"n_train": n_train}}


def test_the_assignments_training_asks_a_cluster_for_ten_minutes():
    assert resources.train_minutes(run_settings()) == 10


def test_iwae_training_asks_for_time_growing_with_its_draws_per_image():
    assert resources.train_minutes(run_settings("iwae", 5)) == 30
    assert resources.train_minutes(run_settings("iwae", 50)) == 255


def test_the_k_sample_elbo_asks_for_the_time_of_iwae_with_as_many_draws():
    assert resources.train_minutes(run_settings(elbo_samples=5)) == resources.train_minutes(
        run_settings("iwae", 5)
    )


def test_training_time_grows_with_epochs_and_images_but_never_below_five_minutes():
    assert resources.train_minutes(run_settings(epochs=200, n_train=60_000)) == 120
    assert resources.train_minutes(run_settings(epochs=2, n_train=500)) == 5
