"""The workflow where Linux's own calls are missing, as on macOS or Windows: parsing and
jobs run in an interpreter whose os module lacks them (a sitecustomize removes them)."""

import os
import subprocess
import sys

import pytest
from helpers import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

# In os on Linux only (Python's documentation: "Availability: Linux").
LINUX_ONLY = ("sched_getaffinity", "sched_setaffinity", "pidfd_open", "memfd_create")
SITECUSTOMIZE = f"""\
import os

for name in {LINUX_ONLY!r}:
    if hasattr(os, name):
        delattr(os, name)
"""


@pytest.fixture
def without_linux_calls(tmp_path, monkeypatch):
    """Every Python started from the test (snakemake, its jobs) runs without LINUX_ONLY."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    paths = [str(site), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path for path in paths if path))
    return site


def test_the_sitecustomize_removes_the_linux_calls(without_linux_calls, tmp_path):
    workdir = copy_workflow(tmp_path / "w")
    probe = workdir / "probe.py"
    probe.write_text("import os\nprint(hasattr(os, 'sched_getaffinity'))\n")
    result = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True)
    assert result.stdout.strip() == "False"


def test_the_workflow_plans_and_runs_jobs_without_linux_calls(without_linux_calls, tmp_path):
    workdir = copy_workflow(tmp_path / "w")
    planned = snakemake(workdir, "-n", "--cores", "4")
    assert "train" in planned.stdout
    snakemake(workdir, "--until", "binarize")
    assert (workdir / "data/mnist/binarized-train300-test200-t0.5.npz").exists()
