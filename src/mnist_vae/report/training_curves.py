"""The training curves of one run."""

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np


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
