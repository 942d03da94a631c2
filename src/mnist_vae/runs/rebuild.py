"""A run's config from its folder alone: the resolved settings its provenance.json keeps,
as a config file that builds that run again (with --replace-workflow-config). Imports no
torch."""

from pathlib import Path

from mnist_vae.errors import DataError
from mnist_vae.storage.files import read_json


def run_folder(spec, results="results"):
    """A results folder given as itself or as a run's name under `results`. -> Path"""
    for folder in (Path(spec), Path(results) / spec):
        if (folder / "provenance.json").is_file():
            return folder
    raise DataError(f"{spec}: no provenance.json there or under {results}/{spec}")


def rebuild_config(spec, results="results"):
    """The config that builds the run of `spec` again: its settings, its shards (which
    change the jobs, not the numbers), and it alone under runs, named as before. -> dict"""
    path = run_folder(spec, results) / "provenance.json"
    record = read_json(path)
    if "settings" not in record:
        raise DataError(f"{path}: holds no settings (written before they were recorded)")
    return {**record["settings"], "shards": record.get("shards", {}), "runs": {record["run"]: {}}}
