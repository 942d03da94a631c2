import copy
import os
import re
import sys
from pathlib import Path

import yaml
from snakemake.utils import update_config

# The package of this checkout, wherever the environment's install of mnist_vae points:
# for the imports below and for every job's script, so that the code that runs is the
# code whose files the rules track.
PACKAGE_SOURCE = Path(str(workflow.current_basedir)).parents[1] / "src"
sys.path.insert(0, str(PACKAGE_SOURCE))

from mnist_vae.pipeline.sources import package_dependencies, put_first_for_jobs

put_first_for_jobs(PACKAGE_SOURCE)

from mnist_vae.data.mnist import MNIST_FILES
from mnist_vae.errors import SettingError
from mnist_vae.settings import is_planar
from mnist_vae.runs.config import (
    RAW_MNIST,
    RUN_SECTIONS,
    data_key,
    resolve_runs,
    runs_changed_unasked,
    runs_named_in,
)
from mnist_vae.runs.summary import distinguishing_settings


def resolved(config):
    return resolve_runs(config, workflow.source_path("../schemas/config.schema.yaml"))


def resolved_runs():
    """Every run's settings (mnist_vae.runs.config); a bad config is one line, no job run."""
    try:
        return resolved(config)
    except SettingError as e:
        sys.exit(f"error: {e}")  # one line, no Snakemake stack


def refuse_config_files_changing_other_runs(runs):
    """Snakemake merges `--configfile my.yaml` into config.yaml, so my.yaml's shared
    settings would also change config.yaml's runs and silently rebuild their results.
    Refuse in one line when they would, unless my.yaml names those runs itself;
    `--replace-workflow-config` builds my.yaml's runs alone."""
    settings = workflow.config_settings
    given = {Path(path).absolute() for path in settings.configfiles}
    if not given or settings.replace_workflow_config:
        return
    own = [path for path in workflow.configfiles if Path(path).absolute() not in given]
    files = {path: yaml.safe_load(Path(path).read_text()) or {} for path in given}
    command_line = copy.deepcopy(dict(settings.config))
    before = {}
    for path in own:
        update_config(before, yaml.safe_load(Path(path).read_text()) or {})
    update_config(before, command_line)
    asked = set().union(*map(runs_named_in, [*files.values(), command_line]))
    try:
        changed = runs_changed_unasked(resolved(before), runs, asked)
    except SettingError:
        return  # config.yaml and --config alone are not a valid config: nothing to keep
    if changed:
        names = ", ".join(changed)
        keys = list(dict.fromkeys(key for keys in changed.values() for key in keys))
        keys = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
        sources = " ".join(sorted(path.name for path in given))
        sys.exit(
            f"error: --configfile {sources} changes {keys} of {names}, which it does not "
            f"name: add --replace-workflow-config to build only its runs, or name {names} "
            "under its runs to change them"
        )


def reporting():
    """Whether this snakemake writes a report (--report) instead of running jobs. Snakemake
    tells a Snakefile so nowhere while parsing it but in its arguments."""
    arguments = sys.argv[1:]
    return "--report-after-run" not in arguments and any(
        argument == "--report" or argument.startswith("--report=") for argument in arguments
    )


def cap_cores_to_the_machine():
    """Snakemake takes --cores at its word: --cores 4 on a 2-core machine runs two 2-thread
    jobs at once, 4 threads on 2 cores, each slower than alone. When jobs run on this
    machine, let them use at most the cores this process may run on."""
    available = len(os.sched_getaffinity(0))
    if workflow.local_exec and workflow.cores is not None and workflow.cores > available:
        logger.info(
            f"--cores {workflow.cores} is more than the {available} cores of this machine: "
            f"running jobs of at most {available} threads in all at once"
        )
        workflow.global_resources["_cores"] = available


RUNS = resolved_runs()
refuse_config_files_changing_other_runs(RUNS)
REPORTING = reporting()
# The binarized data sets the runs need, by name.
DATA_SETS = {data_key(run["data"]): run["data"] for run in RUNS.values()}
cap_cores_to_the_machine()


wildcard_constraints:
    run="|".join(map(re.escape, RUNS)),
    data_set="|".join(map(re.escape, DATA_SETS)),


def run_names():
    return list(RUNS)


def binarized_path(run):
    """The binarized data set of `run`, named by its data settings."""
    return f"data/mnist/binarized-{data_key(RUNS[run]['data'])}.npz"


def run_data(wildcards):
    return binarized_path(wildcards.run)


def data_set_params(key):
    """A params function giving one of a data set's settings."""

    def params(wildcards):
        return DATA_SETS[wildcards.data_set][key]

    return params


def run_config(run):
    """Every setting of one run but the shared data settings."""
    return {section: RUNS[run][section] for section in RUN_SECTIONS}


def train_params(wildcards):
    return {section: run_config(wildcards.run)[section] for section in ("model", "train")}


def section_params(section):
    """A params function giving a run's settings of one section, and nothing else."""

    def params(wildcards):
        return run_config(wildcards.run)[section]

    return params


def minutes(first_attempt):
    """A runtime that grows with each attempt, so a job killed at its time limit is
    given more time when retried (and train resumes from its checkpoint)."""

    def runtime(wildcards, attempt):
        return first_attempt * attempt

    return runtime


def training_gpus(wildcards):
    """One GPU for a run whose training asks for CUDA, else none."""
    return int(run_config(wildcards.run)["train"]["device"] == "cuda")


def latent_dim(run):
    return run_config(run)["model"]["latent_dim"]


def code(script):
    """The package files `script` imports, so that editing one reruns the rules using it;
    relative paths, so that a finished workspace moved elsewhere has nothing to rerun."""
    base = Path(os.path.relpath(PACKAGE_SOURCE.parent))
    return package_dependencies(base / "workflow" / "scripts" / script, base / "src")


def raw_mnist(directory):
    return {key: f"{directory}/{name}" for key, name in MNIST_FILES.items()}


def mnist_source_files(wildcards):
    """The local IDX files when data comes from a directory; nothing to track for mirrors."""
    if config["data"]["source"] == "local":
        return raw_mnist(config["data"]["local_dir"])
    return {}


def products(run):
    """What a run's analyses produce: the figures of a plane in the latent space only where
    it has one (see say_what_latent_dimensions_skip), the manifold only where it is one."""
    outputs = [
        f"results/{run}/history.csv",
        f"results/{run}/training_curves.png",
        f"results/{run}/metrics.json",
        f"results/{run}/test_per_image.csv",
        f"results/{run}/samples/samples.png",
        f"results/{run}/interpolation/interpolation.png",
        f"results/{run}/inpainting/inpainting_metrics.json",
        f"results/{run}/metrics.html",
    ]
    if latent_dim(run) >= 2:
        outputs.append(f"results/{run}/latent/latent_scatter.png")
        outputs.append(f"results/{run}/inpainting/contours.png")
    if is_planar(latent_dim(run)):
        outputs.append(f"results/{run}/samples/manifold.png")
        outputs.append(f"results/{run}/gaps/gaps.json")
        outputs.append(f"results/{run}/gaps/over_training.csv")
    return outputs


def say_what_latent_dimensions_skip():
    """One line for the runs whose latent dimension leaves analyses out, and why."""
    line = {
        "one": "no latent scatter or inpainting contours (they draw a plane of the latent "
        "space), no manifold, no exact log p(x), no split of the inference gap (they need "
        "Dz = 2)",
        "more": "no manifold, no exact log p(x), no split of the inference gap, which need "
        "Dz = 2; IWAE is their best bound",
    }
    groups = {}
    for run in RUNS:
        if not is_planar(latent_dim(run)):
            groups.setdefault("one" if latent_dim(run) == 1 else "more", []).append(run)
    for group, runs in groups.items():
        dims = ", ".join(sorted({str(latent_dim(run)) for run in runs}, key=int))
        logger.info(f"Dz = {dims} ({', '.join(runs)}): {line[group]}")


def gaps_of_planar_run(wildcards):
    """The split of the inference gap, on the test images and over training, which only a
    run with Dz = 2 has."""
    if not is_planar(latent_dim(wildcards.run)):
        return []
    return [f"results/{wildcards.run}/gaps/{name}" for name in ("gaps.json", "over_training.csv")]


def run_products(wildcards):
    return products(wildcards.run)


def run_outputs(run):
    """Everything a run produces: its products and, written last, their provenance."""
    return [*products(run), f"results/{run}/provenance.json"]


SUMMARY = [
    "results/summary.csv",
    "results/summary/summary.html",
    "results/summary/latent_dimension.png",
    "results/summary/training_curves.png",
]


def finished_runs():
    """The runs whose every output exists (provenance.json is written last)."""
    return [run for run in run_names() if Path(f"results/{run}/provenance.json").exists()]


def summarised_runs():
    """The runs the summary and the default target cover: every run, but in a report only the
    finished ones, so that a report can be made while some runs are unbuilt."""
    return finished_runs() if REPORTING else run_names()


def final_outputs():
    """Every run's outputs and the summary across runs."""
    runs = summarised_runs()
    summary = [] if REPORTING and not Path(SUMMARY[1]).exists() else SUMMARY
    return [path for run in runs for path in run_outputs(run)] + summary


def report_headline():
    """The headline numbers of the finished runs, for the report's description."""
    from mnist_vae.pipeline.files import read_json
    from mnist_vae.runs.report import headline_rows

    runs = finished_runs()
    if len(runs) < len(RUNS):
        unfinished = ", ".join(run for run in RUNS if run not in runs)
        logger.warning(f"The report leaves out the runs not finished: {unfinished}")
    metrics = {run: read_json(f"results/{run}/metrics.json") for run in runs}
    return headline_rows(metrics, {run: latent_dim(run) for run in runs})
