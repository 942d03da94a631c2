"""What the workflow builds for each run, decided without Snakemake (mnist_vae.runs.plan)."""

import json

import pytest
from helpers import REPO

from mnist_vae.runs import plan
from mnist_vae.runs.config import resolve_runs

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"


def runs_of(**latent_dims):
    """Runs resolved from the schema's defaults, one per name, with these latent dimensions."""
    config = {"runs": {name: {"model": {"latent_dim": dz}} for name, dz in latent_dims.items()}}
    return resolve_runs(config, SCHEMA)


def test_a_planar_run_has_the_manifold_and_the_gap_split():
    outputs = plan.run_outputs("a", runs_of(a=2)["a"])
    assert "results/a/samples/manifold.png" in outputs
    assert "results/a/gaps/gaps.json" in outputs
    assert outputs[-1] == "results/a/provenance.json"


def test_a_larger_latent_space_has_the_scatter_but_no_manifold_or_gap_split():
    outputs = plan.run_outputs("b", runs_of(b=5)["b"])
    assert "results/b/latent/latent_scatter.png" in outputs
    assert not any("manifold" in path or "/gaps/" in path for path in outputs)


def test_a_line_has_neither_scatter_nor_contours():
    outputs = plan.run_outputs("c", runs_of(c=1)["c"])
    assert not any("latent_scatter" in path or "contours" in path for path in outputs)


def test_runs_that_leave_analyses_out_are_named_in_one_line_per_kind():
    lines = plan.skip_messages(runs_of(a=2, b=5, c=1, d=10))
    assert lines == [
        f"Dz = 5, 10 (b, d): {plan.SKIPPED['more']}",
        f"Dz = 1 (c): {plan.SKIPPED['one']}",
    ]


def test_planar_runs_say_nothing_is_left_out():
    assert plan.skip_messages(runs_of(a=2)) == []


def test_the_default_target_is_every_run_and_the_summary(tmp_path):
    runs = runs_of(a=2, b=5)
    outputs = plan.final_outputs(runs, reporting=False, root=tmp_path)
    assert "results/a/provenance.json" in outputs and "results/b/provenance.json" in outputs
    assert set(plan.SUMMARY) <= set(outputs)


def test_a_report_covers_the_finished_runs_and_an_existing_summary_only(tmp_path):
    runs = runs_of(a=2, b=5)
    (tmp_path / "results/a").mkdir(parents=True)
    (tmp_path / "results/a/provenance.json").write_text("{}")
    outputs = plan.final_outputs(runs, reporting=True, root=tmp_path)
    assert "results/a/provenance.json" in outputs
    assert not any(path.startswith("results/b/") for path in outputs)
    assert not set(plan.SUMMARY) & set(outputs)


@pytest.mark.parametrize(
    ("arguments", "reporting"),
    [
        (["--report", "report.html"], True),
        (["--report=report.zip"], True),
        (["--cores", "2"], False),
        (["--cores", "2", "--report", "r.html", "--report-after-run"], False),
    ],
)
def test_report_mode_is_read_from_the_arguments(arguments, reporting):
    assert plan.reporting(arguments) is reporting


def test_cores_beyond_the_machine_are_capped_where_jobs_run_locally():
    assert plan.cores_cap(requested=4, available=2, local=True) == 2


def test_cores_within_the_machine_are_left_alone():
    assert plan.cores_cap(requested=2, available=2, local=True) is None


def test_cores_on_a_cluster_are_the_clusters():
    assert plan.cores_cap(requested=64, available=2, local=False) is None


def test_available_cores_work_without_sched_getaffinity(monkeypatch):
    monkeypatch.delattr("os.sched_getaffinity", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert plan.available_cores() == 8


def test_cuda_without_a_gpu_is_refused_where_jobs_run_locally():
    runs = resolve_runs({"train": {"device": "cuda"}, "runs": {"a": {}}}, SCHEMA)
    message = plan.cuda_refusal(runs, local=True, cuda_available=lambda: False)
    assert message.startswith("config.runs.a.train.device: cuda, but torch sees no GPU")


def test_cuda_on_a_cluster_is_left_to_the_compute_node():
    runs = resolve_runs({"evaluate": {"device": "cuda"}, "runs": {"a": {}}}, SCHEMA)
    assert plan.cuda_refusal(runs, local=False, cuda_available=lambda: False) is None


def test_cpu_runs_never_look_for_a_gpu():
    def looked():
        raise AssertionError("looked for a GPU")

    assert plan.cuda_refusal(runs_of(a=2), local=True, cuda_available=looked) is None


def resolve(config):
    return resolve_runs(config, SCHEMA)


def test_a_config_file_changing_runs_it_does_not_name_is_refused():
    own = [{"runs": {"assignment": {}}}]
    given = {"mine.yaml": {"train": {"epochs": 3}, "runs": {"mine": {}}}}
    runs = resolve({"train": {"epochs": 3}, "runs": {"assignment": {}, "mine": {}}})
    message = plan.config_file_refusal(own, given, {}, runs, resolve)
    assert message.startswith("--configfile mine.yaml changes train.epochs of assignment")


def test_a_config_file_changing_only_its_own_runs_is_accepted():
    own = [{"runs": {"assignment": {}}}]
    given = {"mine.yaml": {"runs": {"mine": {"train": {"epochs": 3}}}}}
    runs = resolve({"runs": {"assignment": {}, "mine": {"train": {"epochs": 3}}}})
    assert plan.config_file_refusal(own, given, {}, runs, resolve) is None


def test_a_rule_receives_only_its_classes_keys():
    settings = runs_of(a=2)["a"]
    assert plan.rule_settings(settings, "inpainting_contours") == {"contour_examples": 3}
    assert set(plan.rule_settings(settings, "train")) == {"model", "train"}


def test_files_of_an_earlier_latent_dimension_are_stale(tmp_path):
    (tmp_path / "results/a/gaps").mkdir(parents=True)
    (tmp_path / "results/a/samples").mkdir()
    (tmp_path / "results/a/samples/manifold.png").write_bytes(b"")
    (tmp_path / "results/a/samples/samples.png").write_bytes(b"")
    stale = plan.stale_files("a", runs_of(a=5)["a"], root=tmp_path)
    assert sorted(path.name for path in stale) == ["gaps", "manifold.png"]


def test_a_planar_runs_files_are_never_stale(tmp_path):
    (tmp_path / "results/a/gaps").mkdir(parents=True)
    assert plan.stale_files("a", runs_of(a=2)["a"], root=tmp_path) == []


def test_gpu_jobs_run_one_at_a_time_on_this_machine():
    assert plan.gpu_cap(local=True, given=None) == 1


def test_gpu_jobs_follow_the_resources_given_on_the_command_line():
    assert plan.gpu_cap(local=True, given=4) is None


def test_gpu_jobs_on_a_cluster_are_not_limited_here():
    assert plan.gpu_cap(local=False, given=None) is None


def finished_folder(root, name, provenance):
    folder = root / "results" / name
    (folder / "inpainting").mkdir(parents=True)
    for file in plan.SUMMARISED_FILES:
        (folder / file).write_text("{}")
    (folder / "provenance.json").write_text(json.dumps(provenance))


def test_runs_other_configs_left_in_results_are_found_with_their_config(tmp_path):
    settings = {"model": {"latent_dim": 2}}
    finished_folder(tmp_path, "old", {"settings": settings, "config_files": ["old.yaml"]})
    finished_folder(tmp_path, "mine", {"settings": settings})
    found = plan.runs_in_folders(exclude={"mine"}, root=tmp_path)
    assert found == {"old": {"settings": settings, "config_files": ["old.yaml"]}}


def test_folders_without_recorded_settings_or_unfinished_are_left_out(tmp_path):
    finished_folder(tmp_path, "older", {"run": "older"})
    (tmp_path / "results/half").mkdir(parents=True)
    (tmp_path / "results/half/provenance.json").write_text('{"settings": {}}')
    assert plan.runs_in_folders(root=tmp_path) == {}


def test_a_run_is_made_by_the_workflow_config_and_the_given_files_that_name_it_or_none():
    given = {"full.yaml": {"runs": {"full": {}}}, "light.yaml": {"evaluate": {"iwae_samples": 9}}}
    merged = ["config.yaml", "full.yaml", "light.yaml"]
    assert plan.config_files_of("tiny", merged, given) == ["config.yaml", "light.yaml"]
    assert plan.config_files_of("full", merged, given) == merged


def run_settings(objective="elbo", iwae_samples=5, epochs=100, n_train=10_000):
    train = {"objective": objective, "iwae_samples": iwae_samples, "epochs": epochs}
    return {"train": train, "data": {"n_train": n_train}}


def test_the_assignments_training_asks_a_cluster_for_ten_minutes():
    assert plan.train_minutes(run_settings()) == 10


def test_iwae_training_asks_for_time_growing_with_its_draws_per_image():
    assert plan.train_minutes(run_settings("iwae", 5)) == 30
    assert plan.train_minutes(run_settings("iwae", 50)) == 255


def test_training_time_grows_with_epochs_and_images_but_never_below_five_minutes():
    assert plan.train_minutes(run_settings(epochs=200, n_train=60_000)) == 120
    assert plan.train_minutes(run_settings(epochs=2, n_train=500)) == 5
