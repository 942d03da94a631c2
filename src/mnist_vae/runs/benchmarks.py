"""Snakemake's benchmark files of a run's jobs (benchmarks/<rule>/<run>.tsv, or one per
shard in benchmarks/<rule>/<run>/): which there are, and the times they record."""

from pathlib import Path

import pandas as pd


def benchmark_files(benchmarks, run):
    """The benchmark files of one run's jobs. -> {rule: [paths]}, the rules, in name order,
    that ran a job for the run"""
    files = {}
    for rule_folder in sorted(p for p in Path(benchmarks).iterdir() if p.is_dir()):
        found = [*rule_folder.glob(f"{run}.tsv"), *sorted(rule_folder.glob(f"{run}/*.tsv"))]
        if found:
            files[rule_folder.name] = found
    return files


def seconds(path):
    """A job's wall time, as its benchmark file records it."""
    return pd.read_csv(path, sep="\t")["s"].iloc[-1]


def job_times(files):
    """Each job's end (its benchmark file is written as it ends) and its seconds.
    -> [(end, seconds)]"""
    return [(path.stat().st_mtime, seconds(path)) for path in files]


def wall_seconds(times):
    """From the first job's start to the last job's end. times: job_times"""
    return max(end for end, _ in times) - min(end - seconds for end, seconds in times)


def job_seconds(times):
    """The jobs' times added up: what one invocation on a machine running one job at a time
    takes, and at most what it takes where jobs run side by side. times: job_times"""
    return sum(seconds for _, seconds in times)
