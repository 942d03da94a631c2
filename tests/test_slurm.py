"""The same workflow on a real one-node SLURM cluster (tests/slurm/cluster.sh), through
`snakemake --profile profiles/slurm` with its site settings filled in for that cluster. Skipped where SLURM is not installed, unless
MNIST_VAE_REQUIRE_SLURM=1 (as .ci/run sets), which turns the skip into a failure."""

import json
import math
import os
import re
import shutil
import subprocess
import time

import pandas as pd
import pytest
import torch
import yaml
from helpers import REPO, RULES, copy_workflow, mnist_tensor, snakemake

from mnist_vae.adam import Adam
from mnist_vae.model import build_vae
from mnist_vae.runs import catalogue
from mnist_vae.settings import ModelSettings, TrainSettings
from mnist_vae.train import train_epoch

CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"
SITE = REPO / "tests" / "slurm" / "site.yaml"
DAEMONS = ("slurmctld", "slurmd", "munged", "sbatch", "squeue", "sinfo", "srun")
# Poll job states every few seconds rather than the plugin's considerate default of 40.
FAST_POLLING = ("--slurm-init-seconds-before-status-checks", "2")
SUBMITTED = re.compile(r"Job \d+ has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")

pytestmark = pytest.mark.slurm


def why_no_cluster():
    missing = [name for name in DAEMONS if shutil.which(name) is None]
    if missing:
        return f"SLURM is not installed (no {', '.join(missing)}); .ci/run installs it"
    if os.geteuid() != 0:
        return "starting slurmctld, slurmd and munged needs root"
    return None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = why_no_cluster()
    if reason is not None:
        if os.environ.get("MNIST_VAE_REQUIRE_SLURM") == "1":
            pytest.fail(f"MNIST_VAE_REQUIRE_SLURM=1 but {reason}")
        pytest.skip(reason)
    directory = tmp_path_factory.mktemp("slurm") / "cluster"
    subprocess.run([CLUSTER, "start", directory], check=True, capture_output=True, text=True)
    yield directory
    subprocess.run([CLUSTER, "stop", directory], check=True)


def site_profile(workdir):
    """profiles/slurm with its "Your site" filled in for the test cluster
    (tests/slurm/site.yaml), as a user would. -> the profile's folder"""
    profile = yaml.safe_load((workdir / "profiles/slurm/config.yaml").read_text())
    profile.update(yaml.safe_load(SITE.read_text()))
    folder = workdir / "profiles/slurm-site"
    folder.mkdir(exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(profile))
    return folder


def on_slurm(workdir, *args, timeout=900):
    profile = site_profile(workdir).relative_to(workdir)
    return snakemake(
        workdir, "--profile", str(profile), *FAST_POLLING, *args, timeout=timeout, cores=()
    )


def submissions(output):
    """(rule, SLURM job id) for every job the run submitted, from snakemake's log lines."""
    return [
        (re.search(r"slurm_logs/rule_([a-z_]+)/", log).group(1), int(job_id))
        for job_id, log in SUBMITTED.findall(output)
    ]


def without_timings(metrics):
    return {
        key: without_timings(value) if isinstance(value, dict) else value
        for key, value in metrics.items()
        if key not in ("seconds", "fit_seconds")
    }


def test_every_rule_runs_as_its_own_slurm_job_with_the_local_results(cluster, tiny_run, tmp_path):
    local = tiny_run
    remote = copy_workflow(tmp_path / "slurm")
    result = on_slurm(remote)

    jobs = submissions(result.stdout + result.stderr)
    rules = sorted(rule for rule, _ in jobs)
    assert set(rules) == set(RULES)
    assert rules.count("evaluate_shard") == rules.count("inpainting_fit") == 2
    assert len({job_id for _, job_id in jobs}) == len(jobs)
    for rule, job_id in jobs:
        assert list((remote / ".snakemake/slurm_logs").glob(f"rule_{rule}/**/{job_id}.log"))

    for name in ("metrics.json", "inpainting/inpainting_metrics.json"):
        here, there = (json.loads((w / "results/tiny" / name).read_text()) for w in (local, remote))
        assert without_timings(there) == without_timings(here)
    for name in ("test_per_image.csv", "latent/latent_means.csv"):
        assert (remote / "results/tiny" / name).read_bytes() == (
            local / "results/tiny" / name
        ).read_bytes()
    history = [
        pd.read_csv(w / "results/tiny/history.csv").drop(columns="seconds") for w in (local, remote)
    ]
    pd.testing.assert_frame_equal(*history)


def seconds_per_epoch(n_train, hidden_dim, epochs=3):
    """One epoch's time of training as the test below configures it, measured here, the
    fastest of `epochs` (the steps alone: the monitor, every tenth epoch, adds little)."""
    torch.set_num_threads(2)
    vae = build_vae(ModelSettings(hidden_dim=hidden_dim), seed=0)
    optimizer, x = Adam(vae.parameters()), mnist_tensor("train", n_train)
    generators = torch.Generator().manual_seed(0), torch.Generator().manual_seed(1)
    times = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        train_epoch(vae, optimizer, x, TrainSettings(), epoch, *generators)
        times.append(time.perf_counter() - start)
    return min(times)  # the least disturbed by whatever else runs now


def test_training_killed_at_its_time_limit_resumes_on_the_retry(cluster, tmp_path):
    workdir = copy_workflow(tmp_path)
    # Two and a half minutes of training, by this machine's epoch time, against a first
    # time limit of one minute, which SLURM enforces up to half a minute late; a retry
    # gets twenty.
    epochs = max(300, math.ceil(150 / seconds_per_epoch(5000, 500)))
    config = ("data={n_train: 5000}", "model={hidden_dim: 500}", f"train={{epochs: {epochs}}}")
    # the data here, so that training is the cluster's one job (the test above sends all)
    snakemake(workdir, "--until", "binarize", "--config", *config)
    result = on_slurm(
        workdir,
        "--until",
        "train",
        "--set-resources",
        "train:runtime=1 if attempt == 1 else 20",
        "--config",
        *config,
        timeout=1800,
    )
    trainings = [
        job_id for rule, job_id in submissions(result.stdout + result.stderr) if rule == "train"
    ]
    assert len(trainings) >= 2
    first_log = next((workdir / ".snakemake/slurm_logs/rule_train").glob(f"**/{trainings[0]}.log"))
    assert "DUE TO TIME LIMIT" in first_log.read_text()

    log = (workdir / "logs/train/tiny.log").read_text()
    resumed = re.search(r"Resuming from checkpoint \S+ after epoch (\d+)", log)
    assert resumed and 1 <= int(resumed.group(1)) < epochs
    history = pd.read_csv(workdir / "results/tiny/history.csv")
    assert history["epoch"].tolist() == list(range(1, epochs + 1))
    assert not (workdir / "results/tiny/train.checkpoint.pt").exists()


# The rules whose settings class has a `device`: they run torch on the device it names.
DEVICE_RULES = {rule.name for rule in catalogue.RULES if rule.device_sections()}


def resource_asked(dry_run, resource):
    """{(rule, run): the resource asked for (0 where not asked)} of every job a dry run plans."""
    asked = {}
    for block in re.split(r"^(?=(?:local)?rule \w+:)", dry_run, flags=re.MULTILINE):
        rule = re.match(r"(?:local)?rule (\w+):", block)
        run = re.search(r"wildcards: run=([\w.-]+)", block)
        if rule and run:
            value = re.search(rf"resources: .*\b{resource}=(\d+)", block)
            asked[rule.group(1), run.group(1)] = int(value.group(1)) if value else 0
    return asked


def test_iwae_training_asks_the_cluster_for_more_time_than_the_elbos(tmp_path):
    workdir = copy_workflow(tmp_path)
    elbo = "{train: {epochs: 1000}}"  # long enough to ask more than the least time
    iwae = "{train: {epochs: 1000, objective: iwae, iwae_samples: 50}}"
    result = on_slurm(workdir, "--dry-run", "--config", f"runs={{elbo: {elbo}, k50: {iwae}}}")
    asked = resource_asked(result.stdout, "runtime")
    assert asked["train", "k50"] > asked["train", "elbo"] > 0
    assert asked["evaluate", "k50"] == asked["evaluate", "elbo"]


def test_rules_set_to_cuda_ask_the_cluster_for_one_gpu_each_and_are_not_refused(tmp_path):
    workdir = copy_workflow(tmp_path)
    cuda = ", ".join(f"{s}: {{device: cuda}}" for s in catalogue.device_sections())
    result = on_slurm(workdir, "--dry-run", "--config", f"runs={{tiny: {{}}, g: {{{cuda}}}}}")
    asked = resource_asked(result.stdout, "gpu")
    assert {rule for (rule, run), gpus in asked.items() if gpus} == DEVICE_RULES
    assert {run for (rule, run), gpus in asked.items() if gpus} == {"g"}
    assert asked["samples", "g"] == 0
