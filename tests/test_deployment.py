"""The workflow wherever it is deployed: as a Snakemake module of another workflow, and
from a checkout whose package differs from the one the environment installed."""

import re

import pytest
from helpers import TINY_CONFIG, copy_workflow, snakemake

from mnist_vae.storage.torch_files import read_torch

pytestmark = pytest.mark.workflow

WRAPPER = """\
configfile: "config/config.yaml"


module mnist_vae:
    snakefile:
        "../mnist-vae/Snakefile"
    config:
        config


use rule * from mnist_vae
"""


def test_the_workflow_runs_as_a_snakemake_module_of_another(tiny_run, tmp_path):
    """From a directory holding only the module lines and a copy of a config of the
    workflow: the MNIST copy the workflow ships is found where the workflow is."""
    copy_workflow(tmp_path / "mnist-vae")
    deployment = tmp_path / "deploy"
    (deployment / "config").mkdir(parents=True)
    (deployment / "Snakefile").write_text(WRAPPER)
    (deployment / "config/config.yaml").write_text(TINY_CONFIG.read_text())
    assert "download_mnist" in snakemake(deployment, "-n").stdout
    snakemake(deployment)
    # the results of the same settings run in place, to the byte
    for table in ("test_per_image.csv", "latent/latent_means.csv"):
        deployed = (deployment / "results/tiny" / table).read_bytes()
        assert deployed == (tiny_run / "results/tiny" / table).read_bytes()
    assert (deployment / "results/tiny/inpainting/completions.png").exists()


def test_a_checkout_runs_its_own_package_not_the_installed_one(tmp_path):
    checkout = copy_workflow(tmp_path)
    init = checkout / "src/mnist_vae/__init__.py"
    init.write_text(
        re.sub(r"__version__ = .*", '__version__ = "0+this-checkout"', init.read_text())
    )
    snakemake(checkout, "--until", "train")
    saved = read_torch(checkout / "results/tiny/model.pt")
    assert saved["versions"]["mnist_vae"] == "0+this-checkout"


def test_jobs_run_the_checkouts_package_whatever_pythonpath_holds(tmp_path, monkeypatch):
    """As in a conda job, PYTHONPATH is not the workflow's to set: here it leads to
    another package of the same name, which no job may import."""
    decoy = tmp_path / "decoy/mnist_vae"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("raise ImportError('the decoy mnist_vae was imported')\n")
    monkeypatch.setenv("PYTHONPATH", str(decoy.parent))
    checkout = copy_workflow(tmp_path / "checkout")
    snakemake(checkout, "--until", "binarize")
    assert (checkout / "data/mnist/binarized-train300-test200-t0.5.npz").exists()
