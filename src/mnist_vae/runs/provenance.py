"""Where a run's results came from: the code's git revision (and whether the tree had
uncommitted changes), the run's resolved settings and their hash, the data file's hash,
its seeds, the machine and software, what each rule's jobs ran on (device, threads, the GEMM
of the matrix products), and the wall time of each of its rules. Imports no torch."""

import hashlib
import json
import platform
import re
import subprocess
from pathlib import Path

from mnist_vae.runs.benchmarks import benchmark_files, seconds
from mnist_vae.runs.summary import flatten
from mnist_vae.storage.files import file_digest
from mnist_vae.versions import installed_versions

RUNTIME = re.compile(r"runtime (\{.*\})$", re.MULTILINE)
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


def rule_seconds(benchmarks, run):
    """Wall time of each rule of `run` from Snakemake's benchmark files, summed over
    shards. -> {rule: seconds}"""
    return {
        rule: round(float(sum(seconds(path) for path in files)), 2)
        for rule, files in benchmark_files(benchmarks, run).items()
    }


def runtime_records(logs, run):
    """What each of the run's torch jobs ran on, as its log says (the runtime line of
    mnist_vae.pipeline.runtime.start_torch): logs/<rule>/<run>.log, or one per shard in
    logs/<rule>/<run>/. -> {rule: {key: value, the shards' values joined by ', ' where
    they differ}}"""
    found = {}
    for rule in sorted(p for p in Path(logs).iterdir() if p.is_dir()):
        records = []
        for log in [rule / f"{run}.log", *sorted((rule / run).glob("*.log"))]:
            if log.is_file():
                records += [json.loads(m) for m in RUNTIME.findall(log.read_text())]
        if records:
            found[rule.name] = {
                key: joined([record.get(key) for record in records]) for key in records[0]
            }
    return found


def joined(values):
    distinct = list(dict.fromkeys(values))
    return distinct[0] if len(distinct) == 1 else ", ".join(map(str, distinct))


# What jobs ran on, by rule; what is the same for every job is the machine's.
JOB_KEYS = ("device", "threads", "products")


def provenance(
    run,
    settings,
    code_directory,
    data,
    config_files=(),
    shards=None,
    benchmarks="benchmarks",
    logs="logs",
):
    """Everything above for one run, as a JSON-ready dict: enough to rebuild it (its
    settings, data and code) and to see what it ran on."""
    records = runtime_records(logs, run)
    machine = {
        key: joined([record[key] for record in records.values()])
        for key in next(iter(records.values()), {})
        if key not in JOB_KEYS
    }
    return {
        "run": run,
        "git": git_state(code_directory),
        "settings": {key: value for key, value in settings.items() if key != "runs"},
        "config_files": list(config_files),
        "shards": shards,
        "settings_sha256": settings_hash(settings),
        "data_sha256": file_digest(data),
        "seeds": {key: value for key, value in flatten(settings).items() if key.endswith("seed")},
        "devices": {section: settings[section]["device"] for section in ("train", "evaluate")},
        "machine": {"platform": platform.platform(), **machine},
        "jobs": {rule: {key: record[key] for key in JOB_KEYS} for rule, record in records.items()},
        "versions": installed_versions(PACKAGES),
        "products": {rule: record["products"] for rule, record in records.items()},
        "rule_seconds": rule_seconds(benchmarks, run),
    }
