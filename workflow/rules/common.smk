import copy
import os
import sys
from pathlib import Path

import jsonschema
import yaml
from snakemake.utils import validate

from mnist_vae.data.mnist import MNIST_FILES
from mnist_vae.errors import SettingError
from mnist_vae.runs.feasibility import available_images, check_data, check_run
from mnist_vae.pipeline.sources import package_dependencies

CONFIG_SCHEMA = "../schemas/config.schema.yaml"
# Where download_mnist puts the IDX files.
RAW_MNIST = "data/mnist/raw"
RUN_SECTIONS = (
    "model",
    "train",
    "evaluate",
    "samples",
    "manifold",
    "latent_scatter",
    "interpolation",
    "inpainting",
)
SCHEMA_VALIDATOR = jsonschema.Draft202012Validator(
    yaml.safe_load((Path(workflow.basedir) / "workflow/schemas/config.schema.yaml").read_text())
)


def read_strings_as_declared_types(settings):
    """Snakemake reads nested --config values as strings (train={epochs: 3} gives '3'):
    read such a string as YAML where the schema wants a number or boolean there."""
    for error in SCHEMA_VALIDATOR.iter_errors(settings):
        if error.validator == "type" and isinstance(error.instance, str) and error.path:
            try:
                value = yaml.safe_load(error.instance)
            except yaml.YAMLError:
                continue  # left a string, for the schema's one-line error
            if jsonschema.Draft202012Validator({"type": error.validator_value}).is_valid(value):
                *parents, key = error.path
                parent = settings
                for name in parents:
                    parent = parent[name]
                parent[key] = value


def validated(settings, where="config"):
    """Check against the schema, then fill its defaults with snakemake's validate.
    A failure is one line naming the key and what was expected."""
    read_strings_as_declared_types(settings)
    error = jsonschema.exceptions.best_match(SCHEMA_VALIDATOR.iter_errors(settings))
    if error is not None:
        key = ".".join([where, *map(str, error.absolute_path)])
        sys.exit(f"error: {key}: {error.message}")  # one line, no Snakemake stack
    validate(settings, schema=CONFIG_SCHEMA)
    return settings


def merged(base, override):
    """`base` with the keys of `override` replaced, recursively into mappings."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def runs_config():
    """The settings of every run: the shared sections with the run's overrides, validated."""
    shared = {section: config[section] for section in ("data", *RUN_SECTIONS)}
    return {
        name: validated({**merged(shared, override), "runs": {name: {}}}, f"config.runs.{name}")
        for name, override in config["runs"].items()
    }


def check_feasible(runs):
    """What the schema cannot see: settings against each other and against the images the
    source holds. One line and no job started when a run cannot be honoured."""
    data = config["data"]
    source = data["local_dir"] if data["source"] == "local" else RAW_MNIST
    try:
        check_data(data, available_images(source))
        for name, settings in runs.items():
            check_run(settings, f"config.runs.{name}")
    except SettingError as e:
        sys.exit(f"error: {e}")


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


validated(config)
RUNS = runs_config()
check_feasible(RUNS)
cap_cores_to_the_machine()


wildcard_constraints:
    run="|".join(RUNS),


def run_names():
    return list(RUNS)


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
    base = Path(os.path.relpath(workflow.basedir))
    return package_dependencies(base / "workflow" / "scripts" / script, base / "src")


def raw_mnist(directory):
    return {key: f"{directory}/{name}" for key, name in MNIST_FILES.items()}


def mnist_source_files(wildcards):
    """The local IDX files when data comes from a directory; nothing to track for mirrors."""
    if config["data"]["source"] == "local":
        return raw_mnist(config["data"]["local_dir"])
    return {}


def run_outputs(run):
    """Everything a run produces; the manifold only for a two-dimensional latent space."""
    outputs = [
        f"results/{run}/history.csv",
        f"results/{run}/training_curves.png",
        f"results/{run}/metrics.json",
        f"results/{run}/test_per_image.csv",
        f"results/{run}/samples/samples.png",
        f"results/{run}/latent/latent_scatter.png",
        f"results/{run}/interpolation/interpolation.png",
        f"results/{run}/inpainting/inpainting_metrics.json",
    ]
    if latent_dim(run) == 2:
        outputs.append(f"results/{run}/samples/manifold.png")
    return outputs


def final_outputs():
    return [path for run in run_names() for path in run_outputs(run)]
