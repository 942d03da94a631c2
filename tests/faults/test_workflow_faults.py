"""Faults met through the real snakemake CLI on the tiny config: each ends in one line
naming the key or file, and nothing good is lost or half-written."""

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import MNIST, copy_of, copy_workflow, full_disk, snakemake

from mnist_vae.data.mnist import MNIST_FILES
from mnist_vae.pipeline.shards import read_items
from mnist_vae.storage.files import file_digest, read_npz
from mnist_vae.storage.torch_files import read_torch

pytestmark = pytest.mark.workflow

RUN = "results/tiny"
# More shards than the tiny test set has blocks (4 of 50 images) or digits chunks (2 of
# 16): some shards are empty.
SHARDS = "shards:\n  evaluate: 5\n  inpainting: 3\n"


def files_and_times(root):
    return {p: p.stat().st_mtime_ns for p in sorted(Path(root).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """The tiny workflow run to the end under umask 022, with some shards empty."""
    workdir = copy_workflow(tmp_path_factory.mktemp("finished"))
    config = workdir / "config.yaml"
    config.write_text(config.read_text().split("shards:")[0] + SHARDS + "\nruns:\n  tiny: {}\n")
    previous = os.umask(0o022)
    try:
        snakemake(workdir)
    finally:
        os.umask(previous)
    return workdir


@pytest.fixture
def fresh(tmp_path):
    return copy_workflow(tmp_path)


def one_line_error(result, message):
    assert result.returncode != 0
    assert f"error: {message}" in result.stderr
    assert "Traceback" not in result.stderr


def unchanged_but(before, after, failed):
    """Whether every file of `before` but those under the paths `failed` (the failed job's
    outputs, which Snakemake removes) is still there, untouched."""

    def kept(files):
        return {p: t for p, t in files.items() if not any(p.is_relative_to(f) for f in failed)}

    return kept(before) == kept(after)


def test_empty_shards_change_nothing(finished, tiny_run):
    # against the same settings run in shards none of which is empty
    table = f"{RUN}/test_per_image.csv"
    assert (finished / table).read_bytes() == (tiny_run / table).read_bytes()
    keys = ["digit", "mu", "log_sigma", "elbo", "bottom"]
    fits = [read_npz(w / RUN / "inpainting/inpainting_fit.npz", keys) for w in (finished, tiny_run)]
    for key in keys:
        assert np.array_equal(fits[0][key], fits[1][key])


def test_a_moved_workspace_has_nothing_to_rerun(finished, tmp_path):
    moved = copy_of(finished, tmp_path / "elsewhere")
    result = snakemake(moved, "-n")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_outputs_get_the_mode_the_umask_gives(finished):
    modes = {
        str(path.relative_to(finished)): oct(path.stat().st_mode & 0o777)
        for folder in ("data", "results")
        for path in (finished / folder).rglob("*")
        if path.is_file()
    }
    assert set(modes.values()) == {"0o644"}, modes


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("data={n_train: 10001}", "config.data.n_train: 10001 is more than the 10000 train"),
        ("train={epochs: 3", "config.train: '{epochs: 3' is not of type 'object'"),
        ("train={epochs: [1}", "config.train: '{epochs: [1}' is not of type 'object'"),
        ("data={n_test: many}", "config.data.n_test: 'many' is not of type 'integer'"),
        ("train={epochs: -1}", "config.train.epochs: -1 is less than the minimum of 1"),
        (
            "train={epoch: 3}",
            "config.train: Additional properties are not allowed ('epoch' was unexpected)",
        ),
        (
            "evaluate={device: tpu}",
            "config.evaluate.device: 'tpu' is not one of ['auto', 'cpu', 'cuda']",
        ),
        (
            "interpolation={pairs: 46}",
            "config.runs.tiny.interpolation.pairs: 46 is more than the 45 pairs",
        ),
        (
            "interpolation={indices: [[0, 300]]}",
            "config.runs.tiny.interpolation.indices: 300 is not an index of the 300 training",
        ),
        (
            "inpainting={digits: 201}",
            "config.runs.tiny.inpainting.digits: 201 is more than the 200",
        ),
        (
            "inpainting={examples: 21}",
            "config.runs.tiny.inpainting.examples: 21 is more than the 20",
        ),
        (
            "inpainting={contour_examples: 21}",
            "config.runs.tiny.inpainting.contour_examples: 21 is more than the 20 digits",
        ),
        (
            "train={heldout_images: 201}",
            "config.runs.tiny.train.heldout_images: 201 is more than the 200 test images",
        ),
        (
            "train={snapshot_epochs: [5, 10]}",
            "config.runs.tiny.train.snapshot_epochs: none of [5, 10] is within the 2 epochs",
        ),
        (
            "runs={summary: {}}",
            "config.runs.summary: 'summary' is the name of the workflow's cross-run summary",
        ),
        ("inpainting={steps: 30}", "config.inpainting.steps: moved to inpainting.svi.steps"),
        (
            "runs={tiny: {inpainting: {seed: 1}}}",
            "config.runs.tiny.inpainting.seed: moved to inpainting.svi.seed",
        ),
        pytest.param(
            "train={device: cuda}",
            "config.runs.tiny.train.device: cuda, but torch sees no GPU on this machine",
            marks=pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is here"),
        ),
    ],
)
def test_a_setting_that_cannot_be_honoured_stops_the_run_before_any_job_and_loses_nothing(
    finished, override, message
):
    before = files_and_times(finished / "results")
    one_line_error(snakemake(finished, "--config", override, check=False), message)
    assert files_and_times(finished / "results") == before


def test_a_truncated_model_fails_the_rules_that_read_it_in_one_line(finished, tmp_path):
    workdir = copy_of(finished, tmp_path / "w")
    model = workdir / RUN / "model.pt"
    model.write_bytes(model.read_bytes()[:5000])
    before = files_and_times(workdir / "results")
    result = snakemake(workdir, "-f", f"{RUN}/samples/samples.png", check=False)
    one_line_error(result, f"{RUN}/model.pt: not a complete PyTorch file")
    after = files_and_times(workdir / "results")
    assert unchanged_but(before, after, failed=[workdir / RUN / "samples"])


class Payload:
    """Unpickling this runs code: it would create the file `marker`."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_crafted_model_file_is_refused_unread_in_one_line(finished, tmp_path):
    workdir = copy_of(finished, tmp_path / "w")
    marker = tmp_path / "ran"
    torch.save({"settings": Payload(marker)}, workdir / RUN / "model.pt")
    before = files_and_times(workdir / "results")
    result = snakemake(workdir, "-f", f"{RUN}/samples/samples.png", check=False)
    one_line_error(result, f"{RUN}/model.pt: holds objects other than tensors and plain data")
    assert not marker.exists()
    after = files_and_times(workdir / "results")
    assert unchanged_but(before, after, failed=[workdir / RUN / "samples"])


def test_a_full_disk_fails_the_job_in_one_line_and_loses_nothing_else(finished, tmp_path):
    workdir = copy_of(finished, tmp_path / "w")
    samples = workdir / RUN / "samples"
    shutil.rmtree(samples)
    samples.mkdir()
    before = files_and_times(workdir / "results")
    with full_disk(samples, size="16k"):
        # A file on the small disk, so that Snakemake, which removes the empty folders of
        # a failed job's outputs, does not try to remove the mount point.
        (samples / "kept").write_bytes(b"x")
        result = snakemake(workdir, "-f", f"{RUN}/samples/samples.png", check=False)
        assert [path.name for path in samples.iterdir()] == ["kept"]  # nothing half-written
    one_line_error(result, f"{RUN}/samples/samples.npz: no space left on device")  # first written
    assert files_and_times(workdir / "results") == before


@pytest.mark.parametrize(
    ("stage", "cut"),
    [("evaluate", "csv"), ("inpainting", "npz")],
)
def test_a_shard_cut_short_fails_in_one_line_before_its_gather_and_nothing_is_lost(
    finished, tmp_path, stage, cut
):
    workdir = copy_of(finished, tmp_path / "w")
    column, what = ("image", "images") if stage == "evaluate" else ("digit", "digits")
    shards = sorted((workdir / RUN / stage / "shards").glob(f"*.{cut}"))
    shard = next(path for path in shards if len(read_items(path, column)[column]) > 1)
    held = cut_to_half(shard, column)
    before = files_and_times(workdir / "results")
    gathered = {"evaluate": "metrics.json", "inpainting": "inpainting/inpainting_metrics.json"}
    result = snakemake(workdir, "-f", f"{RUN}/{gathered[stage]}", check=False)
    one_line_error(
        result,
        f"{RUN}/{stage}/shards/{shard.name}: holds {held // 2} {what} where its shard has {held}",
    )
    # the check's own record aside (Snakemake removes a failed job's outputs), the last
    # good run's outputs are all there, untouched, the gathered metrics included
    check = workdir / RUN / stage / "shards/checked.json"
    assert {p: t for p, t in before.items() if p != check} == files_and_times(workdir / "results")


def cut_to_half(shard, column):
    """Keep the first half of a shard's rows, as a disk filling up mid-copy would.
    -> how many it held"""
    if shard.suffix == ".csv":
        table = pd.read_csv(shard)
        table.iloc[: len(table) // 2].to_csv(shard, index=False)
        return len(table)
    arrays = read_npz(shard)
    held = len(arrays[column])
    cut = {k: v[: held // 2] if v.ndim and len(v) == held else v for k, v in arrays.items()}
    np.savez(shard, **cut)
    return held


def test_a_diverging_inpainting_fit_is_said_and_shown_on_the_metrics_page(finished, tmp_path):
    workdir = copy_of(finished, tmp_path / "w")
    diverging = "inpainting={svi: {learning_rate: 1e30}}"
    result = snakemake(workdir, f"{RUN}/metrics.html", "--config", diverging)
    assert re.search(
        r"inpainting of run tiny: the SVI fit diverged for \d+ of 20 digits", result.stderr
    )
    page = (workdir / RUN / "metrics.html").read_text()
    assert re.search(r"the SVI fit diverged for \d+, its rows are empty", page)


def test_files_of_an_earlier_latent_dimension_are_removed_and_said(finished, tmp_path):
    workdir = copy_of(finished, tmp_path / "w")
    result = snakemake(workdir, "--config", "model={latent_dim: 3}")
    assert f"removed {RUN}/gaps: made when run tiny had another latent dimension" in result.stderr
    assert not (workdir / RUN / "gaps").exists()
    assert not (workdir / RUN / "samples/manifold.png").exists()
    assert (workdir / RUN / "latent/latent_scatter.png").exists()


def test_a_truncated_binarized_file_fails_the_rules_that_read_it_in_one_line(finished, tmp_path):
    workdir = copy_of(finished, tmp_path / "w")
    data = workdir / "data/mnist/binarized-train300-test200-t0.5.npz"
    data.write_bytes(data.read_bytes()[:5000])
    before = files_and_times(workdir / "results")
    result = snakemake(workdir, "-f", f"{RUN}/latent/latent_scatter.png", check=False)
    one_line_error(result, "data/mnist/binarized-train300-test200-t0.5.npz: not a complete .npz")
    after = files_and_times(workdir / "results")
    # A changed input reruns the jobs reading it, and Snakemake deletes a job's outputs
    # before running it: the latent figure's, and training's, which reads the file too.
    trained = [workdir / RUN / name for name in ("model.pt", "history.csv", "snapshots.pt")]
    assert unchanged_but(before, after, failed=[workdir / RUN / "latent", *trained])


def test_a_damaged_idx_file_stops_the_download_in_one_line_and_copies_nothing(fresh):
    images = fresh / "resources/mnist/train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:1000])
    result = snakemake(fresh, "--until", "binarize", check=False)
    one_line_error(result, "resources/mnist/train-images-idx3-ubyte.gz: not a complete gzip file")
    assert (
        not (fresh / "data/mnist/raw").exists() or list((fresh / "data/mnist/raw").iterdir()) == []
    )


def test_a_dead_mirror_is_said_and_the_next_one_serves(fresh, serve):
    good = serve(MNIST)
    md5 = {key: file_digest(MNIST / name, "md5") for key, name in MNIST_FILES.items()}
    dead = "http://127.0.0.1:9/"  # the discard port: nothing listens there
    data = {"source": "mirrors", "mirrors": [dead, good], "md5": md5, "timeout": 5}
    (fresh / "mirrors.yaml").write_text(json.dumps({"runs": {"mirrored": {"data": data}}}))
    result = snakemake(fresh, "--until", "binarize", "--configfile", "mirrors.yaml")
    assert re.search(rf"{re.escape(dead)}train-images-idx3-ubyte.gz: .*refused", result.stderr)
    manifest = json.loads((fresh / "data/mnist/raw-mirrors/manifest.json").read_text())
    assert {entry["source"] for entry in manifest.values()} == {
        good + name for name in MNIST_FILES.values()
    }


def test_an_unreadable_checkpoint_is_set_aside_and_training_runs(fresh):
    snakemake(fresh, "--until", "binarize")
    checkpoint = fresh / RUN / "train.checkpoint.pt"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"PK\x03\x04 not a whole checkpoint")
    result = snakemake(fresh, "--until", "train")
    assert "set aside as results/tiny/train.checkpoint.pt.unreadable" in result.stderr
    assert (fresh / RUN / "train.checkpoint.pt.unreadable").exists()
    assert (fresh / RUN / "model.pt").exists()


def start_training(workdir, epochs):
    """snakemake training `epochs` epochs in its own session, as from a terminal; returns
    once the first checkpoint is written. -> Popen"""
    snakemake(workdir, "--until", "binarize")
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "--until", "train"]
    job = subprocess.Popen(
        [*command, "--config", f"train={{epochs: {epochs}}}"],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # As a terminal's foreground job: Ctrl-C's SIGINT acts even when these tests run
        # in the background, whose jobs a shell starts with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    checkpoint = workdir / RUN / "train.checkpoint.pt"
    deadline = time.time() + 120
    while not checkpoint.exists() and job.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert checkpoint.exists()
    return job


def finish_training(workdir, epochs):
    """Rerun after an interruption: it resumes and completes the history."""
    snakemake(workdir, "--until", "train", "--config", f"train={{epochs: {epochs}}}")
    log = (workdir / "logs/train/tiny.log").read_text()
    assert f"Resuming from checkpoint {RUN}/train.checkpoint.pt after epoch" in log
    history = pd.read_csv(workdir / RUN / "history.csv")
    assert history["epoch"].tolist() == list(range(1, epochs + 1))


def scripts_running_in(workdir):
    """Processes running a script of the workflow in `workdir` (Snakemake's copies)."""
    marker = str(workdir / ".snakemake" / "scripts").encode()
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            pass  # exited meanwhile
    return found


def test_killed_training_resumes_from_its_checkpoint(fresh):
    job = start_training(fresh, 400)
    os.killpg(job.pid, signal.SIGTERM)
    _, stderr = job.communicate(timeout=60)
    assert job.returncode != 0
    assert "error: interrupted (SIGTERM)" in stderr and "Traceback" not in stderr
    checkpoint = fresh / RUN / "train.checkpoint.pt"
    assert not (fresh / RUN / "model.pt").exists()
    assert 1 <= len(read_torch(checkpoint)["history"]) < 400
    finish_training(fresh, 400)


def test_ctrl_c_ends_training_in_one_line_keeping_the_checkpoint(fresh):
    job = start_training(fresh, 100_000)
    os.killpg(job.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    _, stderr = job.communicate(timeout=60)
    assert job.returncode != 0
    # SIGINT, or SIGTERM from snakemake, whichever comes first
    assert re.search(r"error: interrupted \(SIG(INT|TERM)\)", stderr)
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert (fresh / RUN / "train.checkpoint.pt").exists()


def test_killing_snakemake_stops_its_training_and_the_rerun_resumes(fresh):
    job = start_training(fresh, 400)
    job.kill()  # kill -9 of the scheduler alone, as a lost SSH session does
    job.wait(timeout=10)
    deadline = time.time() + 30
    while scripts_running_in(fresh) and time.time() < deadline:
        time.sleep(0.1)
    assert scripts_running_in(fresh) == []
    assert "interrupted (SIGTERM)" in (fresh / "logs/train/tiny.log").read_text()

    locked = snakemake(fresh, "--until", "train", check=False)
    assert "--unlock" in locked.stderr
    snakemake(fresh, "--unlock")
    finish_training(fresh, 400)


def test_the_smallest_value_of_every_setting_runs_to_the_end(fresh):
    smallest = [
        "samples={n: 1}",
        "manifold={points: 2}",
        "interpolation={pairs: 1, points: 2}",
        "train={batch_size: 500, heldout_images: 1, log_px_every: 1000}",
        "evaluate={batch_size: 1000, elbo_samples: 1, iwae_samples: 1, chunk_size: 1}",
        "inpainting={digits: 1, examples: 1, contour_examples: 1, completion_samples: 1,"
        " svi: {restarts: 1, candidates: 1, samples: 1, steps: 1}}",
        "gaps={figure_examples: 1}",
    ]
    snakemake(fresh, "--config", *smallest)
    # every number of the run's metrics finite (a non-finite one is written as null),
    # however few draws made them; undefined are only the standard error of one digit and
    # what the importance diagnostics cannot say of this run: a decay over one k, the
    # images below log 1, the χ² of no image whose χ² is finite
    undefined = {
        "sem",
        "gap_decay_exponent",
        "mean_gap_of_the_others",
        "measured",
        "predicted",
        "log1p_median_of_finite",
    }
    for name in ("metrics.json", "inpainting/inpainting_metrics.json"):
        values = leaves(json.loads((fresh / RUN / name).read_text()))
        assert {key for key, value in values if value is None} <= undefined
        assert all(math.isfinite(v) for _, v in values if isinstance(v, float))


def leaves(tree, key=None):
    """(key, value) of each leaf of a JSON document."""
    if isinstance(tree, dict):
        return [leaf for k, value in tree.items() for leaf in leaves(value, k)]
    if isinstance(tree, list):
        return [leaf for value in tree for leaf in leaves(value, key)]
    return [(key, tree)]
