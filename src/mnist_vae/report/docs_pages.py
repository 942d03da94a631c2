"""The documentation pages that quote results, written from templates and the reference
run's files (docs/reference/<run>/), so that a number quoted cannot drift from the files
it comes from. A template is markdown in which {{ expression }} or {{ expression :format }}
is replaced by the expression's value (a placeholder may span lines), evaluated over the
reference files:

    metrics, inpainting, gaps, provenance   the run's JSON files, as dicts
    history, over_training                  its CSV tables, as DataFrames

and the helpers below (`nats` for "mean ± s.e.", `minus` for a typographic minus sign,
`over_training_table` for the gap split at each weight snapshot, `resources_table` for
what each rule's jobs took).
`mnist-vae docs-pages` writes them; a test checks that the committed pages are current and
that no template writes a result by hand."""

import json
import math
import re
from pathlib import Path

import pandas as pd

# Where the reference run's small files are committed, and the pages written from them.
DOCS = Path(__file__).resolve().parents[3] / "docs"
REFERENCE = DOCS / "reference" / "assignment"
TEMPLATES = DOCS / "templates"
# {{ expression }} or {{ expression :format }}, the format after a space and a colon (so
# that a slice, x[:7], stays in the expression)
PLACEHOLDER = re.compile(r"\{\{\s*(.+?)(?:\s+:([^{}]*?))?\s*\}\}", re.DOTALL)
# The reference run's files, by the name templates know them by.
REFERENCE_FILES = {
    "metrics": "metrics.json",
    "inpainting": "inpainting/inpainting_metrics.json",
    "gaps": "gaps/gaps.json",
    "provenance": "provenance.json",
    "history": "history.csv",
    "over_training": "gaps/over_training.csv",
    "gaps_per_image": "gaps/gaps_per_image.csv",
    "resources": "resources.csv",
}


def minus(text):
    """A number's text with the typographic minus sign of the pages."""
    return text.replace("-", "−")


def nats(stat, digits=2):
    """'mean ± s.e.' of a {"mean", "sem"} summary, e.g. −156.07 ± 0.66."""
    return minus(f"{stat['mean']:.{digits}f} ± {stat['sem']:.{digits}f}")


def over_training_table(table):
    """The approximation and amortization gaps at each snapshot, for both splits, as a
    markdown table. table: gaps_over_training's rows"""
    lines = [
        "| epoch | train: approximation | train: amortization | test: approximation | "
        "test: amortization |",
        "| --- | --- | --- | --- | --- |",
    ]
    for epoch, rows in table.groupby("epoch", sort=True):
        split = rows.set_index("split")
        cells = [
            f"{split.loc[name, f'{gap}_gap.mean']:.2f}"
            for name in ("train", "test")
            for gap in ("approximation", "amortization")
        ]
        lines.append(f"| {epoch} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def resources_table(resources):
    """Each rule's measured time and peak memory per job, as a markdown table.
    resources: copy_reference's resources.csv"""

    def span(low, high, unit, digits=0):
        low, high = f"{low:.{digits}f}", f"{high:.{digits}f}"
        return f"{low} {unit}" if low == high else f"{low}–{high} {unit}"

    lines = ["| rule | jobs | time per job | peak memory per job |", "| --- | --- | --- | --- |"]
    for row in resources.itertuples():
        seconds = span(row.seconds_min, row.seconds_max, "s")
        memory = span(row.max_rss_mb_min, row.max_rss_mb_max, "MB")
        lines.append(f"| `{row.rule}` | {row.jobs} | {seconds} | {memory} |")
    return "\n".join(lines)


def copy_reference(run_folder, benchmarks, destination=REFERENCE):
    """A finished run's small files into the reference folder, with resources.csv: each
    rule's jobs, their least and most seconds and peak memory, from Snakemake's benchmark
    files of the run (benchmarks/<rule>/<run>.tsv or <run>/<shard>.tsv)."""
    run_folder, destination = Path(run_folder), Path(destination)
    run = run_folder.name
    for path in REFERENCE_FILES.values():
        if path != "resources.csv":
            (destination / path).parent.mkdir(parents=True, exist_ok=True)
            (destination / path).write_bytes((run_folder / path).read_bytes())
    rows = []
    for rule_folder in sorted(Path(benchmarks).iterdir()):
        files = [*rule_folder.glob(f"{run}.tsv"), *sorted(rule_folder.glob(f"{run}/*.tsv"))]
        if files:
            table = pd.concat([pd.read_csv(path, sep="\t") for path in files])
            rows.append(
                {
                    "rule": rule_folder.name,
                    "jobs": len(table),
                    "seconds_min": table["s"].min(),
                    "seconds_max": table["s"].max(),
                    "max_rss_mb_min": table["max_rss"].min(),
                    "max_rss_mb_max": table["max_rss"].max(),
                }
            )
    pd.DataFrame(rows).to_csv(destination / "resources.csv", index=False)


def reference_files(folder=REFERENCE):
    """The reference run's files, read. -> {name: dict or DataFrame}"""
    files = {}
    for name, path in REFERENCE_FILES.items():
        path = Path(folder) / path
        files[name] = json.loads(path.read_text()) if path.suffix == ".json" else pd.read_csv(path)
    return files


def render(template, files):
    """`template` with every placeholder replaced by its value over `files`."""
    helpers = {
        "nats": nats,
        "minus": minus,
        "over_training_table": over_training_table,
        "resources_table": resources_table,
    }
    functions = {"abs": abs, "len": len, "max": max, "min": min, "sum": sum}
    maths = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "pi": math.pi}
    namespace = {**files, **helpers, **functions, **maths}

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
