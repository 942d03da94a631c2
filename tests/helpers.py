"""What the tests share that is not a fixture: the repository's paths, the workflow's rules,
IDX files written by hand, and the real snakemake run in a copied workspace."""

import contextlib
import copy
import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mnist_vae.data.mnist import binarized_split, split_files
from mnist_vae.runs import catalogue
from mnist_vae.runs.config import resolve_runs

REPO = Path(__file__).resolve().parents[1]
MNIST = REPO / "resources" / "mnist"
WORKFLOW_FILES = ("Snakefile", "environment.yml", "profiles", "workflow", "src", "resources")
TINY_CONFIG = REPO / "tests" / "config" / "tiny.yaml"
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
# Every rule that runs a job, in the order data flows; `all` only collects.
RULES = tuple(rule.name for rule in catalogue.RULES)


def idx_bytes(magic, array):
    """The IDX encoding of a uint8 array: magic, big-endian dimensions, then the bytes."""
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_idx(path, magic, array):
    with gzip.open(path, "wb") as f:
        f.write(idx_bytes(magic, array))
    return path


def mnist_tensor(split, n):
    x, _ = binarized_split(*split_files(MNIST, split), n, 0.5)
    return torch.from_numpy(x).float()


def in_float64(vae):
    """A float64 copy of `vae`: its products are torch's own in every backend, a reference
    that no misuse of the backend under test can share."""
    return copy.deepcopy(vae).double()


def copy_of(workdir, destination):
    """A finished workspace copied as `cp -a` would, times kept, so that Snakemake finds
    nothing to redo in it. -> destination"""
    shutil.copytree(workdir, destination, symlinks=True)
    return destination


def copy_workflow(destination):
    """The files a workflow run needs, copied into `destination`, with the tiny config as
    its config.yaml (as the catalog's .test directories do). -> destination"""
    for name in WORKFLOW_FILES:
        source = REPO / name
        target = destination / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    shutil.copy2(TINY_CONFIG, destination / "config.yaml")
    return destination


def snakemake(workdir, *args, check=True, timeout=600, cores=("--cores", "2")):
    """Run the real snakemake CLI in `workdir`. -> CompletedProcess"""
    command = [sys.executable, "-m", "snakemake", *cores, *args]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{result.stdout}\n{result.stderr}")
    return result


def planned_jobs(workdir, *args):
    """Rules a dry run would execute, with their counts. -> {rule: count}"""
    output = snakemake(workdir, "--dry-run", "--quiet", "rules", *args).stdout
    jobs = {}
    in_table = False
    for line in output.splitlines():
        fields = line.split()
        if fields[:2] == ["job", "count"]:
            in_table = True
        elif in_table and len(fields) == 2 and fields[1].isdigit() and fields[0] != "total":
            jobs[fields[0]] = int(fields[1])
    return jobs


@contextlib.contextmanager
def full_disk(mount, size="64k"):
    """A real tmpfs of `size` mounted at `mount` (an empty folder) while in the block: a
    disk that fills up. Mounting needs root, as CI has; elsewhere the test is skipped,
    unless MNIST_VAE_REQUIRE_FULL_DISK=1 (as .ci/run sets) makes that a failure."""
    if os.geteuid() != 0:
        if os.environ.get("MNIST_VAE_REQUIRE_FULL_DISK") == "1":
            pytest.fail("MNIST_VAE_REQUIRE_FULL_DISK=1 but mounting a tmpfs needs root")
        pytest.skip("mounting a tmpfs needs root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", mount], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", mount], check=True)


def runs_of(**latent_dims):
    """Runs resolved from the schema's defaults, one per name, with these latent dimensions."""
    config = {"runs": {name: {"model": {"latent_dim": dz}} for name, dz in latent_dims.items()}}
    return resolve_runs(config, SCHEMA)
