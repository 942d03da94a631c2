"""The documentation pages that quote results, rendered with Jinja2 from templates
(docs/templates/) and the reference files (mnist_vae.docs.reference), so that a number quoted
cannot drift from the files it comes from. A template's {{ expression }} is evaluated over

    metrics, inpainting, gaps, provenance   the run's JSON files, as dicts
    history, over_training, gaps_per_image  its CSV tables, as DataFrames
    resources                               each rule's measured jobs
    objectives, sweep_runs, sweep           the objectives sweep's table per objective and
                                            per run, and its revision and wall time

the functions `exp`, `log`, `sqrt`, `abs`, `max`, `min`, `len`, `sum`, the constant `pi` and
the helpers below (`nats` for "mean ± s.e.", `over_training_table`, `resources_table`,
`objectives_table`, `mean_of`, and for paired differences to the ELBO `differences_table`,
`difference`, `paired` and `verdict`); `{{ value | fmt(".2f") }}` formats a number, with the
pages' typographic minus sign. `mnist-vae docs-pages` writes them; a test checks that the
committed pages are current and that no template writes a result by hand."""

import math

import jinja2

from mnist_vae.docs import DOCS
from mnist_vae.docs.reference import REFERENCE, SWEEP_FILES, SWEEP_REFERENCE, reference_files
from mnist_vae.runs.summary import ASSIGNMENT_EPOCHS, baseline_of, epochs_of
from mnist_vae.stats import t_half_width

TEMPLATES = DOCS / "templates"

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


def objectives_table(objectives, iwae_samples, epochs=ASSIGNMENT_EPOCHS):
    """The comparison across training objectives trained for `epochs` as a markdown table:
    each metric's mean over the seeds with its 95% t interval, in the file's order.
    objectives: the summary's objectives.csv (by_objective's rows, in bound_order);
    iwae_samples: the k of the IWAE bound the models were evaluated with"""
    headings = [heading.format(k=iwae_samples) for _, heading in OBJECTIVE_COLUMNS]
    lines = [
        "| trained on | seeds | " + " | ".join(headings) + " |",
        "| --- " * (len(headings) + 2) + "|",
    ]
    for row in objectives.to_dict("records"):
        if epochs_of(row["trained_on"]) != epochs:
            continue
        cells = []
        for metric, _ in OBJECTIVE_COLUMNS:
            digits = 0 if metric == "train.seconds" else 2
            mean, count = row[f"{metric} mean"], row[f"{metric} count"]
            half = float(t_half_width(row[f"{metric} std"], count))
            cells.append(
                f"{mean:.{digits}f}"
                + (f" ({mean - half:.{digits}f}, {mean + half:.{digits}f})" if count > 1 else "")
            )
        seeds = row["test.log_px_quadrature.mean count"]
        lines.append(f"| {row['trained_on']} | {seeds} | " + minus(" | ".join(cells)) + " |")
    return "\n".join(lines)


def differences_table(objectives, metrics, epochs=ASSIGNMENT_EPOCHS):
    """Each objective's paired difference to the ELBO trained as long (seed by seed), for
    `metrics` ({metric: heading}), as a markdown table: mean, 95% t interval and what it
    shows (verdict). objectives: the summary's objectives.csv"""
    lines = [
        "| trained on | seeds | " + " | ".join(metrics.values()) + " |",
        "| --- " * (len(metrics) + 2) + "|",
    ]
    for row in objectives.to_dict("records"):
        name = row["trained_on"]
        if epochs_of(name) != epochs or baseline_of(name) == name:
            continue
        cells = []
        for metric in metrics:
            d = difference(objectives, name, metric)
            cells.append(f"{d['mean']:+.2f} ({d['t_low']:+.2f}, {d['t_high']:+.2f}): {judged(d)}")
        pairs = int(row[f"{next(iter(metrics))} diff pairs"])
        lines.append(f"| {name} | {pairs} | " + minus(" | ".join(cells)) + " |")
    return "\n".join(lines)


def mean_of(objectives, trained_on, metric, statistic="mean"):
    """One statistic of one metric over the seeds of one objective, from objectives.csv."""
    return objectives.set_index("trained_on").loc[trained_on, f"{metric} {statistic}"]


def difference(objectives, trained_on, metric):
    """One objective's paired difference to its baseline (the ELBO of as many epochs) in
    `metric`, from objectives.csv: {"mean", "t_low", "t_high", "boot_low", "boot_high",
    "pairs"}."""
    row = objectives.set_index("trained_on").loc[trained_on]
    keys = ("mean", "t_low", "t_high", "boot_low", "boot_high", "pairs")
    return {key: row[f"{metric} diff {key}"] for key in keys}


def verdict(objectives, trained_on, metric):
    """What one objective's paired difference in `metric` shows (judged)."""
    return judged(difference(objectives, trained_on, metric))


def judged(d):
    """What a paired difference's intervals say: "shown" where its 95% t interval
    excludes 0; "suggested" where only the percentile bootstrap's does (over a handful of
    seeds the bootstrap is too narrow to carry a claim); "not resolved" otherwise.
    d: difference's dict"""
    if d["t_low"] > 0 or d["t_high"] < 0:
        return "shown"
    if d["boot_low"] > 0 or d["boot_high"] < 0:
        return "suggested"
    return "not resolved"


def paired(objectives, trained_on, metric, digits=2):
    """A paired difference as the pages write it: "+1.41 (95% t interval −1.90 to +4.80,
    bootstrap +0.10 to +2.30; 5 seeds)"."""
    d = difference(objectives, trained_on, metric)
    f = f"+.{digits}f"
    return minus(
        f"{d['mean']:{f}} (95% t interval {d['t_low']:{f}} to {d['t_high']:{f}}, bootstrap "
        f"{d['boot_low']:{f}} to {d['boot_high']:{f}}; {int(d['pairs'])} seeds)"
    )


def fmt(value, spec):
    """`value` formatted by a format spec, with the pages' minus sign, and a dash for a
    value a file records as absent (None): the `fmt` filter."""
    return "–" if value is None else minus(format(value, spec))


def environment():
    """Jinja2 for markdown: nothing escaped, every name defined, the text kept as written."""
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    env.filters["fmt"] = fmt
    env.globals.update(
        nats=nats,
        minus=minus,
        over_training_table=over_training_table,
        resources_table=resources_table,
        objectives_table=objectives_table,
        differences_table=differences_table,
        mean_of=mean_of,
        difference=difference,
        verdict=verdict,
        paired=paired,
        abs=abs,
        len=len,
        max=max,
        min=min,
        sum=sum,
        exp=math.exp,
        log=math.log,
        sqrt=math.sqrt,
        pi=math.pi,
    )
    return env


def render(template, files):
    """`template` (text) rendered over `files`."""
    return environment().from_string(template).render(files)


def pages(templates=TEMPLATES, folder=REFERENCE, sweep_folder=SWEEP_REFERENCE):
    """Every page the templates write. -> {page name: text}"""
    files = {**reference_files(folder), **reference_files(sweep_folder, SWEEP_FILES)}
    return {path.name: render(path.read_text(), files) for path in sorted(templates.glob("*.md"))}


def write_pages(docs=DOCS):
    for name, text in pages().items():
        (docs / name).write_text(text)
