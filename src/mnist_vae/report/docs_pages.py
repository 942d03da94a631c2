"""The documentation pages that quote results, written from templates and the reference
run's files (docs/reference/<run>/), so that a number quoted cannot drift from the files
it comes from. A template is markdown in which {{ expression }} or {{ expression :format }}
is replaced by the expression's value (a placeholder may span lines), evaluated over the
reference files:

    metrics, inpainting, gaps, provenance   the run's JSON files, as dicts
    history, over_training                  its CSV tables, as DataFrames
    objectives, sweep_runs, sweep           the objectives sweep's table per objective and
                                            per run, and its revision and wall time

and the helpers below (`nats` for "mean ± s.e.", `minus` for a typographic minus sign,
`over_training_table` for the gap split at each weight snapshot, `resources_table` for
what each rule's jobs took, `objectives_table` and `mean_of` for the sweep's comparison).
`mnist-vae docs-pages` writes them; a test checks that the committed pages are current and
that no template writes a result by hand."""

import json
import math
import re
from pathlib import Path

import pandas as pd

from mnist_vae.runs.catalogue import run_file

# Where the reference run's small files are committed, and the pages written from them.
DOCS = Path(__file__).resolve().parents[3] / "docs"
REFERENCE = DOCS / "reference" / "assignment"
SWEEP_REFERENCE = DOCS / "reference" / "objectives"
FIGURES = DOCS / "figures"
TEMPLATES = DOCS / "templates"
# {{ expression }} or {{ expression :format }}, the format after a space and a colon (so
# that a slice, x[:7], stays in the expression)
PLACEHOLDER = re.compile(r"\{\{\s*(.+?)(?:\s+:([^{}]*?))?\s*\}\}", re.DOTALL)
# The reference run's files, by the name templates know them by.
REFERENCE_FILES = {
    "metrics": run_file("evaluate", "metrics"),
    "inpainting": run_file("inpainting", "metrics"),
    "gaps": run_file("gaps", "summary"),
    "provenance": run_file("provenance", "provenance"),
    "history": run_file("train", "history"),
    "over_training": run_file("gaps_over_training", "table"),
    "gaps_per_image": run_file("gaps", "per_image"),
    "resources": "resources.csv",
}
# The objectives sweep's files (config/sweep-objectives.yaml), by the same rule.
SWEEP_FILES = {
    "objectives": "objectives.csv",
    "sweep_runs": "summary.csv",
    "sweep": "sweep.json",
}
# Its figures, copied beside the reference run's.
SWEEP_FIGURES = ("objectives.png", "objectives_over_training.png")
# The columns of the comparison across objectives: (metric in objectives.csv, heading).
OBJECTIVE_COLUMNS = (
    ("test.log_px_quadrature.mean", "exact log p(x)"),
    ("test.iwae.mean", "IWAE-{k}"),
    ("test.elbo.mean", "ELBO"),
    ("gaps.approximation_gap.mean", "approximation gap, test"),
    ("gaps.amortization_gap.mean", "amortization gap, test"),
    ("gaps_train.approximation_gap", "approximation gap, train"),
    ("gaps_train.amortization_gap", "amortization gap, train"),
    ("train.seconds", "training seconds"),
)


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


def objectives_table(objectives, iwae_samples):
    """The comparison across training objectives as a markdown table, "mean ± s.d." over
    the seeds of each, in the file's order. objectives: the summary's objectives.csv
    (by_objective's rows, in bound_order); iwae_samples: the k of
    the IWAE bound the models were evaluated with"""
    headings = [heading.format(k=iwae_samples) for _, heading in OBJECTIVE_COLUMNS]
    lines = [
        "| trained on | seeds | " + " | ".join(headings) + " |",
        "| --- " * (len(headings) + 2) + "|",
    ]
    for row in objectives.to_dict("records"):
        digits = {"train.seconds": 0}
        cells = [
            f"{row[f'{metric} mean']:.{digits.get(metric, 2)}f} ± "
            f"{row[f'{metric} std']:.{digits.get(metric, 2)}f}"
            for metric, _ in OBJECTIVE_COLUMNS
        ]
        seeds = row["test.log_px_quadrature.mean count"]
        lines.append(f"| {row['trained_on']} | {seeds} | " + minus(" | ".join(cells)) + " |")
    return "\n".join(lines)


def mean_of(objectives, trained_on, metric, statistic="mean"):
    """One statistic of one metric over the seeds of one objective, from objectives.csv."""
    return objectives.set_index("trained_on").loc[trained_on, f"{metric} {statistic}"]


def benchmark_files(benchmarks, run):
    """Snakemake's benchmark files of one run's jobs (benchmarks/<rule>/<run>.tsv or
    <run>/<shard>.tsv). -> {rule: [paths]}, the rules that ran a job for the run"""
    files = {}
    for rule_folder in sorted(Path(benchmarks).iterdir()):
        found = [*rule_folder.glob(f"{run}.tsv"), *sorted(rule_folder.glob(f"{run}/*.tsv"))]
        if found:
            files[rule_folder.name] = found
    return files


def job_times(files):
    """Each job's end (its benchmark file is written as it ends) and its seconds.
    -> [(end, seconds)]"""
    return [(path.stat().st_mtime, pd.read_csv(path, sep="\t")["s"].iloc[0]) for path in files]


def wall_seconds(times):
    """From the first job's start to the last job's end. times: job_times"""
    return max(end for end, _ in times) - min(end - seconds for end, seconds in times)


def job_seconds(times):
    """The jobs' times added up: what one invocation on a machine running one job at a time
    takes, and at most what it takes where jobs run side by side. times: job_times"""
    return sum(seconds for _, seconds in times)


def copy_sweep_reference(results, benchmarks, destination=SWEEP_REFERENCE, figures=FIGURES):
    """A finished objectives sweep into the reference folder: the summary's tables, its
    figures, and sweep.json with the revision it ran at, its machine, its evaluation
    settings, and its time: from its first job's start to its last job's end, and its jobs'
    times added up (from its runs' and the summary's benchmark files)."""
    results, destination = Path(results), Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    (destination / "objectives.csv").write_bytes((results / "summary/objectives.csv").read_bytes())
    (destination / "summary.csv").write_bytes((results / "summary.csv").read_bytes())
    for name in SWEEP_FIGURES:
        (Path(figures) / name).write_bytes((results / "summary" / name).read_bytes())
    runs = list(pd.read_csv(results / "summary.csv")["run"])
    files = [
        path
        for run in runs
        for paths in benchmark_files(benchmarks, run).values()
        for path in paths
    ] + [Path(benchmarks) / "summary.tsv"]
    times = job_times(files)
    provenance = json.loads((results / runs[0] / "provenance.json").read_text())
    sweep = {
        "runs": len(runs),
        "git": provenance["git"],
        "machine": provenance["machine"],
        # the runs differ in training only: how each was measured
        "evaluation": {key: provenance["settings"][key] for key in ("evaluate", "gaps")},
        "wall_seconds": round(wall_seconds(times), 1),
        "job_seconds": round(job_seconds(times), 1),
    }
    (destination / "sweep.json").write_text(json.dumps(sweep, indent=2) + "\n")


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
    for rule, files in benchmark_files(benchmarks, run).items():
        table = pd.concat([pd.read_csv(path, sep="\t") for path in files])
        rows.append(
            {
                "rule": rule,
                "jobs": len(table),
                "seconds_min": table["s"].min(),
                "seconds_max": table["s"].max(),
                "max_rss_mb_min": table["max_rss"].min(),
                "max_rss_mb_max": table["max_rss"].max(),
            }
        )
    pd.DataFrame(rows).to_csv(destination / "resources.csv", index=False)


def reference_files(folder=REFERENCE, names=REFERENCE_FILES):
    """The reference files, read. -> {name: dict or DataFrame}"""
    files = {}
    for name, path in names.items():
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
        "objectives_table": objectives_table,
        "mean_of": mean_of,
    }
    functions = {"abs": abs, "len": len, "max": max, "min": min, "sum": sum}
    maths = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "pi": math.pi}
    namespace = {**files, **helpers, **functions, **maths}

    def value(match):
        expression, spec = match.group(1), match.group(2)
        result = eval(expression, {"__builtins__": {}}, namespace)  # our own templates
        return minus(format(result, spec)) if spec else str(result)

    return PLACEHOLDER.sub(value, template)


def pages(templates=TEMPLATES, folder=REFERENCE, sweep_folder=SWEEP_REFERENCE):
    """Every page the templates write. -> {page name: text}"""
    files = {**reference_files(folder), **reference_files(sweep_folder, SWEEP_FILES)}
    return {path.name: render(path.read_text(), files) for path in sorted(templates.glob("*.md"))}


def write_pages(docs=DOCS):
    for name, text in pages().items():
        (Path(docs) / name).write_text(text)
