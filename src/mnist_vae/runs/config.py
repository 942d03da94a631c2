"""The workflow's config resolved into the settings of each named run: values read as the
schema declares them, validated with one-line errors naming the key, the schema's
defaults filled in (the schema is their only home), shared settings merged under each
run's overrides, and checked for what the schema cannot see. Imports no torch and needs
no Snakemake workflow: a summary or compare tool resolves runs the same way."""

import copy
import functools
import itertools
import math
import os
from pathlib import Path

import jsonschema
import yaml
from snakemake.utils import validate

from mnist_vae.errors import ConfigError, SettingError
from mnist_vae.runs.catalogue import run_sections
from mnist_vae.runs.feasibility import available_images, check_data, check_run

# The sections of a run's settings (data aside), as its rules read them.
RUN_SECTIONS = run_sections()
# Where download_mnist puts the IDX files, by source: the offline copy and the official
# files side by side, so that a run on the full MNIST leaves the offline runs' data alone.
RAW_MNIST = {"local": "data/mnist/raw", "mirrors": "data/mnist/raw-mirrors"}


def number_in(text):
    """`text` as a finite float if it is one (1e30, which YAML 1.1 does not read as a
    number), else `text` unchanged."""
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def declared_types(schema_type):
    return [schema_type] if isinstance(schema_type, str) else list(schema_type)


def read_strings_as_declared_types(settings, validator):
    """Snakemake reads nested --config values as strings (train={epochs: 3} gives '3'):
    read such a string as YAML where the schema wants a number or boolean there."""
    for error in validator.iter_errors(settings):
        if error.validator == "type" and isinstance(error.instance, str) and error.path:
            try:
                value = yaml.safe_load(error.instance)
            except yaml.YAMLError:
                continue  # left a string, for the schema's one-line error
            if isinstance(value, str) and "number" in declared_types(error.validator_value):
                value = number_in(value)  # YAML 1.1 reads 1e30 as a string
            if jsonschema.Draft202012Validator({"type": error.validator_value}).is_valid(value):
                *parents, key = error.path
                parent = settings
                for name in parents:
                    parent = parent[name]
                parent[key] = value


# Keys of an earlier layout, and where they live now.
MOVED_KEYS = {
    f"inpainting.{key}": f"inpainting.svi.{key}"
    for key in (
        "seed",
        "samples",
        "steps",
        "learning_rate",
        "optimizer",
        "restarts",
        "candidates",
        "initial_sigma",
        "final_samples",
    )
}

# Keys of an earlier layout that no longer mean anything, and why.
REMOVED_KEYS = {
    "gaps.svi": "removed: q* is fitted by Newton's method from the encoder's q and the grid "
    "posterior's basins, without SVI",
}


def refuse_moved_keys(settings, where):
    """A config written for an earlier layout: one line naming the key and where it went."""
    for name, overrides in (settings.get("runs") or {}).items():
        if isinstance(overrides, dict):
            refuse_moved_keys(overrides, f"{where}.runs.{name}")
    for old, new in MOVED_KEYS.items():
        section, key = old.split(".")
        if isinstance(settings.get(section), dict) and key in settings[section]:
            raise ConfigError(f"{where}.{old}: moved to {new}")
    for old, why in REMOVED_KEYS.items():
        section, key = old.split(".")
        if isinstance(settings.get(section), dict) and key in settings[section]:
            raise ConfigError(f"{where}.{old}: {why}")


@functools.cache
def schema_validator(schema_path):
    """The schema at `schema_path`, parsed once: resolving runs validates every run."""
    return jsonschema.Draft202012Validator(yaml.safe_load(Path(schema_path).read_text()))


def validated(settings, schema_path, where="config"):
    """`settings` checked against the schema, then its defaults filled in (in place).
    -> settings; ConfigError naming the first bad key otherwise"""
    refuse_moved_keys(settings, where)
    validator = schema_validator(str(schema_path))
    read_strings_as_declared_types(settings, validator)
    error = jsonschema.exceptions.best_match(validator.iter_errors(settings))
    if error is not None:
        key = ".".join([where, *map(str, error.absolute_path)])
        raise ConfigError(f"{key}: {error.message}")
    validate(settings, schema=str(Path(schema_path).resolve()))
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


# Short names of the settings swept most often, for readable run names; any other setting
# is named by its last key (train.batch_size: 50 gives batch_size50).
SHORT_NAMES = {
    "model.latent_dim": "dz",
    "model.hidden_dim": "h",
    "train.seed": "s",
    "train.epochs": "e",
    "train.batch_size": "b",
    "train.objective": "",  # the value alone: iwae
    "train.iwae_samples": "k",
    "train.elbo_samples": "k",
    "train.kl_warmup_epochs": "kl",
}


def sweep_runs(name, grid):
    """The runs of one sweep: one per combination of the values in `grid` ({"section.key":
    [values]}), named from the sweep and the values. -> {run name: overrides}"""
    keys = list(grid)
    runs = {}
    for values in itertools.product(*(grid[key] for key in keys)):
        overrides, parts = {}, [name]
        for key, value in zip(keys, values, strict=True):
            *sections, leaf = key.split(".")
            node = overrides
            for section in sections:
                node = node.setdefault(section, {})
            node[leaf] = value
            parts.append(f"{SHORT_NAMES.get(key, leaf)}{value}")
        runs["-".join(parts)] = overrides
    return runs


# Names of folders the workflow writes under results/ for itself, not for a run.
RESERVED_NAMES = ("summary",)


def all_runs(config):
    """The written runs and the runs every sweep expands to; a name given twice, or a name
    the workflow uses for itself, is an error. -> {run name: overrides}"""
    runs = dict(config["runs"])
    for sweep, grid in config["sweeps"].items():
        for name, overrides in sweep_runs(sweep, grid).items():
            if name in runs:
                raise ConfigError(
                    f"config.sweeps.{sweep}: the run {name} is also defined elsewhere"
                )
            runs[name] = overrides
    if not runs:
        raise ConfigError("config.runs: no runs: name at least one under runs or sweeps")
    for name in RESERVED_NAMES:
        if name in runs:
            raise ConfigError(
                f"config.runs.{name}: '{name}' is the name of the workflow's cross-run "
                f"summary (results/{name}/); give the run another name"
            )
    return runs


def runs_named_in(config):
    """The runs a config (a file, before merging) writes out or sweeps over. -> {name}"""
    names = set(config.get("runs") or {})
    for sweep, grid in (config.get("sweeps") or {}).items():
        names.update(sweep_runs(sweep, grid))
    return names


def changed_settings(old, new, prefix=""):
    """The settings, as dotted keys, whose values differ between two runs. -> [key]"""
    keys = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if isinstance(before, dict) and isinstance(after, dict):
            keys += changed_settings(before, after, f"{prefix}{key}.")
        elif before != after:
            keys.append(f"{prefix}{key}")
    return keys


def runs_changed_unasked(runs_before, runs, asked):
    """The runs of `runs_before` that are not in `asked` but whose settings `runs` changes:
    what merging another config file would do to the runs it does not name.
    -> {run: [changed keys]}"""
    changed = {}
    for name, settings in runs_before.items():
        keys = changed_settings(settings, runs[name]) if name not in asked else []
        if keys:
            changed[name] = keys
    return changed


def data_key(data):
    """The name of a binarized data set, from the settings that make it, e.g.
    train10000-test10000-t0.5 from the offline copy, mirrors-train60000-test10000-t0.5
    from the official files: data sets of different settings live side by side."""
    key = f"train{data['n_train']}-test{data['n_test']}-t{data['threshold']:g}"
    return key if data["source"] == "local" else f"{data['source']}-{key}"


def source_directory(data):
    """Where the IDX files a run will use are read from."""
    return data["local_dir"] if data["source"] == "local" else RAW_MNIST[data["source"]]


# The data settings that say where a source's files come from: runs sharing a source share
# its one copy, so they must agree on these.
SOURCE_KEYS = ("local_dir", "mirrors", "md5", "timeout")


def raw_sources(runs):
    """The download settings of each source the runs use, keyed by the folder its files are
    brought into. -> {raw folder: data settings}; SettingError where two runs bring the same
    source's files from different places"""
    sources, first = {}, {}
    for name, settings in runs.items():
        data = settings["data"]
        raw = RAW_MNIST[data["source"]]
        if raw not in sources:
            sources[raw], first[raw] = data, name
            continue
        for key in SOURCE_KEYS:
            if data[key] != sources[raw][key]:
                raise SettingError(
                    f"config.runs.{name}.data.{key}: differs from run {first[raw]}'s; runs "
                    f"reading data.source {data['source']} share one copy of its files"
                )
    return sources


def shipped_with_the_workflow(local_dir, workflow_root):
    """`local_dir` as given when it exists from here, else the folder of that name in the
    workflow's own directory if there is one (the MNIST copy the workflow ships, found when
    the workflow is used as a module from elsewhere), as a relative path where possible."""
    if workflow_root is None or Path(local_dir).is_absolute() or Path(local_dir).exists():
        return local_dir
    shipped = Path(workflow_root) / local_dir
    if not shipped.is_dir():
        return local_dir
    try:
        return os.path.relpath(shipped)
    except ValueError:  # another drive, on Windows
        return str(shipped)


def resolve_runs(config, schema_path, workflow_root=None):
    """Validate `config` (defaults filled in place) and give the settings of every run:
    the shared sections with the run's overrides, validated and checked together and
    against the images the source holds; a data.local_dir missing from here is looked for
    in `workflow_root` (shipped_with_the_workflow). -> {run name: settings}"""
    validated(config, schema_path)
    data = config["data"]
    data["local_dir"] = shipped_with_the_workflow(data["local_dir"], workflow_root)
    shared = {section: config[section] for section in ("data", *RUN_SECTIONS)}
    runs = {
        name: validated(
            {**merged(shared, override), "runs": {name: {}}}, schema_path, f"config.runs.{name}"
        )
        for name, override in all_runs(config).items()
    }
    check_data(config["data"], available_images(source_directory(config["data"])))
    for name, settings in runs.items():
        available = available_images(source_directory(settings["data"]))
        check_data(settings["data"], available, f"config.runs.{name}.data")
        check_run(settings, f"config.runs.{name}")
    raw_sources(runs)
    return runs
