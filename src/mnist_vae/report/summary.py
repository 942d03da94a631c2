"""Figures across runs: bounds against the latent dimension, training curves side by side."""

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from mnist_vae.runs.summary import BASELINE
from mnist_vae.stats import t_half_width


def latent_dimension_figure(stats):
    """stats: by_latent_dimension of the summary table, the mean over seeds drawn with the
    range (min to max) as error bars."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    names = {
        "test.elbo.mean": "test ELBO",
        "test.iwae.mean": "test IWAE bound",
        "test.log_px_quadrature.mean": "test log p(x), exact (Dz = 2)",
    }
    dims = stats.index.to_numpy()
    for metric, label in names.items():
        if metric not in stats.columns.get_level_values(0):
            continue
        mean, low, high = (stats[(metric, s)].to_numpy(float) for s in ("mean", "min", "max"))
        shown = ~np.isnan(mean)
        ax.errorbar(
            dims[shown],
            mean[shown],
            yerr=[(mean - low)[shown], (high - mean)[shown]],
            fmt="o-",
            capsize=4,
            label=label,
        )
    runs = stats.xs("count", axis=1, level=1).max(axis=1)
    ax.set_xscale("log")
    ax.set_xticks(dims, [str(d) for d in dims])
    ax.minorticks_off()
    ax.set_xlabel("latent dimension Dz")
    ax.set_ylabel("nats per test image")
    most = int(runs.max())
    spread = "one run per Dz" if most == 1 else f"mean over up to {most} runs per Dz, bars: range"
    ax.set_title(f"Test bounds against latent dimension ({spread})")
    ax.legend()
    fig.tight_layout()
    return fig


def runs_training_curves_figure(histories):
    """histories: {run: history table}; the held-out ELBO of every run on one plot."""
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, history in histories.items():
        ax.plot(history["epoch"], history["heldout_elbo"], label=name, linewidth=1)
    later = pd.concat([h["heldout_elbo"].iloc[len(h) // 10 :] for h in histories.values()])
    ax.set_ylim(later.min() - 5, later.max() + 5)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("held-out ELBO, nats per image")
    ax.set_title("Held-out ELBO during training, every run")
    ax.legend(fontsize=7, ncol=max(1, len(histories) // 12), loc="lower right")
    fig.tight_layout()
    return fig


BOUNDS = {
    "test.log_px_quadrature.mean": "test log p(x), exact",
    "test.iwae.mean": "test IWAE bound",
    "test.elbo.mean": "test ELBO",
}
# Each gap on its own axes: the amortization gap can be a hundred times the approximation gap.
GAPS = {
    "amortization": {
        "gaps.amortization_gap.mean": ("test", ""),
        "gaps_train.amortization_gap": ("train, last snapshot", "//"),
    },
    "approximation": {
        "gaps.approximation_gap.mean": ("test", ""),
        "gaps_train.approximation_gap": ("train, last snapshot", "//"),
    },
}
GAP_COLOURS = {"amortization": "tab:orange", "approximation": "tab:purple"}


def interval(stats, metric):
    """The mean over seeds and the half-width of its 95% t interval (0 for one seed)."""
    mean = stats[(metric, "mean")].to_numpy(float)
    return mean, t_half_width(stats[(metric, "std")], stats[(metric, "count")])


def objectives_figure(stats, paired=None):
    """stats: by_objective of the summary table. Left, the exact log p(x) and both bounds
    per training objective; then the amortization and the approximation gap on test and
    training images; mean over seeds, bars: its 95% t interval. With `paired`
    (paired_by_objective's), a fourth panel: each objective's difference to the baseline
    in the exact log p(x) and both bounds, seed by seed, with its 95% t interval."""
    compared = paired is not None and paired.notna().any().any()
    panels = 4 if compared else 3
    fig, (left, *gap_axes) = plt.subplots(1, panels, figsize=(5.7 * panels, 5))
    if compared:
        *gap_axes, difference_axes = gap_axes
        paired_differences(difference_axes, paired, stats.index)
    names = [name.replace(", ", ",\n") for name in stats.index]
    x = np.arange(len(names))
    present = stats.columns.get_level_values(0)
    for offset, (metric, label) in zip((-0.1, 0, 0.1), BOUNDS.items(), strict=True):
        if metric in present:
            mean, half = interval(stats, metric)
            left.errorbar(x + offset, mean, yerr=half, fmt="o", capsize=4, label=label)
    left.set_ylabel("nats per test image")
    left.set_title("Exact log p(x) and the bounds")
    left.legend()
    for ax, (gap, metrics) in zip(gap_axes, GAPS.items(), strict=True):
        shown = [metric for metric in metrics if metric in present]
        width = 0.8 / max(len(shown), 1)
        for i, metric in enumerate(shown):
            label, hatch = metrics[metric]
            mean, half = interval(stats, metric)
            ax.bar(
                x + (i - (len(shown) - 1) / 2) * width,
                mean,
                width,
                yerr=half,
                capsize=3,
                color=GAP_COLOURS[gap],
                hatch=hatch,
                edgecolor="black" if hatch else "white",
                label=label,
            )
        ax.set_ylabel("nats per image")
        ax.set_title(f"The {gap} gap")
        if shown:
            ax.legend()
    most = int(stats.xs("count", axis=1, level=1).max().max())
    seeds = "1 seed" if most == 1 else f"up to {most} seeds, 95% t interval"
    for ax in fig.axes:
        ax.set_xticks(x, names, multialignment="center")
        ax.set_xlabel(f"trained on (mean over {seeds})")
    fig.tight_layout()
    return fig


def paired_differences(ax, paired, objectives):
    """Each objective's paired difference to the baseline in the exact log p(x) and both
    bounds: the mean over paired seeds, bars its 95% t interval (none with one pair)."""
    x = np.arange(len(objectives))
    present = paired.columns.get_level_values(0)
    for offset, (metric, label) in zip((-0.1, 0, 0.1), BOUNDS.items(), strict=True):
        if metric not in present:
            continue
        rows = paired[metric].reindex(objectives)
        mean = rows["diff mean"].to_numpy(float)
        below = np.nan_to_num(mean - rows["diff t_low"].to_numpy(float))
        above = np.nan_to_num(rows["diff t_high"].to_numpy(float) - mean)
        ax.errorbar(x + offset, mean, yerr=[below, above], fmt="o", capsize=4, label=label)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_ylabel(f"nats per test image, minus {BASELINE}'s of the same seed and epochs")
    ax.set_title(f"Difference to {BASELINE}, paired by seed (95% t interval)")
    ax.legend()


def objectives_over_training_figure(curves):
    """curves: {objective: gaps_over_training's rows, averaged over its seeds}. The
    amortization gap (on a log scale) and the approximation gap against epoch, one colour
    per objective; test images solid, training images dashed."""
    fig, (amortization, approximation) = plt.subplots(1, 2, figsize=(13, 5.6), layout="constrained")
    colours = plt.get_cmap("tab10")
    for i, (objective, table) in enumerate(curves.items()):
        for split, style in (("test", "-"), ("train", "--")):
            rows = table[table["split"] == split].sort_values("epoch")
            for ax, gap in ((amortization, "amortization"), (approximation, "approximation")):
                ax.plot(
                    rows["epoch"],
                    rows[f"{gap}_gap.mean"],
                    style,
                    marker="o",
                    markersize=3,
                    color=colours(i),
                    label=f"{objective}, {split}",
                )
    # IWAE-k's encoders can lose a hundred times the ELBO's: a log scale shows both
    amortization.set_yscale("log")
    amortization.set_title("Amortization gap over training: ELBO(q*) − ELBO(q_φ)")
    approximation.set_title("Approximation gap over training: log p(x) − ELBO(q*)")
    for ax in (amortization, approximation):
        ax.set_xlabel("epoch")
        ax.set_ylabel("nats per image")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    # below both panels, where it hides no line
    fig.legend(*amortization.get_legend_handles_labels(), loc="outside lower center", ncol=4)
    return fig
