"""Every run side by side: one row per run with the settings that tell the runs apart and
every metric, as tidy data (pandas reads it in one call). Imports no torch."""

import pandas as pd

# Always shown, even when all runs agree: what a reader looks for first.
KEY_SETTINGS = ("model.latent_dim", "train.seed", "train.epochs")


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


def summary_table(runs):
    """runs: {name: {"config": the config files it was built with, "settings": its
    distinguishing_settings, "metrics": metrics.json, "inpainting": inpainting_metrics.json,
    "gaps": gaps.json or None, "history": history table}} -> DataFrame, one row per run"""
    rows = []
    for name, run in runs.items():
        history = run["history"]
        rows.append(
            {
                "run": name,
                "config": run["config"],
                **run["settings"],
                **flatten(run["metrics"]),
                **flatten(run["inpainting"], "inpainting."),
                **flatten(run.get("gaps") or {}, "gaps."),
                "train.seconds": float(history["seconds"].sum()),
                "train.final_train_elbo": float(history["train_elbo"].iloc[-1]),
            }
        )
    return pd.DataFrame(rows)


def by_latent_dimension(table, metrics):
    """Mean, min and max over the runs (seeds) of each latent dimension.
    -> DataFrame indexed by model.latent_dim, columns (metric, statistic)"""
    present = [metric for metric in metrics if metric in table]
    return table.groupby("model.latent_dim")[present].agg(["mean", "min", "max", "count"])
