"""Figures across runs: bounds against the latent dimension, training curves side by side."""

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd


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
