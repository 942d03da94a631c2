"""What the workflow builds for each run, decided from the runs' resolved settings
(mnist_vae.runs.config) without a Snakemake workflow: which files a run has (the latent
dimension decides some), which settings each rule receives, what is said about the analyses
a run leaves out, which runs a merged config file would change unasked, and how many cores
jobs may use. The Snakefile and workflow/rules/common.smk call these; tests call them
directly. Imports no torch."""

import copy
import json
import math
import os
from pathlib import Path

from snakemake.utils import update_config

from mnist_vae.errors import SettingError
from mnist_vae.runs.config import RESERVED_NAMES, runs_changed_unasked, runs_named_in
from mnist_vae.settings import (
    BinarizeSettings,
    CompletionSettings,
    ContourSettings,
    DownloadSettings,
    EvaluateSettings,
    GapSettings,
    GapSummarySettings,
    InpaintingFitSettings,
    InterpolationSettings,
    LatentScatterSettings,
    ManifoldSettings,
    ModelSettings,
    OverTrainingSettings,
    SampleSettings,
    TrainSettings,
    is_planar,
)

# The settings each rule's code reads: {rule: {config section: settings class}}. The rule
# receives exactly cls.select(section) (its script builds cls.from_config from it), so that
# changing any other setting does not rerun it.
RULE_SETTINGS = {
    "download_mnist": {"data": DownloadSettings},
    "binarize": {"data": BinarizeSettings},
    "train": {"model": ModelSettings, "train": TrainSettings},
    "evaluate_shard": {"evaluate": EvaluateSettings},
    "evaluate": {"evaluate": EvaluateSettings},
    "samples": {"samples": SampleSettings},
    "manifold": {"manifold": ManifoldSettings},
    "latent_scatter": {"latent_scatter": LatentScatterSettings},
    "interpolation": {"interpolation": InterpolationSettings},
    "inpainting_fit": {"inpainting": InpaintingFitSettings},
    "inpainting": {"inpainting": CompletionSettings},
    "inpainting_contours": {"inpainting": ContourSettings},
    "gaps_shard": {"gaps": GapSettings},
    "gaps_over_training": {"gaps": OverTrainingSettings},
    "gaps": {"gaps": GapSummarySettings},
}


def rule_settings(settings, rule):
    """The settings `rule` receives from a run's (or a data set's) settings: exactly the keys
    its class reads of its section, or per section where it reads several.
    -> dict"""
    selected = {
        section: cls.select(settings[section]) for section, cls in RULE_SETTINGS[rule].items()
    }
    return next(iter(selected.values())) if len(selected) == 1 else selected


def latent_dim(settings):
    return settings["model"]["latent_dim"]


def products(run, settings):
    """What a run's analyses produce: the figures of a plane in the latent space only where
    it has one, the manifold and the split of the inference gap only where it is one."""
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
    if has_a_plane(latent_dim(settings)):
        outputs.append(f"results/{run}/latent/latent_scatter.png")
        outputs.append(f"results/{run}/inpainting/contours.png")
    if is_planar(latent_dim(settings)):
        outputs += [f"results/{run}/samples/manifold.png", *gap_files(run, settings)]
    return outputs


def gap_files(run, settings):
    """The split of the inference gap, on the test images and over training, which only a
    run with Dz = 2 has."""
    if not is_planar(latent_dim(settings)):
        return []
    return [f"results/{run}/gaps/{name}" for name in ("gaps.json", "over_training.csv")]


def has_a_plane(latent_dim):
    return latent_dim >= 2


# What only runs of some latent dimensions have in results/<run>/, and which those are.
DIMENSION_GATED = {
    "samples/manifold.png": is_planar,
    "gaps": is_planar,
    "latent": has_a_plane,
    "inpainting/contours.png": has_a_plane,
}


def stale_files(run, settings, root="."):
    """What results/<run>/ holds from an earlier latent dimension that the run's present one
    does not produce (a manifold or gap split after Dz changed from 2, say). -> [Path]"""
    folder = Path(root) / "results" / run
    return [
        folder / name
        for name, produced in DIMENSION_GATED.items()
        if not produced(latent_dim(settings)) and (folder / name).exists()
    ]


def run_outputs(run, settings):
    """Everything a run produces: its products and, written last, their provenance."""
    return [*products(run, settings), provenance_file(run)]


def provenance_file(run):
    return f"results/{run}/provenance.json"


# The summary across runs.
SUMMARY = (
    "results/summary.csv",
    "results/summary/summary.html",
    "results/summary/latent_dimension.png",
    "results/summary/training_curves.png",
)


def finished_runs(runs, root="."):
    """The runs whose every output exists (provenance.json is written last)."""
    return [run for run in runs if (Path(root) / provenance_file(run)).exists()]


def summarised_runs(runs, reporting, root="."):
    """The runs the summary and the default target cover: every run, but in a report only
    the finished ones, so that a report can be made while some runs are unbuilt."""
    return finished_runs(runs, root) if reporting else list(runs)


# What a finished run folder must hold to be summarised.
SUMMARISED_FILES = ("metrics.json", "inpainting/inpainting_metrics.json", "history.csv")


def runs_in_folders(exclude=(), root="."):
    """The finished runs under results/ that other configs built: each folder whose
    provenance.json records the run's settings and which holds SUMMARISED_FILES.
    -> {run: {"settings": its settings, "config_files": the config files it was built with}}"""
    found = {}
    for path in sorted((Path(root) / "results").glob("*/provenance.json")):
        folder = path.parent
        if folder.name in exclude or folder.name in RESERVED_NAMES:
            continue
        if not all((folder / name).is_file() for name in SUMMARISED_FILES):
            continue
        try:
            record = json.loads(path.read_text())
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("settings"), dict):
            found[folder.name] = {
                "settings": record["settings"],
                "config_files": record.get("config_files", []),
            }
    return found


def final_outputs(runs, reporting, root="."):
    """Every run's outputs and the summary across runs (in a report: of the finished runs,
    and the summary only once it exists)."""
    covered = summarised_runs(runs, reporting, root)
    summary = [] if reporting and not (Path(root) / SUMMARY[1]).exists() else list(SUMMARY)
    return [path for run in covered for path in run_outputs(run, runs[run])] + summary


SKIPPED = {
    "one": "no latent scatter or inpainting contours (they draw a plane of the latent space), "
    "no manifold, no exact log p(x), no split of the inference gap (they need Dz = 2)",
    "more": "no manifold, no exact log p(x), no split of the inference gap, which need "
    "Dz = 2; IWAE is their best bound",
}


def skip_messages(runs):
    """One line per group of runs whose latent dimension leaves analyses out, and why."""
    groups = {}
    for run, settings in runs.items():
        if not is_planar(latent_dim(settings)):
            groups.setdefault("one" if latent_dim(settings) == 1 else "more", []).append(run)
    lines = []
    for group, names in groups.items():
        dims = ", ".join(sorted({str(latent_dim(runs[run])) for run in names}, key=int))
        lines.append(f"Dz = {dims} ({', '.join(names)}): {SKIPPED[group]}")
    return lines


def reporting(arguments):
    """Whether a snakemake with these command-line arguments writes a report (--report)
    instead of running jobs: Snakemake parses the Snakefile before it decides, and tells
    the Snakefile so nowhere but in its arguments."""
    return "--report-after-run" not in arguments and any(
        argument == "--report" or argument.startswith("--report=") for argument in arguments
    )


def available_cores():
    """The cores this process may run on: its CPU affinity where the system has one
    (Linux), else every core (macOS and Windows have no sched_getaffinity)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def train_minutes(run):
    """The time limit to ask a cluster for at a run's first attempt to train: ten minutes
    for the assignment's (100 epochs of the ELBO on 10,000 images: about a minute and a
    half on 2 cores), scaled by epochs and images, and for IWAE-k by (1 + k) / 2, as an
    epoch's cost grew on 2 cores (IWAE-5 2.1 times the ELBO's, IWAE-50 23 times). At least
    five minutes, for a small run's start-up."""
    train, data = run["train"], run["data"]
    draws = train["iwae_samples"] if train["objective"] == "iwae" else 1
    work = train["epochs"] / 100 * data["n_train"] / 10_000 * (1 + draws) / 2
    return max(5, math.ceil(10 * work))


def cores_cap(requested, available, local):
    """How many cores local jobs may use at once when --cores asks for more than the machine
    has (4 threads on 2 cores run each job slower than alone), else None: on a cluster
    --cores counts the cluster's cores, not this machine's."""
    if local and requested is not None and requested > available:
        return available
    return None


def gpu_cap(local, given):
    """How many GPU jobs may run at once: one where jobs run on this machine (one GPU, as
    most have) unless --resources gpu=N says otherwise; on a cluster each job gets its own
    GPU from the scheduler, so None (no limit)."""
    return 1 if local and given is None else None


def config_file_refusal(own, given, command_line, runs, resolve):
    """Snakemake merges `--configfile my.yaml` into the workflow's own config file, so
    my.yaml's shared settings would also change the runs of the own file and silently
    rebuild their results. -> the one-line refusal when they would and my.yaml (or --config)
    does not name those runs itself, else None.
    own: [the workflow's own config files, read]; given: {name: a --configfile, read};
    command_line: --config's settings; runs: the runs resolved from all of them;
    resolve: config -> runs (mnist_vae.runs.config.resolve_runs with the schema)."""
    before = {}
    for settings in [*own, command_line]:
        update_config(before, copy.deepcopy(settings))
    asked = set().union(*map(runs_named_in, [*given.values(), command_line]))
    try:
        changed = runs_changed_unasked(resolve(before), runs, asked)
    except SettingError:
        return None  # the own file and --config alone are not a valid config: nothing to keep
    if not changed:
        return None
    names = ", ".join(changed)
    keys = list(dict.fromkeys(key for keys in changed.values() for key in keys))
    keys = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
    return (
        f"--configfile {' '.join(sorted(given))} changes {keys} of {names}, which it does "
        f"not name: add --replace-workflow-config to build only its runs, or name {names} "
        "under its runs to change them"
    )


def config_files_of(run, merged, given):
    """The config files that made `run`'s settings, of those Snakemake `merged` (paths, in
    order): the workflow's own, and of the files `given` with --configfile ({path: read})
    those that name the run or name none (config_file_refusal keeps a file naming other
    runs from changing this one). -> [path]"""
    return [
        path
        for path in merged
        if path not in given or run in runs_named_in(given[path]) or not runs_named_in(given[path])
    ]


# The sections whose rules run torch on a device of their choosing.
DEVICE_SECTIONS = ("train", "evaluate", "inpainting", "gaps")


def torch_sees_a_gpu():
    import torch  # only when a run asks for CUDA: torch is slow to import at parse time

    return torch.cuda.is_available()


def cuda_refusal(runs, local, cuda_available=torch_sees_a_gpu):
    """The one-line refusal of a run that asks for CUDA where jobs run on this machine and
    torch sees no GPU here, else None: refused before Snakemake deletes the outputs the
    job would replace. On a cluster the compute node decides, so its job says so."""
    asking = [
        f"config.runs.{run}.{section}.device"
        for run, settings in runs.items()
        for section in DEVICE_SECTIONS
        if settings[section]["device"] == "cuda"
    ]
    if not asking or not local or cuda_available():
        return None
    more = f" (and {len(asking) - 1} more)" if len(asking) > 1 else ""
    return (
        f"{asking[0]}{more}: cuda, but torch sees no GPU on this machine, where the jobs "
        "run: use auto or cpu, or run on a cluster node with a GPU"
    )
