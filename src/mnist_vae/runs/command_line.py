"""What the snakemake command line asks beyond targets: a report instead of jobs, and config
files that Snakemake merges into the workflow's own (which runs they may change, and which
made each run). Imports no torch."""

import copy

from snakemake.utils import update_config

from mnist_vae.errors import SettingError
from mnist_vae.runs.config import runs_changed_unasked, runs_named_in


def reporting(arguments):
    """Whether a snakemake with these command-line arguments writes a report (--report)
    instead of running jobs: Snakemake parses the Snakefile before it decides, and tells
    the Snakefile so nowhere but in its arguments."""
    return "--report-after-run" not in arguments and any(
        argument == "--report" or argument.startswith("--report=") for argument in arguments
    )


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
