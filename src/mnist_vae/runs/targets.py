"""What a snakemake invocation builds: each run's files (its latent dimension decides
some, mnist_vae.runs.catalogue says which), the summary across runs and the runs it covers,
what is said of the analyses a run leaves out, and what an earlier latent dimension left
behind. Imports no torch."""

from pathlib import Path

from mnist_vae.errors import DataError
from mnist_vae.runs import catalogue
from mnist_vae.runs.config import RESERVED_NAMES
from mnist_vae.storage.files import read_json


def latent_dim(settings):
    return settings["model"]["latent_dim"]


def products(run, settings):
    return catalogue.products(run, latent_dim(settings))


def run_outputs(run, settings):
    return catalogue.run_outputs(run, latent_dim(settings))


def summarised_files(run, settings):
    return catalogue.summarised_files(run, latent_dim(settings))


def stale_files(run, settings, root="."):
    """What results/<run>/ holds from an earlier latent dimension that the run's present one
    does not produce (a manifold or gap split after Dz changed from 2, say). -> [Path]"""
    folder = Path(root) / "results" / run
    gated = catalogue.gated_files(latent_dim(settings))
    return [folder / name for name in gated if (folder / name).exists()]


SUMMARY = tuple(catalogue.rule("summary").outputs.values())


def finished_runs(runs, root="."):
    """The runs whose every output exists (provenance.json is written last)."""
    return [run for run in runs if (Path(root) / catalogue.provenance_file(run)).exists()]


def summarised_runs(runs, reporting, root="."):
    """The runs the summary and the default target cover: every run, but in a report only
    the finished ones, so that a report can be made while some runs are unbuilt."""
    return finished_runs(runs, root) if reporting else list(runs)


def runs_in_folders(exclude=(), root="."):
    """The finished runs under results/ that other configs built: each folder whose
    provenance.json records the run's settings and which holds the files every run gives
    the summary. -> {run: {"settings": its settings, "config_files": the config files it
    was built with}}"""
    found = {}
    for path in sorted((Path(root) / "results").glob("*/provenance.json")):
        folder = path.parent
        if folder.name in exclude or folder.name in RESERVED_NAMES:
            continue
        if not all((folder / name).is_file() for name in catalogue.required_for_summary()):
            continue
        try:
            record = read_json(path)
        except DataError:
            continue
        if isinstance(record, dict) and isinstance(record.get("settings"), dict):
            found[folder.name] = {
                "settings": record["settings"],
                "config_files": record.get("config_files", []),
            }
    return found


def summary_inputs(runs, built):
    """What the summary reads of the runs it covers ({run: settings}): {its input name:
    [paths]}, each run's files in the runs' order; a file only some latent dimensions
    have is left out of a run not `built` here whose folder lacks it (an earlier
    revision's, say)."""
    inputs = {key: [] for rule in catalogue.RULES for key in rule.summarised}
    for run, settings in runs.items():
        for key, path in summarised_files(run, settings).items():
            if run in built or Path(path).is_file():
                inputs[key].append(path)
    return inputs


def final_outputs(runs, reporting, root="."):
    """Every run's outputs and the summary across runs (in a report: of the finished runs,
    and the summary only once it exists)."""
    covered = summarised_runs(runs, reporting, root)
    page = catalogue.rule("summary").outputs["page"]
    summary = [] if reporting and not (Path(root) / page).exists() else list(SUMMARY)
    return [path for run in covered for path in run_outputs(run, runs[run])] + summary


def skip_messages(runs):
    """One line per latent dimension of the runs that leave analyses out: which runs, what
    they go without, and why (mnist_vae.runs.catalogue)."""
    by_dimension = {}
    for run, settings in runs.items():
        by_dimension.setdefault(latent_dim(settings), []).append(run)
    lines = []
    for dimension, names in sorted(by_dimension.items()):
        groups = catalogue.left_out(dimension)
        if groups:
            said = "; ".join(f"{', '.join(what)} ({why})" for why, what in groups.items())
            lines.append(f"Dz = {dimension} ({', '.join(names)}): {said}")
    return lines
