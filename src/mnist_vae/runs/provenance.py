"""Where a run's results came from: the code's git revision (and whether the tree had
uncommitted changes), a hash of the run's resolved settings, its seeds, the software
versions, the GEMM each rule's matrix products went through, and the wall time of each of
its rules. Imports no torch."""

import hashlib
import json
import platform
import re
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from mnist_vae.runs.summary import flatten

PACKAGES = ("torch", "numpy", "pandas", "matplotlib", "snakemake", "mnist-vae")


def git_state(directory):
    """{"revision": commit, "dirty": uncommitted changes?} of the repository holding
    `directory`, or None outside git."""

    def git(*args):
        result = subprocess.run(
            ["git", "-C", str(directory), *args], capture_output=True, text=True, check=False
        )
        return result.stdout.strip() if result.returncode == 0 else None

    revision = git("rev-parse", "HEAD")
    if revision is None:
        return None
    return {
        "revision": revision,
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def settings_hash(settings):
    """sha256 of a run's settings as canonical JSON, its name (the "runs" entry a resolved
    run carries) left out: equal hashes, equal settings, whatever the runs are called."""
    settings = {key: value for key, value in settings.items() if key != "runs"}
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def versions():
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def rule_seconds(benchmarks, run):
    """Wall time of each rule of `run` from Snakemake's benchmark files
    (benchmarks/<rule>/<run>.tsv, or one per shard in benchmarks/<rule>/<run>/), summed
    over shards. -> {rule: seconds}"""
    seconds = {}
    for rule in sorted(p for p in Path(benchmarks).iterdir() if p.is_dir()):
        files = [rule / f"{run}.tsv", *sorted((rule / run).glob("*.tsv"))]
        times = [pd.read_csv(f, sep="\t")["s"].iloc[-1] for f in files if f.is_file()]
        if times:
            seconds[rule.name] = round(float(sum(times)), 2)
    return seconds


def products_backends(logs, run):
    """The GEMM that each of the run's torch jobs computed its matrix products through, as
    its log says (the line of mnist_vae.pipeline.runtime.start_torch): logs/<rule>/<run>.log,
    or one per shard in logs/<rule>/<run>/. -> {rule: backend, shards' backends joined by ', '
    where they differ}"""
    found = {}
    for rule in sorted(p for p in Path(logs).iterdir() if p.is_dir()):
        backends = set()
        for log in [rule / f"{run}.log", *sorted((rule / run).glob("*.log"))]:
            if log.is_file():
                backends.update(re.findall(r"matrix products through (\w+)", log.read_text()))
        if backends:
            found[rule.name] = ", ".join(sorted(backends))
    return found


def provenance(run, settings, code_directory, benchmarks="benchmarks", logs="logs"):
    """Everything above for one run, as a JSON-ready dict."""
    return {
        "run": run,
        "git": git_state(code_directory),
        "settings_sha256": settings_hash(settings),
        "seeds": {key: value for key, value in flatten(settings).items() if key.endswith("seed")},
        "devices": {section: settings[section]["device"] for section in ("train", "evaluate")},
        "versions": versions(),
        "products": products_backends(logs, run),
        "rule_seconds": rule_seconds(benchmarks, run),
    }
