"""The reference files the docs pages quote: a finished run's small files copied into
docs/reference/assignment/ with each rule's measured jobs (resources.csv), and an objectives
sweep's summary into docs/reference/objectives/, and read back for the templates."""

import json
import re
import shutil
from pathlib import Path

import pandas as pd

from mnist_vae.docs import DOCS
from mnist_vae.errors import DataError
from mnist_vae.runs.benchmarks import benchmark_files, job_seconds, job_times, wall_seconds
from mnist_vae.runs.catalogue import run_file
from mnist_vae.storage.files import read_json

# Where the reference run's small files are committed, and the pages written from them.
REFERENCE = DOCS / "reference" / "assignment"
SWEEP_REFERENCE = DOCS / "reference" / "objectives"
FIGURES = DOCS / "figures"
# The reference run's files, by the name templates know them by.
REFERENCE_FILES = {
    "metrics": run_file("evaluate", "metrics"),
    "inpainting": run_file("inpainting", "metrics"),
    "gaps": run_file("gaps", "summary"),
    "provenance": run_file("provenance", "provenance"),
    "history": run_file("train", "history"),
    "over_training": run_file("gaps_over_training", "table"),
    "gaps_per_image": run_file("gaps", "per_image"),
    "resources": "resources.csv",
    "timing": "timing.json",
}
# The objectives sweep's files (config/sweep-objectives.yaml), by the same rule.
SWEEP_FILES = {
    "objectives": "objectives.csv",
    "sweep_runs": "summary.csv",
    "sweep": "sweep.json",
}
# Its figures, copied beside the reference run's.
SWEEP_FIGURES = ("objectives.png", "objectives_over_training.png")


def copy_sweep_reference(results, benchmarks, destination=SWEEP_REFERENCE, figures=FIGURES):
    """A finished objectives sweep into the reference folder: the summary's tables, its
    figures, and sweep.json with the revision it ran at, its machine, its evaluation
    settings, and its time: from its first job's start to its last job's end, and its jobs'
    times added up (from its runs' and the summary's benchmark files)."""
    results, destination = Path(results), Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(results / "summary/objectives.csv", destination / "objectives.csv")
    shutil.copyfile(results / "summary.csv", destination / "summary.csv")
    for name in SWEEP_FIGURES:
        shutil.copyfile(results / "summary" / name, Path(figures) / name)
    runs = list(pd.read_csv(results / "summary.csv")["run"])
    files = [
        path
        for run in runs
        for paths in benchmark_files(benchmarks, run).values()
        for path in paths
    ] + [Path(benchmarks) / "summary.tsv"]
    times = job_times(files)
    provenance = read_json(results / runs[0] / "provenance.json")
    sweep = {
        "runs": len(runs),
        "git": provenance["git"],
        "machine": provenance["machine"],
        # the runs differ in training only: how each was measured
        "evaluation": {key: provenance["settings"][key] for key in ("evaluate", "gaps")},
        "wall_seconds": round(wall_seconds(times), 1),
        "job_seconds": round(job_seconds(times), 1),
    }
    (destination / "sweep.json").write_text(json.dumps(sweep, indent=2) + "\n")


def copy_reference(run_folder, benchmarks, log, destination=REFERENCE):
    """A finished run's small files into the reference folder, with resources.csv: each
    rule's jobs, their least and most seconds and peak memory, from Snakemake's benchmark
    files of the run (benchmarks/<rule>/<run>.tsv or <run>/<shard>.tsv); and timing.json,
    the build's time from Snakemake's `log` of it (write_timing)."""
    run_folder, destination = Path(run_folder), Path(destination)
    run = run_folder.name
    for path in REFERENCE_FILES.values():
        if path not in ("resources.csv", "timing.json"):
            (destination / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(run_folder / path, destination / path)
    rows = []
    for rule, files in benchmark_files(benchmarks, run).items():
        table = pd.concat([pd.read_csv(path, sep="\t") for path in files])
        rows.append(
            {
                "rule": rule,
                "jobs": len(table),
                "seconds_min": table["s"].min(),
                "seconds_max": table["s"].max(),
                "max_rss_mb_min": table["max_rss"].min(),
                "max_rss_mb_max": table["max_rss"].max(),
            }
        )
    pd.DataFrame(rows).to_csv(destination / "resources.csv", index=False)
    write_timing(log, destination)


def build_timing(log):
    """How long a build took, from Snakemake's log of it: its wall time ("Elapsed time"),
    its jobs ("N of N steps (100%) done") and the log's name, which dates it. A log of a
    build that did not finish is refused. -> dict"""
    text = Path(log).read_text()
    done = re.search(r"^(\d+) of \1 steps \(100%\) done$", text, re.MULTILINE)
    elapsed = re.search(r"^Elapsed time: (\d+):(\d\d):(\d\d(?:\.\d+)?)$", text, re.MULTILINE)
    if done is None or elapsed is None:
        raise DataError(f"{log}: not the log of a finished Snakemake build")
    hours, minutes, seconds = elapsed.groups()
    return {
        "wall_seconds": round(3600 * int(hours) + 60 * int(minutes) + float(seconds), 1),
        "jobs": int(done.group(1)),
        "log": Path(log).name,
    }


def write_timing(log, destination=REFERENCE):
    """The reference run's build time (build_timing) into timing.json beside its files."""
    timing = build_timing(log)
    (Path(destination) / "timing.json").write_text(json.dumps(timing, indent=2) + "\n")


def reference_files(folder=REFERENCE, names=REFERENCE_FILES):
    """The reference files, read. -> {name: dict or DataFrame}"""
    files = {}
    for name, path in names.items():
        path = Path(folder) / path
        files[name] = read_json(path) if path.suffix == ".json" else pd.read_csv(path)
    return files
