"""The documentation pages that quote results, written from templates and the reference
run's files (docs/reference/<run>/), so that a number quoted cannot drift from the files
it comes from. A template is markdown in which {{ expression }} or {{ expression :format }}
is replaced by the expression's value, evaluated over the reference files:

    metrics, inpainting, gaps, provenance   the run's JSON files, as dicts
    history, over_training                  its CSV tables, as DataFrames

and the helpers below (`nats` for "mean ± s.e.", `minus` for a typographic minus sign).
`mnist-vae docs-pages` writes them; a test checks that the committed pages are current and
that no template writes a result by hand."""

import json
import re
from pathlib import Path

import pandas as pd

# Where the reference run's small files are committed, and the pages written from them.
DOCS = Path(__file__).resolve().parents[3] / "docs"
REFERENCE = DOCS / "reference" / "assignment"
TEMPLATES = DOCS / "templates"
# {{ expression }} or {{ expression :format }}
PLACEHOLDER = re.compile(r"\{\{\s*(.+?)\s*(?::([^:{}]*?))?\s*\}\}")
# The reference run's files, by the name templates know them by.
REFERENCE_FILES = {
    "metrics": "metrics.json",
    "inpainting": "inpainting/inpainting_metrics.json",
    "gaps": "gaps/gaps.json",
    "provenance": "provenance.json",
    "history": "history.csv",
    "over_training": "gaps/over_training.csv",
}


def minus(text):
    """A number's text with the typographic minus sign of the pages."""
    return text.replace("-", "−")


def nats(stat, digits=2):
    """'mean ± s.e.' of a {"mean", "sem"} summary, e.g. −156.07 ± 0.66."""
    return minus(f"{stat['mean']:.{digits}f} ± {stat['sem']:.{digits}f}")


def reference_files(folder=REFERENCE):
    """The reference run's files, read. -> {name: dict or DataFrame}"""
    files = {}
    for name, path in REFERENCE_FILES.items():
        path = Path(folder) / path
        files[name] = json.loads(path.read_text()) if path.suffix == ".json" else pd.read_csv(path)
    return files


def render(template, files):
    """`template` with every placeholder replaced by its value over `files`."""
    namespace = {**files, "nats": nats, "minus": minus, "abs": abs, "len": len, "max": max}

    def value(match):
        expression, spec = match.group(1), match.group(2)
        result = eval(expression, {"__builtins__": {}}, namespace)  # our own templates
        return minus(format(result, spec)) if spec else str(result)

    return PLACEHOLDER.sub(value, template)


def pages(templates=TEMPLATES, folder=REFERENCE):
    """Every page the templates write. -> {page name: text}"""
    files = reference_files(folder)
    return {path.name: render(path.read_text(), files) for path in sorted(templates.glob("*.md"))}


def write_pages(docs=DOCS):
    for name, text in pages().items():
        (Path(docs) / name).write_text(text)
