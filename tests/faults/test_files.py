"""Every file the pipeline writes is whole or absent, readable by others as the umask
says, strict JSON where it is JSON; every file it reads fails in one line naming it."""

import json
import math
import os

import numpy as np
import pytest
import torch
from helpers import full_disk

from mnist_vae.data.mnist import load_binarized, save_binarized
from mnist_vae.errors import DataError, OutputError
from mnist_vae.model import build_vae, load_model, save_model
from mnist_vae.settings import ModelSettings
from mnist_vae.storage.files import atomic_write, write_json
from mnist_vae.storage.tables import read_csv
from mnist_vae.storage.torch_files import read_torch, write_torch


@pytest.fixture
def small_disk(tmp_path):
    """A real 64 KiB tmpfs, mounted for the test."""
    mount = tmp_path / "full"
    mount.mkdir()
    with full_disk(mount):
        yield mount


def test_a_full_disk_is_one_error_naming_the_file_and_leaves_nothing(small_disk):
    target = small_disk / "model.pt"
    with pytest.raises(OutputError, match=f"^{target}: no space left on device$"):
        write_torch(target, {"weights": torch.zeros(100_000)})
    assert list(small_disk.iterdir()) == []


def test_a_failed_write_keeps_the_previous_file_whole(tmp_path):
    target = tmp_path / "metrics.json"
    write_json(target, {"elbo": -1.0})
    with pytest.raises(RuntimeError), atomic_write(target, "w") as f:
        f.write("{half")
        raise RuntimeError("killed while writing")
    assert json.loads(target.read_text()) == {"elbo": -1.0}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_written_files_get_the_mode_the_umask_gives(tmp_path):
    previous = os.umask(0o027)
    try:
        write_json(tmp_path / "a.json", {})
    finally:
        os.umask(previous)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o640


def test_json_is_strict_with_non_finite_numbers_as_null(tmp_path):
    write_json(tmp_path / "m.json", {"a": math.nan, "b": [1.5, math.inf], "c": {"d": -math.inf}})
    text = (tmp_path / "m.json").read_text()
    assert json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON")) == {
        "a": None,
        "b": [1.5, None],
        "c": {"d": None},
    }


class Payload:
    """Unpickling this runs code: it would create the file `marker`."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_crafted_torch_file_is_refused_without_running_its_code(tmp_path):
    marker = tmp_path / "ran"
    torch.save({"state": Payload(marker)}, tmp_path / "evil.pt")
    with pytest.raises(DataError, match="evil.pt: holds objects other than tensors"):
        read_torch(tmp_path / "evil.pt")
    assert not marker.exists()


def test_a_truncated_model_is_one_error_naming_the_file(tmp_path):
    path = tmp_path / "model.pt"
    save_model(build_vae(ModelSettings(hidden_dim=8), seed=0), path)
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(DataError, match=f"^{path}: not a complete PyTorch file"):
        load_model(path)


def test_a_model_with_non_finite_weights_is_refused(tmp_path):
    vae = build_vae(ModelSettings(hidden_dim=8), seed=0)
    with torch.no_grad():
        vae.decoder.out.bias[0] = math.nan
    save_model(vae, tmp_path / "model.pt")
    with pytest.raises(DataError, match="model.pt: the model's weights are not all finite"):
        load_model(tmp_path / "model.pt")


def test_a_torch_file_that_is_not_a_model_is_refused(tmp_path):
    write_torch(tmp_path / "model.pt", {"history": []})
    with pytest.raises(DataError, match="model.pt: not a model this pipeline wrote"):
        load_model(tmp_path / "model.pt")


def test_a_truncated_binarized_file_is_one_error_naming_the_file(tmp_path):
    path = tmp_path / "binarized.npz"
    x, y = np.zeros((5, 784), np.uint8), np.zeros(5, np.uint8)
    save_binarized(path, x, y, x, y)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DataError, match=f"^{path}: not a complete .npz file"):
        load_binarized(path)


def test_a_binarized_file_of_other_shapes_is_refused(tmp_path):
    path = tmp_path / "binarized.npz"
    x, y = np.zeros((5, 100), np.uint8), np.zeros(5, np.uint8)
    save_binarized(path, x, y, x, y)
    with pytest.raises(DataError, match=r"x_train is \(5, 100\) for 5 labels, expected \(5, 784\)"):
        load_binarized(path)


def test_a_table_without_its_columns_is_refused(tmp_path):
    (tmp_path / "history.csv").write_text("epoch,loss\n1,2\n")
    with pytest.raises(DataError, match="history.csv: no column train_elbo"):
        read_csv(tmp_path / "history.csv", ["epoch", "train_elbo"])
