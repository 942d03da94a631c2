"""Snakemake's benchmark files of a run's jobs, found and read (mnist_vae.runs.benchmarks)."""

import os

import pytest

from mnist_vae.runs.benchmarks import benchmark_files, job_seconds, job_times, wall_seconds


def write_benchmark(path, seconds, end):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"s\th:m:s\tmax_rss\n{seconds}\t0:00:00\t100.0\n")
    os.utime(path, (end, end))


def test_a_sweeps_wall_time_spans_its_jobs_and_its_job_time_adds_them_up(tmp_path):
    write_benchmark(tmp_path / "train/a.tsv", 50.0, end=1000.0)  # started at 950
    write_benchmark(tmp_path / "evaluate_shard/a/0.tsv", 10.0, end=1200.0)
    write_benchmark(tmp_path / "summary.tsv", 2.0, end=1300.0)
    files = [path for paths in benchmark_files(tmp_path, "a").values() for path in paths]
    times = job_times([*files, tmp_path / "summary.tsv"])
    assert wall_seconds(times) == pytest.approx(350.0)
    assert job_seconds(times) == pytest.approx(62.0)


def test_a_runs_benchmark_files_are_found_per_rule_shards_included_other_runs_not(tmp_path):
    write_benchmark(tmp_path / "train/a.tsv", 1.0, end=1.0)
    write_benchmark(tmp_path / "train/ab.tsv", 1.0, end=1.0)
    write_benchmark(tmp_path / "evaluate_shard/a/0.tsv", 1.0, end=1.0)
    write_benchmark(tmp_path / "evaluate_shard/a/1.tsv", 1.0, end=1.0)
    write_benchmark(tmp_path / "evaluate_shard/b/0.tsv", 1.0, end=1.0)
    found = benchmark_files(tmp_path, "a")
    assert {rule: [path.name for path in paths] for rule, paths in found.items()} == {
        "evaluate_shard": ["0.tsv", "1.tsv"],
        "train": ["a.tsv"],
    }
