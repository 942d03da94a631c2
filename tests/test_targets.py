"""What a snakemake invocation builds for the runs of a config, decided without Snakemake
(mnist_vae.runs.targets)."""

import json

from helpers import runs_of

from mnist_vae.runs import catalogue, targets


def test_a_planar_run_has_the_manifold_and_the_gap_split():
    outputs = targets.run_outputs("a", runs_of(a=2)["a"])
    assert "results/a/samples/manifold.png" in outputs
    assert "results/a/gaps/gaps.json" in outputs
    assert outputs[-1] == "results/a/provenance.json"


def test_a_larger_latent_space_has_the_scatter_but_no_manifold_or_gap_split():
    outputs = targets.run_outputs("b", runs_of(b=5)["b"])
    assert "results/b/latent/latent_scatter.png" in outputs
    assert not any("manifold" in path or "/gaps/" in path for path in outputs)


def test_a_line_has_neither_scatter_nor_contours():
    outputs = targets.run_outputs("c", runs_of(c=1)["c"])
    assert not any("latent_scatter" in path or "contours" in path for path in outputs)


def test_runs_that_leave_analyses_out_are_named_in_one_line_per_latent_dimension():
    lines = targets.skip_messages(runs_of(a=2, b=5, c=1, d=5))
    assert [line.split(":")[0] for line in lines] == ["Dz = 1 (c)", "Dz = 5 (b, d)"]


def test_a_skip_line_says_what_a_run_goes_without_and_why():
    (line,) = targets.skip_messages(runs_of(c=1))
    assert "no manifold" in line and "no exact log p(x)" in line and "need Dz = 2" in line
    assert "no latent scatter, no inpainting contours (they draw a plane" in line


def test_a_larger_latent_space_keeps_what_draws_a_plane():
    (line,) = targets.skip_messages(runs_of(b=5))
    assert "no split of the inference gap" in line and "latent scatter" not in line


def test_planar_runs_say_nothing_is_left_out():
    assert targets.skip_messages(runs_of(a=2)) == []


def test_the_default_target_is_every_run_and_the_summary(tmp_path):
    runs = runs_of(a=2, b=5)
    outputs = targets.final_outputs(runs, reporting=False, root=tmp_path)
    assert "results/a/provenance.json" in outputs and "results/b/provenance.json" in outputs
    assert set(targets.SUMMARY) <= set(outputs)


def test_a_report_covers_the_finished_runs_and_an_existing_summary_only(tmp_path):
    runs = runs_of(a=2, b=5)
    (tmp_path / "results/a").mkdir(parents=True)
    (tmp_path / "results/a/provenance.json").write_text("{}")
    outputs = targets.final_outputs(runs, reporting=True, root=tmp_path)
    assert "results/a/provenance.json" in outputs
    assert not any(path.startswith("results/b/") for path in outputs)
    assert not set(targets.SUMMARY) & set(outputs)


def test_files_of_an_earlier_latent_dimension_are_stale(tmp_path):
    (tmp_path / "results/a/gaps").mkdir(parents=True)
    (tmp_path / "results/a/samples").mkdir()
    (tmp_path / "results/a/samples/manifold.png").write_bytes(b"")
    (tmp_path / "results/a/samples/samples.png").write_bytes(b"")
    stale = targets.stale_files("a", runs_of(a=5)["a"], root=tmp_path)
    assert sorted(path.name for path in stale) == ["gaps", "manifold.png"]


def test_a_planar_runs_files_are_never_stale(tmp_path):
    (tmp_path / "results/a/gaps").mkdir(parents=True)
    assert targets.stale_files("a", runs_of(a=2)["a"], root=tmp_path) == []


def finished_folder(root, name, provenance):
    folder = root / "results" / name
    (folder / "inpainting").mkdir(parents=True)
    for file in catalogue.required_for_summary():
        (folder / file).write_text("{}")
    (folder / "provenance.json").write_text(json.dumps(provenance))


def test_runs_other_configs_left_in_results_are_found_with_their_config(tmp_path):
    settings = {"model": {"latent_dim": 2}}
    finished_folder(tmp_path, "old", {"settings": settings, "config_files": ["old.yaml"]})
    finished_folder(tmp_path, "mine", {"settings": settings})
    found = targets.runs_in_folders(exclude={"mine"}, root=tmp_path)
    assert found == {"old": {"settings": settings, "config_files": ["old.yaml"]}}


def test_folders_without_recorded_settings_or_unfinished_are_left_out(tmp_path):
    finished_folder(tmp_path, "older", {"run": "older"})
    (tmp_path / "results/half").mkdir(parents=True)
    (tmp_path / "results/half/provenance.json").write_text('{"settings": {}}')
    assert targets.runs_in_folders(root=tmp_path) == {}
