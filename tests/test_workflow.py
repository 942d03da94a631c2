"""The real snakemake CLI on the tiny config, in a temporary copy of the repository."""

import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
import torch
from helpers import MNIST, REPO, RULES, copy_of, copy_workflow, planned_jobs, snakemake

from mnist_vae import products
from mnist_vae.data.mnist import MNIST_FILES
from mnist_vae.inference.quadrature import log_marginal_quadrature
from mnist_vae.model import load_model
from mnist_vae.pipeline.shards import shard_images
from mnist_vae.runs import catalogue
from mnist_vae.runs.resources import available_cores
from mnist_vae.settings import IMAGE_CHUNK
from mnist_vae.storage.files import file_digest

pytestmark = pytest.mark.workflow

RUN = "results/tiny"
# The tiny config's binarized data set, named by its settings.
DATA_SET = "train300-test200-t0.5"
BINARIZED = f"data/mnist/binarized-{DATA_SET}.npz"
AFTER_TRAINING = set(RULES[RULES.index("train") :]) | {"all"}
# The jobs a change to evaluation, or to inpainting, reruns (and their counts).
AFTER_EVALUATION = {
    "evaluate_shard": 2,
    "check_shards": 2,
    "evaluate": 1,
    "gaps_shard": 2,
    "gaps": 1,
    "importance": 1,
    "metrics_page": 1,
    "summary": 1,
    "provenance": 1,
    "all": 1,
}
AFTER_INPAINTING = {
    "inpainting_fit": 2,
    "check_shards": 1,
    "inpainting": 1,
    "inpainting_contours": 1,
    "metrics_page": 1,
    "summary": 1,
    "provenance": 1,
    "all": 1,
}
# The rules that draw a figure.
FIGURE_RULES = {
    rule.name
    for rule in catalogue.RULES
    if any(path.endswith(".png") for path in rule.outputs.values())
}


@pytest.fixture(scope="module")
def workdir(tiny_run, tmp_path_factory):
    """A copy of the repository on which the tiny workflow has run to the end, this
    module's own: its tests plan reruns in it but run none."""
    return copy_of(tiny_run, tmp_path_factory.mktemp("workflow") / "run")


@pytest.fixture
def fresh(tmp_path):
    """A copy of the repository on which nothing has run."""
    return copy_workflow(tmp_path)


@contextlib.contextmanager
def edited(path):
    """`path` with a comment appended, restored afterwards with its old content and times.
    (An input that is only newer, with the same content, reruns nothing in Snakemake 9.)"""
    original, stat = path.read_text(), path.stat()
    path.write_text(original + "# edited\n")
    try:
        yield
    finally:
        path.write_text(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_download_copies_and_records_every_file(workdir):
    manifest = json.loads((workdir / "data/mnist/raw/manifest.json").read_text())
    assert len(manifest) == 4
    for entry in manifest.values():
        raw = workdir / "data/mnist/raw" / entry["file"]
        assert hashlib.sha256(raw.read_bytes()).hexdigest() == entry["sha256"]
        assert entry["source"].startswith("resources/mnist/")


def test_binarized_data_has_the_configured_sizes(workdir):
    with np.load(workdir / BINARIZED) as data:
        assert data["x_train"].shape == (300, 784)
        assert data["x_test"].shape == (200, 784)
        assert data["y_train"].shape == (300,)
        assert set(np.unique(data["x_train"])) == {0, 1}


def test_training_writes_model_and_history(workdir):
    history = pd.read_csv(workdir / RUN / "history.csv")
    assert list(history.columns) == [
        "epoch",
        "train_elbo",
        "heldout_elbo",
        "heldout_log_px",
        "seconds",
    ]
    assert history["epoch"].tolist() == [1, 2]
    saved = torch.load(workdir / RUN / "model.pt", weights_only=True)
    assert saved["settings"] == {"latent_dim": 2, "hidden_dim": 64}
    assert saved["train"]["epochs"] == 2
    assert set(saved["versions"]) >= {"python", "torch", "numpy"}
    assert not (workdir / RUN / "train.checkpoint.pt").exists()


def test_metrics_cover_the_whole_test_set(workdir):
    metrics = json.loads((workdir / RUN / "metrics.json").read_text())
    test = metrics["test"]
    assert test["n_images"] == 200 and metrics["train"]["n_images"] == 300
    assert test["iwae"]["k"] == 20
    # the bounds in the order exact arithmetic puts them (their Monte Carlo error is far smaller)
    assert test["elbo"]["mean"] < test["iwae"]["mean"] < test["log_px_quadrature"]["mean"] + 0.01
    assert test["log_px_quadrature"]["points_per_axis"] == 41
    for name in ("elbo", "iwae", "log_px_quadrature"):
        assert math.isfinite(test[name]["mean"]) and test[name]["sem"] > 0


def test_per_image_log_px_matches_a_finer_quadrature_of_the_saved_model(workdir):
    per_image = pd.read_csv(workdir / RUN / "test_per_image.csv")
    assert len(per_image) == 200
    vae = load_model(workdir / RUN / "model.pt")
    with np.load(workdir / BINARIZED) as data:
        x = torch.from_numpy(data["x_test"][:10]).float()
    finer, _ = log_marginal_quadrature(x, vae.decoder, limit=8.0, points=201)
    np.testing.assert_allclose(per_image["log_px"][:10], finer.numpy(), atol=0.01)
    metrics = json.loads((workdir / RUN / "metrics.json").read_text())
    assert math.isclose(per_image["log_px"].mean(), metrics["test"]["log_px_quadrature"]["mean"])


def test_every_rule_leaves_a_log_and_a_benchmark(workdir):
    for rule in ("download_mnist/raw", "summary", f"binarize/{DATA_SET}"):
        assert (workdir / f"logs/{rule}.log").exists()
        assert (workdir / f"benchmarks/{rule}.tsv").exists()
    for rule in ("train", "evaluate"):
        assert (workdir / f"logs/{rule}/tiny.log").read_text()
        assert (workdir / f"benchmarks/{rule}/tiny.tsv").exists()
    assert "epoch 2/2" in (workdir / "logs/train/tiny.log").read_text()


def png_size(path):
    """Width and height of a PNG, read from its header."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


@pytest.mark.parametrize(
    "figure",
    [
        "training_curves.png",
        "samples/samples.png",
        "samples/manifold.png",
        "latent/latent_scatter.png",
        "interpolation/interpolation.png",
        "inpainting/contours.png",
        "inpainting/completions.png",
        "gaps/gaps.png",
        "gaps/over_training.png",
    ],
)
def test_every_figure_is_a_readable_png_with_something_drawn(workdir, figure):
    width, height = png_size(workdir / RUN / figure)
    assert 400 <= width <= 3000 and 250 <= height <= 3000
    assert_drawn(workdir / RUN / figure)


def assert_drawn(png):
    """Not a blank page: part of it, neither a sliver nor all, differs from the white
    background, in more than a handful of colours."""
    pixels = matplotlib.image.imread(png)[..., :3]
    ink = (np.abs(pixels - 1.0).max(-1) > 0.1).mean()
    colours = len(np.unique((pixels * 15).round().reshape(-1, 3), axis=0))
    assert 0.01 < ink < 0.95, f"{png}: {ink:.1%} of it drawn"
    assert colours >= 8, f"{png}: {colours} colours"


def test_the_summary_has_a_row_per_run_with_its_metrics_and_readable_figures(workdir):
    table = pd.read_csv(workdir / "results/summary.csv")
    metrics = json.loads((workdir / RUN / "metrics.json").read_text())
    assert table["run"].tolist() == ["tiny"]
    assert table.loc[0, "test.elbo.mean"] == metrics["test"]["elbo"]["mean"]
    for figure in ("latent_dimension.png", "training_curves.png", "objectives.png"):
        width, height = png_size(workdir / "results/summary" / figure)
        assert 400 <= width <= 3000 and 250 <= height <= 3000
        assert_drawn(workdir / "results/summary" / figure)


def test_provenance_records_the_settings_hash_seeds_versions_and_rule_times(workdir):
    record = json.loads((workdir / RUN / "provenance.json").read_text())
    assert len(record["settings_sha256"]) == 64
    assert record["seeds"]["train.seed"] == 0
    assert record["versions"]["torch"] == torch.__version__
    assert {"train", "evaluate", "evaluate_shard", "inpainting"} <= set(record["rule_seconds"])


def test_provenance_records_the_gemm_each_torch_rule_computed_its_products_through(workdir):
    record = json.loads((workdir / RUN / "provenance.json").read_text())
    torch_rules = {"train", "evaluate_shard", "gaps_shard", "inpainting_fit", "samples"}
    assert torch_rules <= set(record["products"])
    assert set(record["products"].values()) == {products.backend()}
    assert "plot_history" not in record["products"]  # draws figures, no products


def test_provenance_records_the_settings_data_and_what_each_job_ran_on(workdir):
    record = json.loads((workdir / RUN / "provenance.json").read_text())
    assert record["settings"]["train"]["epochs"] == 2  # the tiny config's, resolved
    assert "runs" not in record["settings"]
    data = (workdir / BINARIZED).read_bytes()
    assert record["data_sha256"] == hashlib.sha256(data).hexdigest()
    assert record["jobs"]["train"] == {
        "device": "cpu",
        "threads": min(2, available_cores()),  # the rule's threads, --cores 2
        "products": products.backend(),
    }
    assert record["machine"]["cpu"] == products.cpu_model()


def test_a_run_folder_alone_gives_the_config_that_rebuilds_it_computing_nothing(workdir):
    command = [sys.executable, "-m", "mnist_vae", "config", f"{RUN}"]
    config = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=True)
    (workdir / "rebuilt.yaml").write_text(config.stdout)
    planned = planned_jobs(workdir, "--replace-workflow-config", "--configfile", "rebuilt.yaml")
    # only the records of which config file a run came from (now rebuilt.yaml) are rewritten
    assert set(planned) == {"provenance", "summary", "all"}


def test_the_summary_gathers_runs_other_configs_left_in_results(workdir, tmp_path):
    copy = tmp_path / "w"
    shutil.copytree(workdir, copy, symlinks=True)
    shutil.copytree(copy / RUN, copy / "results/earlier")  # as another config would leave it
    provenance = json.loads((copy / "results/earlier/provenance.json").read_text())
    provenance["config_files"] = ["config/earlier.yaml"]
    (copy / "results/earlier/provenance.json").write_text(json.dumps(provenance))
    snakemake(copy, "results/summary.csv")
    table = pd.read_csv(copy / "results/summary.csv").set_index("run")
    assert table.loc["earlier", "config"] == "config/earlier.yaml"
    assert table.loc["tiny", "config"] == "config.yaml"
    assert table.loc["earlier", "test.elbo.mean"] == table.loc["tiny", "test.elbo.mean"]
    assert "gaps.amortization_gap.mean" in table


def test_history_records_heldout_log_px_for_two_latent_dimensions(workdir):
    history = pd.read_csv(workdir / RUN / "history.csv")
    assert history["heldout_log_px"].notna().all()
    assert (history["heldout_log_px"] >= history["heldout_elbo"] - 1).all()


def test_the_inference_gap_is_split_for_the_configured_test_images(workdir):
    gaps = json.loads((workdir / RUN / "gaps/gaps.json").read_text())
    per_image = pd.read_csv(workdir / RUN / "gaps/gaps_per_image.csv")
    metrics = pd.read_csv(workdir / RUN / "test_per_image.csv").set_index("image")
    assert gaps["n_images"] == len(per_image) == 20
    assert np.allclose(per_image["log_px"], metrics.loc[per_image["image"], "log_px"])
    assert sum(flag["count"] for flag in gaps["flagged"].values()) == 0


def test_the_gap_is_split_at_every_weight_snapshot_for_both_splits(workdir):
    table = pd.read_csv(workdir / RUN / "gaps/over_training.csv")
    assert list(zip(table["epoch"], table["split"], strict=True)) == [
        (1, "train"),
        (1, "test"),
        (2, "train"),
        (2, "test"),
    ]
    assert (table["n_images"] == 10).all() and (table["flagged"] == 0).all()
    assert (table["approximation_gap.mean"] > 0).all()
    assert np.isfinite(table["half_grid_max_abs_change"]).all()


def test_samples_are_ten_means_and_ten_binary_images(workdir):
    with np.load(workdir / RUN / "samples/samples.npz") as samples:
        assert samples["z"].shape == (10, 2)
        assert samples["means"].shape == samples["binary"].shape == (10, 784)
        assert set(np.unique(samples["binary"])) <= {0.0, 1.0}


def test_latent_scatter_has_one_point_per_training_image(workdir):
    table = pd.read_csv(workdir / RUN / "latent/latent_means.csv")
    assert len(table) == 300
    assert list(table.columns) == ["image", "label", "z1", "z2", "plot_x", "plot_y"]
    with np.load(workdir / BINARIZED) as data:
        assert table["label"].tolist() == data["y_train"].tolist()


def test_interpolation_endpoints_decode_the_encoded_means(workdir):
    from mnist_vae.model import load_model

    vae = load_model(workdir / RUN / "model.pt")
    with (
        np.load(workdir / RUN / "interpolation/interpolation.npz") as path,
        np.load(workdir / BINARIZED) as data,
    ):
        pairs, means = path["pairs"], path["means"]
        assert pairs.shape == (3, 2) and means.shape == (3, 10, 784)
        assert all(path["labels"][:, 0] != path["labels"][:, 1])
        x = torch.from_numpy(data["x_train"]).float()
    mu_a, _ = vae.encoder(x[pairs[:, 0]])
    mu_b, _ = vae.encoder(x[pairs[:, 1]])
    np.testing.assert_allclose(means[:, 0], torch.sigmoid(vae.decoder(mu_a)), atol=1e-6)
    np.testing.assert_allclose(means[:, -1], torch.sigmoid(vae.decoder(mu_b)), atol=1e-6)


def test_inpainting_metrics_compare_svi_with_two_baselines(workdir):
    metrics = json.loads((workdir / RUN / "inpainting/inpainting_metrics.json").read_text())
    assert metrics["n_digits"] == 20
    for method in ("svi", "encoder_zeroed_bottom", "pixel_mean"):
        accuracy = metrics[method]["pixel_accuracy"]["mean"]
        assert 0 < accuracy <= 1
        assert metrics[method]["bottom_log_likelihood"]["mean"] < 0
    with np.load(workdir / RUN / "inpainting/inpainting_fit.npz") as fit:
        assert fit["mu"].shape == (20, 2) and fit["restart_elbo"].shape == (20, 2)


def test_results_do_not_depend_on_the_number_of_shards(workdir, tmp_path):
    # The gap split's shards: test_gap_shards_split_differently_give_byte_identical_...
    # In a copy of the finished run: its model and data, its shards made again in others.
    copy = copy_of(workdir, tmp_path / "run")
    snakemake(copy, "--config", "shards={evaluate: 1, inpainting: 1, gaps: 2}")
    table = "test_per_image.csv"
    assert (copy / RUN / table).read_bytes() == (workdir / RUN / table).read_bytes()
    with (
        np.load(copy / RUN / "inpainting/inpainting_fit.npz") as one,
        np.load(workdir / RUN / "inpainting/inpainting_fit.npz") as two,
    ):
        for key in ("mu", "log_sigma", "elbo", "bottom"):
            assert np.array_equal(one[key], two[key])


def test_gap_shards_split_differently_give_byte_identical_per_image_files(workdir, tmp_path):
    copy = copy_of(workdir, tmp_path / "run")  # the gap rules alone rerun, each time
    images, splits = 40, (2, 3)
    bounds = [[shard_images(images, i, n, IMAGE_CHUNK) for i in range(1, n + 1)] for n in splits]
    assert {r.stop for r in bounds[0]} != {r.stop for r in bounds[1]}  # split differently
    target, tables = f"{RUN}/gaps/gaps_per_image.csv", []
    for n in splits:
        shards = f"shards={{evaluate: 2, inpainting: 2, gaps: {n}}}"
        snakemake(copy, target, "--config", f"gaps={{images: {images}}}", shards)
        tables.append((copy / target).read_bytes())
    assert tables[0] == tables[1]


def test_changing_an_inpainting_setting_reruns_only_inpainting_and_the_tables(workdir):
    assert planned_jobs(workdir, "--config", "inpainting={svi: {steps: 30}}") == AFTER_INPAINTING


def test_changing_how_many_contours_are_drawn_reruns_only_the_contour_figure(workdir):
    planned = planned_jobs(workdir, "--config", "inpainting={contour_examples: 1}")
    assert planned == {"inpainting_contours": 1, "provenance": 1, "all": 1}


def test_changing_how_many_completions_are_drawn_refits_no_digit(workdir):
    planned = planned_jobs(workdir, "--config", "inpainting={examples: 3}")
    assert "inpainting_fit" not in planned and planned["inpainting"] == 1


def test_changing_how_many_gaps_are_drawn_recomputes_no_gap(workdir):
    planned = planned_jobs(workdir, "--config", "gaps={figure_examples: 2}")
    # gaps.json is written again with the figure, and the summary carries the split
    assert planned == {"gaps": 1, "metrics_page": 1, "summary": 1, "provenance": 1, "all": 1}


def test_changing_the_images_over_training_leaves_the_test_images_split_alone(workdir):
    planned = planned_jobs(workdir, "--config", "gaps={over_training_images: 5}")
    # the summary compares the gaps at the last snapshot across runs
    assert planned == {
        "gaps_over_training": 1,
        "metrics_page": 1,
        "summary": 1,
        "provenance": 1,
        "all": 1,
    }


def test_changing_the_sample_seed_reruns_only_the_samples(workdir):
    planned = planned_jobs(workdir, "--config", "samples={seed: 3}")
    assert planned == {"samples": 1, "provenance": 1, "all": 1}


def test_changing_the_manifold_grid_reruns_only_the_manifold(workdir):
    planned = planned_jobs(workdir, "--config", "manifold={points: 7}")
    assert planned == {"manifold": 1, "provenance": 1, "all": 1}


def test_a_larger_latent_space_has_no_manifold(workdir):
    jobs = planned_jobs(workdir, "--config", "model={latent_dim: 3}")
    assert "manifold" not in jobs
    assert jobs["train"] == 1 and jobs["latent_scatter"] == 1


def test_jobs_never_use_more_cores_than_the_machine_has(workdir, tmp_path):
    available = available_cores()
    asked = ("--cores", str(available + 2))
    # in a copy: a rerun in the module's workspace would leave work for the tests after it
    copy = copy_of(workdir, tmp_path / "run")
    result = snakemake(copy, "--forcerun", "samples", "--until", "samples", cores=asked)
    output = result.stdout + result.stderr
    assert f"--cores {available + 2} is more than the {available} cores of this machine" in output
    assert f"Provided cores: {available}\n" in output


def test_second_run_has_nothing_to_do(workdir):
    assert planned_jobs(workdir) == {}


def test_changing_an_evaluation_setting_reruns_only_evaluation_and_the_tables(workdir):
    assert planned_jobs(workdir, "--config", "evaluate={iwae_samples: 30}") == AFTER_EVALUATION


def test_changing_a_training_setting_reruns_training_and_all_after_it(workdir):
    jobs = planned_jobs(workdir, "--config", "train={epochs: 3}")
    assert set(jobs) == AFTER_TRAINING


def test_editing_a_module_only_evaluation_imports_reruns_only_evaluation(workdir):
    with edited(workdir / "src/mnist_vae/evaluate.py"):
        planned = planned_jobs(workdir)
    assert planned == AFTER_EVALUATION


def test_editing_a_module_of_a_subpackage_reruns_only_its_users(workdir):
    with edited(workdir / "src/mnist_vae/analyses/inpainting.py"):
        planned = set(planned_jobs(workdir))
    assert planned == set(AFTER_INPAINTING)


def test_editing_the_shared_drawing_module_reruns_only_the_rules_that_draw(workdir):
    # and the metrics page, which reads the metrics that inpainting writes with its figures
    with edited(workdir / "src/mnist_vae/report/drawing.py"):
        planned = set(planned_jobs(workdir))
    assert planned == FIGURE_RULES | {"metrics_page", "provenance", "all"}


def test_editing_one_figures_module_reruns_that_figure_only(workdir):
    with edited(workdir / "src/mnist_vae/report/manifold.py"):
        assert planned_jobs(workdir) == {"manifold": 1, "provenance": 1, "all": 1}


def test_editing_the_densities_module_reruns_training_and_all_after_it(workdir):
    with edited(workdir / "src/mnist_vae/densities.py"):
        assert set(planned_jobs(workdir)) == AFTER_TRAINING


def test_a_run_target_plans_that_run_and_nothing_else(fresh):
    result = snakemake(fresh, "-n", "run_b", "--config", "runs={a: {}, b: {train: {seed: 3}}}")
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.MULTILINE))
    assert planned["train"] == "1" and "run_b" in planned
    assert "run_a" not in planned and "all" not in planned


def test_a_sweep_plans_one_training_per_combination(fresh):
    sweep = "sweeps={latent: {model.latent_dim: [2, 3], train.seed: [0, 1]}}"
    result = snakemake(fresh, "-n", "--config", sweep)
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.MULTILINE))
    assert planned["train"] == "5"  # tiny and the sweep's four
    assert planned["manifold"] == "3"  # Dz = 2 only: tiny, latent-dz2-s0, latent-dz2-s1


def test_runs_with_other_data_settings_get_their_own_data_set(fresh):
    result = snakemake(fresh, "-n", "--config", "runs={small: {data: {n_train: 100}}}")
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.MULTILINE))
    assert planned["binarize"] == "2" and planned["train"] == "2"
    assert "data/mnist/binarized-train100-test200-t0.5.npz" in result.stdout


def outputs_planned(dry_run):
    """The files a dry run's jobs would write. -> {path}"""
    lines = re.findall(r"^\s*output: (.*)$", dry_run.stdout, re.MULTILINE)
    return {path for line in lines for path in line.split(", ")}


def test_the_full_mnist_config_adds_its_run_and_rebuilds_nothing_of_the_others(workdir):
    result = snakemake(workdir, "-n", "--configfile", REPO / "config/full-mnist.yaml")
    planned = outputs_planned(result)
    assert "data/mnist/raw-mirrors/manifest.json" in planned
    assert "data/mnist/binarized-mirrors-train60000-test10000-t0.5.npz" in planned
    assert "results/full-mnist/metrics.json" in planned
    others = {path for path in planned if path.startswith(("results/tiny/", "data/mnist/raw/"))}
    assert others == set()


def test_the_full_mnist_config_replacing_the_workflows_builds_its_run_alone(workdir):
    replace = ("--replace-workflow-config", "--configfile", REPO / "config/full-mnist.yaml")
    planned = outputs_planned(snakemake(workdir, "-n", *replace))
    runs = {path.split("/")[1] for path in planned if path.startswith("results/")}
    assert runs <= {"full-mnist", "summary", "summary.csv"} and "full-mnist" in runs


def test_a_run_on_the_mirrors_downloads_its_own_copy_beside_the_offline_one(fresh, serve):
    url = serve(MNIST)
    md5 = {key: file_digest(MNIST / name, "md5") for key, name in MNIST_FILES.items()}
    mirrored = {"source": "mirrors", "mirrors": [url], "md5": md5, "n_train": 400}
    (fresh / "mirror.yaml").write_text(json.dumps({"runs": {"mirrored": {"data": mirrored}}}))
    snakemake(fresh, "--until", "binarize", "--configfile", "mirror.yaml")
    manifest = json.loads((fresh / "data/mnist/raw-mirrors/manifest.json").read_text())
    assert {entry["source"] for entry in manifest.values()} == {
        url + name for name in MNIST_FILES.values()
    }
    with np.load(fresh / "data/mnist/binarized-mirrors-train400-test200-t0.5.npz") as data:
        assert data["x_train"].shape == (400, 784)
    assert (fresh / BINARIZED).exists()  # the offline copy's data set, as before


def test_a_config_file_may_not_change_runs_it_does_not_name(fresh):
    (fresh / "mine.yaml").write_text("train: {epochs: 1}\nruns: {mine: {}}\n")
    result = snakemake(fresh, "-n", "--configfile", "mine.yaml", check=False)
    assert result.returncode != 0
    assert (
        "error: --configfile mine.yaml changes train.epochs of tiny, which it does not name"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_a_config_file_replacing_the_workflow_config_builds_only_its_runs(fresh):
    (fresh / "mine.yaml").write_text("train: {epochs: 1}\nruns: {mine: {}}\n")
    result = snakemake(fresh, "-n", "--replace-workflow-config", "--configfile", "mine.yaml")
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.MULTILINE))
    assert planned["train"] == "1"
    assert "results/mine/model.pt" in result.stdout and "results/tiny/" not in result.stdout


def test_a_config_file_naming_the_runs_it_changes_is_taken(fresh):
    (fresh / "mine.yaml").write_text("train: {epochs: 1}\nruns: {tiny: {}, mine: {}}\n")
    result = snakemake(fresh, "-n", "--configfile", "mine.yaml")
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.MULTILINE))
    assert planned["train"] == "2"


def test_a_one_dimensional_latent_space_skips_the_plane_figures_and_says_why(fresh):
    result = snakemake(fresh, "-n", "--config", "runs={line: {model: {latent_dim: 1}}}")
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.MULTILINE))
    assert planned["train"] == "2"  # tiny and line
    assert planned["latent_scatter"] == planned["inpainting_contours"] == "1"  # tiny only
    assert "Dz = 1 (line): no importance-sampling diagnostics, no manifold" in result.stdout
    assert "no latent scatter, no inpainting contours (they draw a plane" in result.stdout


@pytest.mark.parametrize(
    ("train", "objectives"),
    [
        ("{objective: iwae, iwae_samples: 3}", {"IWAE-3"}),
        ("{kl_warmup_epochs: 2}", {"ELBO, KL weight 0.00", "ELBO, KL weight 0.50"}),
    ],
    ids=["iwae", "warm-up"],
)
def test_a_run_trained_on_another_bound_records_and_draws_it(workdir, tmp_path, train, objectives):
    copy = copy_of(workdir, tmp_path / "run")
    snakemake(copy, f"{RUN}/training_curves.png", "--config", f"train={train}")
    history = pd.read_csv(copy / RUN / "history.csv")
    assert set(history["objective"]) == objectives
    assert history["train_objective"].notna().all()
    assert_drawn(copy / RUN / "training_curves.png")
