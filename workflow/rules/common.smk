import copy
from pathlib import Path

import jsonschema
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from mnist_vae.data import MNIST_FILES
from mnist_vae.sources import package_dependencies

CONFIG_SCHEMA = "../schemas/config.schema.yaml"
RUN_SECTIONS = ("model", "train", "evaluate")


def validated(settings, where="config"):
    """Validate against the schema, filling defaults; a failure is one line naming the key."""
    try:
        validate(settings, schema=CONFIG_SCHEMA)
    except WorkflowError as e:
        error = next(a for a in e.args if isinstance(a, jsonschema.ValidationError))
        key = ".".join([where, *map(str, error.absolute_path)])
        raise WorkflowError(f"{key}: {error.message}") from None
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


validated(config)
RUNS = runs_config()


wildcard_constraints:
    run="|".join(RUNS),


def run_names():
    return list(RUNS)


def run_config(run):
    """Model, train and evaluate settings of one run."""
    return {section: RUNS[run][section] for section in RUN_SECTIONS}


def train_params(wildcards):
    return {section: run_config(wildcards.run)[section] for section in ("model", "train")}


def evaluate_params(wildcards):
    return run_config(wildcards.run)["evaluate"]


def code(script):
    """The package files `script` imports, so that editing one reruns the rules using it."""
    return package_dependencies(
        Path(workflow.basedir) / "workflow" / "scripts" / script,
        Path(workflow.basedir) / "src",
    )


def raw_mnist(directory):
    return {key: f"{directory}/{name}" for key, name in MNIST_FILES.items()}


def mnist_source_files(wildcards):
    """The local IDX files when data comes from a directory; nothing to track for mirrors."""
    if config["data"]["source"] == "local":
        return raw_mnist(config["data"]["local_dir"])
    return {}


def final_outputs():
    return [
        path
        for run in run_names()
        for path in (
            f"results/{run}/history.csv",
            f"results/{run}/metrics.json",
            f"results/{run}/test_per_image.csv",
        )
    ]
