"""The training curves of one run, and of several runs overlaid."""

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd


def training_curves_figure(history):
    """history: DataFrame with epoch, train_elbo, heldout_elbo and heldout_log_px (NaN in
    the epochs without it), and where the bound trained on was not the ELBO, objective (its
    name) and train_objective (its value); the exact values are drawn as points joined by
    lines."""
    monitored = history[history["heldout_log_px"].notna()]
    exact = len(monitored) > 0
    fig, axes = plt.subplots(
        1, 2 if exact else 1, figsize=(12 if exact else 6.5, 4.5), squeeze=False
    )
    ax = axes[0, 0]
    ax.plot(history["epoch"], history["train_elbo"], label="train ELBO")
    if "train_objective" in history.columns:  # trained on another bound: say which
        names = history["objective"].unique()
        trained = names[0] if len(names) == 1 else "ELBO with its KL term warmed up"
        label = f"train {trained}, the bound trained on"
        ax.plot(history["epoch"], history["train_objective"], "--", label=label)
    ax.plot(history["epoch"], history["heldout_elbo"], label="held-out ELBO")
    if exact:
        ax.plot(
            monitored["epoch"],
            monitored["heldout_log_px"],
            "o-",
            markersize=3,
            label="held-out log p(x), quadrature",
        )
    ax.set_ylabel("nats per image")
    ax.set_title(
        "Bounds and exact log-likelihood during training" if exact else "ELBO during training"
    )
    # The first tenth of training (far below the rest) is cut off below, nothing above.
    drawn = ["train_elbo", "heldout_elbo"]
    later = history[drawn].iloc[len(history) // 10 :]
    high = max(history[drawn].max().max(), monitored["heldout_log_px"].max() if exact else -np.inf)
    ax.set_ylim(later.min().min() - 5, high + 5)
    ax.legend()
    if exact:
        gap = monitored["heldout_log_px"] - monitored["heldout_elbo"]
        ax = axes[0, 1]
        ax.plot(monitored["epoch"], gap, "o-", markersize=3, color="tab:purple")
        ax.set_ylabel("nats per image")
        ax.set_title("KL(q(z|x) ‖ p(z|x)) = log p(x) − ELBO, held-out")
    for ax in axes.flat:
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    fig.tight_layout()
    return fig


def compared_training_curves_figure(histories):
    """histories: {label: history table}, each run in its own colour: left, the held-out
    ELBO (solid) and the training ELBO (dashed); right, where any run has it, the held-out
    exact log p(x)."""
    exact = any(history["heldout_log_px"].notna().any() for history in histories.values())
    fig, axes = plt.subplots(
        1, 2 if exact else 1, figsize=(12 if exact else 6.5, 4.5), squeeze=False
    )
    colours = plt.get_cmap("tab10")
    for i, (label, history) in enumerate(histories.items()):
        left = axes[0, 0]
        left.plot(
            history["epoch"], history["heldout_elbo"], color=colours(i), label=f"{label}, held-out"
        )
        left.plot(
            history["epoch"], history["train_elbo"], "--", color=colours(i), label=f"{label}, train"
        )
        monitored = history[history["heldout_log_px"].notna()]
        if exact and len(monitored):
            axes[0, 1].plot(
                monitored["epoch"],
                monitored["heldout_log_px"],
                "o-",
                markersize=3,
                color=colours(i),
                label=label,
            )
    later = pd.concat(
        [h[["train_elbo", "heldout_elbo"]].iloc[len(h) // 10 :] for h in histories.values()]
    )
    axes[0, 0].set_ylim(later.min().min() - 5, later.max().max() + 5)
    axes[0, 0].set_title("ELBO during training")
    if exact:
        axes[0, 1].set_title("Held-out log p(x), quadrature")
    for ax in axes.flat:
        ax.set_xlabel("epoch")
        ax.set_ylabel("nats per image")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
