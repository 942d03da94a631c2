"""What changed between two runs, two results folders or two git revisions: every setting,
metric and provenance entry (data, machine, versions, git revision; the rules' wall times
on request) that differs, with old, new and delta, like `dvc metrics diff`. Imports no
torch."""

import io
import json
import math
import subprocess
from pathlib import Path

import pandas as pd

from mnist_vae.errors import DataError
from mnist_vae.runs.catalogue import metrics_files, run_file
from mnist_vae.runs.summary import flatten

# The metrics files of a run, relative to its results folder, and their prefix in a diff.
METRICS_FILES = metrics_files()


def read_run_texts(spec, names, run="assignment", results="results"):
    """The texts of a run's files `names` (paths under its folder) that exist, from `spec`:
    a results folder, the name of a run under `results`, or a git revision (its committed
    results/<run>/ files); the first name must exist. -> ({name: text}, where they came from)"""
    first = names[0]
    folder = Path(spec)
    if not (folder / first).is_file():
        folder = Path(results) / spec
    if (folder / first).is_file():
        texts = {name: (folder / name).read_text() for name in names if (folder / name).is_file()}
        return texts, str(folder)
    texts = {name: _git_show(spec, f"{results}/{run}/{name}") for name in names}
    texts = {name: text for name, text in texts.items() if text is not None}
    if first not in texts:
        raise DataError(
            f"{spec}: not a results folder, a run under {results}/, or a git revision "
            f"with {results}/{run}/{first} committed"
        )
    return texts, f"{spec}:{results}/{run}"


def read_side(spec, run="assignment", results="results"):
    """The flattened metrics of `spec` (read_run_texts' places, metrics.json first).
    -> {"key": value}"""
    texts, where = read_run_texts(spec, list(METRICS_FILES), run, results)
    values = {}
    for name, text in texts.items():
        try:
            values.update(flatten(json.loads(text), METRICS_FILES[name]))
        except ValueError as e:
            raise DataError(f"{where}/{name}: not a JSON file ({e})") from None
    return values


def read_history(spec, run="assignment", results="results"):
    """A run's training history (history.csv) from read_run_texts' places. -> DataFrame"""
    texts, where = read_run_texts(spec, [run_file("train", "history")], run, results)
    try:
        return pd.read_csv(io.StringIO(next(iter(texts.values()))))
    except (ValueError, pd.errors.ParserError) as e:
        raise DataError(f"{where}/history.csv: not a CSV table ({e})") from None


def _git_show(revision, path):
    result = subprocess.run(
        ["git", "show", f"{revision}:{path}"], capture_output=True, text=True, check=False
    )
    return result.stdout if result.returncode == 0 else None


def _delta(old, new):
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (old, new))
    return new - old if numbers else None


SETTINGS = "provenance.settings."
TIMINGS = "provenance.rule_seconds."


def shown_first(key):
    """The order of a diff: settings (the cause), then metrics (the effect), then the rest
    of the provenance."""
    if key.startswith(SETTINGS):
        return 0
    return 2 if key.startswith("provenance.") else 1


def diff_table(old, new, show_all=False, timings=False):
    """One row per key of either side whose value differs (every key with show_all):
    key, old, new, delta (new - old where both are numbers); settings first, then metrics,
    then the rest of the provenance, the rules' wall times only with `timings`.
    -> DataFrame"""
    rows = []
    keys = (
        (old.keys() | new.keys())
        if timings
        else {key for key in old.keys() | new.keys() if not key.startswith(TIMINGS)}
    )
    for key in sorted(keys, key=lambda key: (shown_first(key), key)):
        a, b = old.get(key), new.get(key)
        same = a == b or (
            isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
        )
        if show_all or not same:
            rows.append({"key": key, "old": a, "new": b, "delta": _delta(a, b)})
    return pd.DataFrame(rows, columns=["key", "old", "new", "delta"])


def render(table, form="markdown"):
    """The diff as a markdown table, CSV or JSON (records)."""
    if form == "csv":
        return table.to_csv(index=False)
    if form == "json":
        return table.to_json(orient="records", indent=2)
    if table.empty:
        return "No metric differs.\n"
    cells = table.astype(object).where(table.notna(), "")
    lines = ["| " + " | ".join(table.columns) + " |", "|" + " --- |" * len(table.columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in cells.to_numpy()]
    return "\n".join(lines) + "\n"


def _cell(value):
    return f"{value:.6g}" if isinstance(value, float) else str(value)
