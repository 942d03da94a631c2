import os
import re
import sys
from pathlib import Path

import yaml
from snakemake.io import strip_wildcard_constraints

# The package of this checkout, wherever the environment's install of mnist_vae points,
# for the imports below (every job's script does the same: scripts/mnist_vae_checkout.py),
# so that the code that runs is the code whose files the rules track.
PACKAGE_SOURCE = Path(str(workflow.current_basedir)).parents[1] / "src"
sys.path.insert(0, str(PACKAGE_SOURCE))

from mnist_vae.pipeline.sources import code_digest, package_dependencies
from mnist_vae.data.mnist import MNIST_FILES
from mnist_vae.errors import SettingError
from mnist_vae.runs import catalogue
from mnist_vae.runs.command_line import config_files_of, config_file_refusal, reporting
from mnist_vae.runs.config import RAW_MNIST, data_key, raw_sources, resolve_runs
from mnist_vae.runs.resources import (
    available_cores,
    cores_cap,
    cuda_refusal,
    gpu_cap,
    train_minutes,
)
from mnist_vae.runs.targets import (
    final_outputs,
    finished_runs,
    latent_dim,
    products,
    run_outputs,
    runs_in_folders,
    skip_messages,
    summarised_files,
    summarised_runs,
    summary_inputs,
)
from mnist_vae.runs.summary import distinguishing_settings, trained_on
from mnist_vae.pipeline.shards import shard_layout


def resolved(config):
    schema = workflow.source_path("../schemas/config.schema.yaml")
    return resolve_runs(config, schema, workflow_root=PACKAGE_SOURCE.parent)


def refuse(message):
    """End the parse with one line, no Snakemake stack, no job run."""
    if message:
        sys.exit(f"error: {message}")


def resolved_runs():
    """Every run's settings (mnist_vae.runs.config); a bad config is one line."""
    try:
        return resolved(config)
    except SettingError as e:
        refuse(str(e))


def read_yaml(path):
    return yaml.safe_load(Path(path).read_text()) or {}


def merged_config_refusal(runs):
    """The files Snakemake merged are known only from its settings: read them here, and let
    mnist_vae.runs.command_line decide whether they change runs they do not name."""
    settings = workflow.config_settings
    given = {Path(path).absolute() for path in settings.configfiles}
    if not given or settings.replace_workflow_config:
        return None
    own = [read_yaml(path) for path in workflow.configfiles if Path(path).absolute() not in given]
    given = {path.name: read_yaml(path) for path in given}
    return config_file_refusal(own, given, dict(settings.config), runs, resolved)


RUNS = resolved_runs()
# Whether jobs run on this machine. Snakemake names its executor only after parsing
# (workflow.local_exec is True here even under --executor slurm), but keeps --jobs as
# `nodes` only for a cluster or cloud executor (or a dry run), and lifts the local core
# limit itself on the same sign.
LOCAL = workflow.nodes is None
refuse(merged_config_refusal(RUNS))
if workflow.is_main_process:
    refuse(cuda_refusal(RUNS, LOCAL))
REPORTING = reporting(sys.argv[1:])
if workflow.is_main_process:
    for line in skip_messages(RUNS):
        logger.info(line)
# The binarized data sets the runs need, by name, and the folders their IDX files are
# brought into, each with the settings of its source.
DATA_SETS = {data_key(run["data"]): run["data"] for run in RUNS.values()}
RAW_SOURCES = {Path(folder).name: data for folder, data in raw_sources(RUNS).items()}
CORES_CAP = cores_cap(workflow.cores, available_cores(), LOCAL)
if CORES_CAP is not None:
    logger.info(
        f"--cores {workflow.cores} is more than the {CORES_CAP} cores of this machine: "
        f"running jobs of at most {CORES_CAP} threads in all at once"
    )
    # Snakemake has no public setting for the cores jobs may take at once but --cores.
    workflow.global_resources["_cores"] = CORES_CAP
GPU_CAP = gpu_cap(LOCAL, workflow.global_resources.get("gpu"))
if GPU_CAP is not None:
    # The same (--resources gpu=N) written from here: local runs only, unlike a profile.
    workflow.global_resources["gpu"] = GPU_CAP


wildcard_constraints:
    run="|".join(map(re.escape, RUNS)),
    data_set="|".join(map(re.escape, DATA_SETS)),
    raw="|".join(map(re.escape, RAW_SOURCES)),


def per_run(function):
    """An input, params or resources function: `function` of the run's name and settings."""

    def of_run(wildcards):
        return function(wildcards.run, RUNS[wildcards.run])

    return of_run


def data_file(run, settings):
    """The binarized data set a run trains and is evaluated on, named by its data settings."""
    return catalogue.rule("binarize").outputs["data"].format(data_set=data_key(settings["data"]))


def importance_summary(run, settings):
    """[the run's importance diagnostics] where it has them (Dz = 2), else []."""
    return catalogue.output_if_applies("importance", "summary", run, latent_dim(settings))


def settings_of(rule):
    """A params function: exactly the settings `rule` reads of a run's (or, for the data
    rules, a data set's) settings, as mnist_vae.runs.catalogue records them."""

    def params(wildcards):
        if "run" in wildcards.keys():
            return catalogue.rule_settings(RUNS[wildcards.run], rule)
        if "data_set" in wildcards.keys():
            return catalogue.rule_settings({"data": DATA_SETS[wildcards.data_set]}, rule)
        return catalogue.rule_settings({"data": RAW_SOURCES[wildcards.raw]}, rule)

    return params


def minutes(first_attempt):
    """A runtime that grows with each attempt, so a job killed at its time limit is
    given more time when retried (and train resumes from its checkpoint). first_attempt:
    minutes, or a function of the run's settings giving them."""

    def runtime(wildcards, attempt):
        if callable(first_attempt):
            return first_attempt(RUNS[wildcards.run]) * attempt
        return first_attempt * attempt

    return runtime


def gpus(section):
    """A resources function: one GPU for a run whose `section` (train, evaluate,
    inpainting, gaps) asks for CUDA, else none; the SLURM plugin turns it into --gpus=1."""

    def resource(wildcards):
        return int(RUNS[wildcards.run][section]["device"] == "cuda")

    return resource


def code(script):
    """A digest of the package files `script` imports, as a param: editing one of them
    reruns exactly the rules using it (Snakemake's code trigger sees the script alone), a
    copy of the same code elsewhere reruns nothing, and no job lists two dozen modules."""
    base = PACKAGE_SOURCE.parent
    return code_digest(package_dependencies(base / "workflow" / "scripts" / script, base / "src"))


def raw_mnist(directory):
    return {key: f"{directory}/{name}" for key, name in MNIST_FILES.items()}


def mnist_source_files(wildcards):
    """The local IDX files when data comes from a directory; nothing to track for mirrors."""
    data = RAW_SOURCES[wildcards.raw]
    return raw_mnist(data["local_dir"]) if data["source"] == "local" else {}


def raw_data_set(wildcards):
    """The IDX files a binarized data set is made from."""
    return raw_mnist(RAW_MNIST[DATA_SETS[wildcards.data_set]["source"]])


# The config files this snakemake merged, and those given with --configfile, read once.
MERGED_CONFIG_FILES = [os.path.relpath(path) for path in workflow.configfiles]
GIVEN_CONFIG_FILES = {
    os.path.relpath(path): read_yaml(path) for path in workflow.config_settings.configfiles
}


def config_files(run):
    """The config files this snakemake merged that made `run`'s settings, recorded with it
    and in the summary."""
    return config_files_of(run, MERGED_CONFIG_FILES, GIVEN_CONFIG_FILES)


# Every run the summary covers: this config's, and those other configs left in results/.
SUMMARY_RUNS = {
    **{
        run: {"settings": RUNS[run], "config_files": config_files(run)}
        for run in summarised_runs(RUNS, REPORTING)
    },
    **runs_in_folders(exclude=RUNS),
}


def report_headline():
    """The headline numbers of the finished runs, for the report's description."""
    from mnist_vae.storage.files import read_json
    from mnist_vae.report.pages import headline_rows

    runs = finished_runs(RUNS)
    if len(runs) < len(RUNS):
        unfinished = ", ".join(run for run in RUNS if run not in runs)
        logger.warning(f"The report leaves out the runs not finished: {unfinished}")
    metrics = {run: read_json(catalogue.rule("evaluate").file("metrics", run)) for run in runs}
    return headline_rows(metrics, {run: latent_dim(RUNS[run]) for run in runs})


if REPORTING:
    # Snakemake renders the report's description (workflow/report/workflow.rst) with the
    # config alone: its table of headline numbers can reach it no other way.
    config["report_headline"] = report_headline()


def shards_of(stage):
    """An input function: the shard files of a run's `stage`, one per scatter item."""

    def shards(wildcards):
        return getattr(gather, stage)(catalogue.shard_file(stage, wildcards.run))

    return shards


def stage_shards(wildcards):
    return shards_of(wildcards.stage)(wildcards)


def check_outputs():
    """End the parse with one line where a rule's outputs differ from its record in
    mnist_vae.runs.catalogue (or a rule writing files has none)."""
    for parsed in workflow.rules:
        if parsed.output:
            outputs = {
                name: strip_wildcard_constraints(path) for name, path in parsed.output.items()
            }
            refuse(catalogue.output_mismatch(parsed.name, outputs))
