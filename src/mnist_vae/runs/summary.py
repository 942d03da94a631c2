"""Every run side by side: one row per run with the settings that tell the runs apart and
every metric, as tidy data (pandas reads it in one call). Imports no torch."""

import re

import pandas as pd

from mnist_vae.convergence import convergence
from mnist_vae.stats import paired_difference

# Always shown, even when all runs agree: what a reader looks for first.
KEY_SETTINGS = ("model.latent_dim", "train.seed", "train.epochs")
# The assignment's epochs: runs trained for as long are compared under the bound's name
# alone, others under it and their epochs.
ASSIGNMENT_EPOCHS = 100


def flatten(tree, prefix=""):
    """{"a": {"b": 1}} -> {"a.b": 1}; lists are kept as they are."""
    flat = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def distinguishing_settings(settings_by_run):
    """The settings that tell runs apart, and the KEY_SETTINGS, flattened.
    settings_by_run: {run: resolved settings} -> {run: {"section.key": value}}"""
    flat = {name: flatten(settings) for name, settings in settings_by_run.items()}
    keys = sorted({key for settings in flat.values() for key in settings})
    shown = [
        key
        for key in keys
        if key in KEY_SETTINGS or len({repr(settings.get(key)) for settings in flat.values()}) > 1
    ]
    return {name: {key: settings.get(key) for key in shown} for name, settings in flat.items()}


def trained_on(train):
    """The bound a run was trained on, as the comparison across objectives names it, from
    its train settings (those of a run from before the objectives were settings lack them:
    the ELBO), and its epochs where they are not the assignment's.
    -> e.g. ELBO, ELBO, KL warm-up 10 epochs, ELBO, 5 draws, IWAE-5, IWAE-5, 1000 epochs"""
    return bound_name(train) + epochs_suffix(train.get("epochs", ASSIGNMENT_EPOCHS))


def bound_name(train):
    if train.get("objective", "elbo") == "iwae":
        return f"IWAE-{train.get('iwae_samples', 5)}"
    draws = train.get("elbo_samples", 1)
    if draws > 1:
        return f"ELBO, {draws} draws"
    warmup = train.get("kl_warmup_epochs", 0)
    epochs = "epoch" if warmup == 1 else "epochs"
    return f"ELBO, KL warm-up {warmup} {epochs}" if warmup else "ELBO"


def epochs_suffix(epochs):
    return "" if epochs == ASSIGNMENT_EPOCHS else f", {epochs} epochs"


def epochs_of(trained_on):
    """The epochs a trained_on name says, ASSIGNMENT_EPOCHS where it says none."""
    found = re.search(r", (\d+) epochs$", trained_on)
    return int(found.group(1)) if found else ASSIGNMENT_EPOCHS


def baseline_of(trained_on):
    """The run every other is compared with: BASELINE, trained for as many epochs."""
    return BASELINE + epochs_suffix(epochs_of(trained_on))


def bound_order(trained_on):
    """A sort key for trained_on's names: by epochs trained, then the ELBO, its warm-ups by
    their length in epochs, the k-sample ELBOs by k, then IWAE-k by k (numbers compared as
    numbers: 2 before 10)."""
    bound = trained_on.removesuffix(epochs_suffix(epochs_of(trained_on)))
    number = re.search(r"\d+", bound)
    family = (
        3
        if bound.startswith("IWAE-")
        else 2
        if bound.endswith(" draws")
        else 1
        if "warm-up" in bound
        else 0
    )
    return (epochs_of(trained_on), family, int(number.group()) if number else 0, bound)


def last_snapshot_gaps(over_training):
    """The approximation and amortization gaps at the last weight snapshot, per split.
    over_training: gaps_over_training's table -> {"gaps_train.approximation_gap": ...}"""
    last = over_training[over_training["epoch"] == over_training["epoch"].max()]
    return {
        f"gaps_{row['split']}.{gap}_gap": row[f"{gap}_gap.mean"]
        for _, row in last.iterrows()
        for gap in ("approximation", "amortization")
    }


def summary_table(runs):
    """runs: {name: {"config": the config files it was built with, "settings": its
    distinguishing_settings, "trained_on": the bound it was trained on, "metrics":
    metrics.json, "inpainting": inpainting_metrics.json, "gaps": gaps.json or None,
    "over_training": gaps_over_training's table or None, "history": history table}}
    -> DataFrame, one row per run"""
    rows = []
    for name, run in runs.items():
        history = run["history"]
        over_training = run.get("over_training")
        rows.append(
            {
                "run": name,
                "config": run["config"],
                "trained_on": run["trained_on"],
                **run["settings"],
                **flatten(run["metrics"]),
                **flatten(run["inpainting"], "inpainting."),
                **flatten(run.get("gaps") or {}, "gaps."),
                **(last_snapshot_gaps(over_training) if over_training is not None else {}),
                "train.seconds": float(history["seconds"].sum()),
                "train.final_train_elbo": float(history["train_elbo"].iloc[-1]),
                **flatten(convergence(history), "convergence."),
            }
        )
    return pd.DataFrame(rows)


# What the comparison across training objectives shows, per objective.
OBJECTIVE_METRICS = (
    "test.log_px_quadrature.mean",
    "test.iwae.mean",
    "test.elbo.mean",
    "test.gap_log_px_minus_iwae.mean",
    "gaps.approximation_gap.mean",
    "gaps.approximation_gap.median",
    "gaps.amortization_gap.mean",
    "gaps.amortization_gap.median",
    "gaps_train.approximation_gap",
    "gaps_train.amortization_gap",
    "test.importance.kl_q_p.median",
    "test.importance.kl_p_q.median",
    "convergence.rise_per_100_epochs",
    "train.seconds",
)


def by_objective(table, metrics=OBJECTIVE_METRICS):
    """Mean, standard deviation, min and max over the runs (seeds) trained on each bound,
    in bound_order. -> DataFrame indexed by trained_on, columns (metric, statistic)"""
    present = [metric for metric in metrics if metric in table]
    stats = table.groupby("trained_on")[present].agg(["mean", "std", "min", "max", "count"])
    return stats.loc[sorted(stats.index, key=bound_order)]


# The objective every other is compared with, seed by seed (the same seed, the same
# initial weights and minibatch order), among runs trained for as many epochs.
BASELINE = "ELBO"
PAIRED_STATISTICS = ("mean", "t_low", "t_high", "boot_low", "boot_high", "pairs")


def control_of(trained_on):
    """The run IWAE-k is compared with at the same cost per step: the k-sample ELBO
    trained as long (None for every other objective)."""
    bound = trained_on.removesuffix(epochs_suffix(epochs_of(trained_on)))
    if not bound.startswith("IWAE-"):
        return None
    return f"ELBO, {bound.removeprefix('IWAE-')} draws" + epochs_suffix(epochs_of(trained_on))


def paired_by_objective(table, metrics=OBJECTIVE_METRICS, against=baseline_of, label="diff"):
    """Each objective's difference to the objective `against` names for it (baseline_of:
    the ELBO trained for as many epochs; control_of: IWAE-k's k-sample ELBO) in every
    metric, over the seeds both were trained with (runs of one objective and seed
    averaged): its mean and 95% t and bootstrap intervals
    (mnist_vae.stats.paired_difference); NaN where there is nothing to compare with or no
    seed pairs. -> DataFrame indexed as by_objective's, columns (metric, label + " " +
    statistic)"""
    present = [metric for metric in metrics if metric in table]
    per_seed = table.groupby(["trained_on", "train.seed"])[present].mean()
    order = sorted(table["trained_on"].unique(), key=bound_order)
    rows = {}
    for objective in order:
        row, other = {}, against(objective)
        for metric in present:
            values = per_seed[metric]
            if other in (None, objective) or other not in values.index.get_level_values(0):
                continue
            ours, theirs = values.loc[objective], values.loc[other]
            seeds = ours.index.intersection(theirs.index)
            if len(seeds):
                difference = paired_difference(ours.loc[seeds], theirs.loc[seeds])
                row |= {(metric, f"{label} {key}"): value for key, value in difference.items()}
        rows[objective] = row
    columns = pd.MultiIndex.from_tuples(
        [(metric, f"{label} {key}") for metric in present for key in PAIRED_STATISTICS]
    )
    return pd.DataFrame.from_dict(rows, orient="index").reindex(index=order, columns=columns)


# The per-image quantities compared image by image, where a run's test_per_image.csv has them.
PER_IMAGE = ("log_px", "iwae", "elbo")


def paired_by_image(table, per_image, resamples=1999):
    """Each run's difference to the baseline run (baseline_of) of its seed (the first,
    where several share it), image by image over the test images both evaluated: the mean difference per
    image with its percentile bootstrap interval over images
    (mnist_vae.stats.paired_difference), for each of PER_IMAGE both tables have. How
    precisely the test images pin a difference down, seed by seed.
    table: summary_table's; per_image: {run: its test_per_image table}
    -> DataFrame, a row per run that has a baseline run of its seed"""
    is_baseline = table["trained_on"].map(baseline_of) == table["trained_on"]
    baselines = table[is_baseline].drop_duplicates(["trained_on", "train.seed"])
    baseline_runs = {
        (row["trained_on"], row["train.seed"]): row["run"] for _, row in baselines.iterrows()
    }
    rows = []
    for run in table[~is_baseline].to_dict("records"):
        name = run["run"]
        other = baseline_runs.get((baseline_of(run["trained_on"]), run["train.seed"]))
        if other is None or name not in per_image or other not in per_image:
            continue
        ours, theirs = (per_image[each].set_index("image") for each in (name, other))
        images = ours.index.intersection(theirs.index)
        row = {"run": name, "trained_on": run["trained_on"], "baseline": other}
        for quantity in PER_IMAGE:
            if quantity in ours and quantity in theirs:
                difference = paired_difference(
                    ours.loc[images, quantity],
                    theirs.loc[images, quantity],
                    resamples=resamples,
                    batch=200,  # 200 resamples of 10,000 images at a time: 16 MB
                )
                row |= {f"{quantity} diff {key}": value for key, value in difference.items()}
        rows.append(row)
    return pd.DataFrame(rows)


def over_training_by_objective(table, over_training):
    """The gaps over training of the runs trained on each bound, averaged over their seeds
    at each snapshot and split. table: summary_table's; over_training: {run: its
    gaps_over_training table} for the runs that have one -> {trained_on: DataFrame}, in
    bound_order"""
    curves = {}
    groups = table.groupby("trained_on")["run"]
    for objective, names in sorted(groups, key=lambda group: bound_order(group[0])):
        tables = [over_training[name] for name in names if name in over_training]
        if tables:
            curves[objective] = (
                pd.concat(tables)
                .groupby(["epoch", "split"], as_index=False)
                .mean(numeric_only=True)
            )
    return curves


def by_latent_dimension(table, metrics):
    """Mean, min and max over the runs (seeds) of each latent dimension.
    -> DataFrame indexed by model.latent_dim, columns (metric, statistic)"""
    present = [metric for metric in metrics if metric in table]
    return table.groupby("model.latent_dim")[present].agg(["mean", "min", "max", "count"])
