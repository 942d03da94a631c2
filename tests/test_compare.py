"""`python -m mnist_vae compare`: what differs between runs, folders and git revisions."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mnist_vae.errors import DataError
from mnist_vae.runs.compare import diff_table, read_history, read_side, render


def write_run(folder, elbo, accuracy=0.9):
    (folder / "inpainting").mkdir(parents=True, exist_ok=True)
    metrics = {"test": {"elbo": {"mean": elbo, "sem": 0.5}, "n_images": 200}}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    inpainting = {"svi": {"pixel_accuracy": {"mean": accuracy}}}
    (folder / "inpainting/inpainting_metrics.json").write_text(json.dumps(inpainting))
    return folder


def test_the_diff_lists_what_differs_with_old_new_and_delta(tmp_path):
    old = read_side(write_run(tmp_path / "a", -150.0))
    new = read_side(write_run(tmp_path / "b", -140.0, accuracy=0.95))
    table = diff_table(old, new)
    assert table["key"].tolist() == ["inpainting.svi.pixel_accuracy.mean", "test.elbo.mean"]
    assert table.set_index("key").loc["test.elbo.mean", "delta"] == 10.0


def test_all_shows_the_unchanged_metrics_too(tmp_path):
    side = read_side(write_run(tmp_path / "a", -150.0))
    assert len(diff_table(side, side, show_all=True)) == len(side) == 4
    assert render(diff_table(side, side)) == "No metric differs.\n"


def test_a_run_name_is_read_from_the_results_folder(tmp_path, monkeypatch):
    write_run(tmp_path / "results/dz5", -140.0)
    monkeypatch.chdir(tmp_path)
    assert read_side("dz5")["test.elbo.mean"] == -140.0


def git(folder, *args):
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


def test_two_git_revisions_are_compared_from_their_committed_metrics(tmp_path, monkeypatch):
    git(tmp_path, "init", "-q")
    for elbo in (-150.0, -145.0):
        write_run(tmp_path / "results/assignment", elbo)
        git(tmp_path, "add", "results")
        git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", str(elbo))
    monkeypatch.chdir(tmp_path)
    table = diff_table(read_side("HEAD~1"), read_side("HEAD"))
    assert table.to_dict("records") == [
        {"key": "test.elbo.mean", "old": -150.0, "new": -145.0, "delta": 5.0}
    ]


def test_an_unknown_side_is_one_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="^nope: not a results folder, a run under results/"):
        read_side("nope")


def test_the_command_prints_csv_that_pandas_reads(tmp_path):
    a, b = write_run(tmp_path / "a", -150.0), write_run(tmp_path / "b", -149.0)
    command = [sys.executable, "-m", "mnist_vae", "compare", str(a), str(b), "--format", "csv"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert pd.read_csv(io.StringIO(output))["delta"].tolist() == [1.0]


def test_the_command_fails_in_one_line_on_a_missing_side(tmp_path):
    command = [sys.executable, "-m", "mnist_vae", "compare", "nope", "nada"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: nope: not a results folder")
    assert "Traceback" not in result.stderr


def test_the_console_script_is_installed_beside_the_interpreter():
    script = Path(sys.executable).parent / "mnist-vae"
    result = subprocess.run([str(script), "compare", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "usage: mnist-vae compare" in result.stdout


def write_history(folder, shift):
    folder.mkdir(parents=True, exist_ok=True)
    history = pd.DataFrame(
        {
            "epoch": [1, 2, 3],
            "train_elbo": [-200.0 + shift, -180.0 + shift, -170.0 + shift],
            "heldout_elbo": [-190.0 + shift, -185.0 + shift, -183.0 + shift],
            "heldout_log_px": [-180.0 + shift, float("nan"), -175.0 + shift],
            "seconds": [1.0, 1.0, 1.0],
        }
    )
    history.to_csv(folder / "history.csv", index=False)
    return folder


def test_a_runs_history_is_read_from_a_folder_or_a_git_revision(tmp_path, monkeypatch):
    git(tmp_path, "init", "-q")
    write_history(tmp_path / "results/assignment", 0.0)
    git(tmp_path, "add", "results")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    write_history(tmp_path / "results/assignment", 5.0)
    monkeypatch.chdir(tmp_path)
    assert read_history("HEAD")["train_elbo"].tolist() == [-200.0, -180.0, -170.0]
    assert read_history("results/assignment")["train_elbo"].iloc[0] == -195.0


def test_the_curves_command_overlays_two_runs_in_one_figure(tmp_path):
    from matplotlib.image import imread

    a, b = write_history(tmp_path / "a", 0.0), write_history(tmp_path / "b", 3.0)
    figure = tmp_path / "curves.png"
    command = [sys.executable, "-m", "mnist_vae", "curves", str(a), str(b), "-o", str(figure)]
    subprocess.run(command, capture_output=True, text=True, check=True)
    pixels = imread(figure)
    assert pixels.shape[1] > pixels.shape[0] and pixels[..., :3].std() > 0.05


def test_the_curves_command_fails_in_one_line_on_a_missing_run(tmp_path):
    command = [sys.executable, "-m", "mnist_vae", "curves", "nope"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1 and result.stderr.startswith("error: nope: not a results folder")
    assert not (tmp_path / "curves.png").exists()
