"""The inference gap's two parts over training."""

import matplotlib.pyplot as plt


def gaps_over_training_figure(table):
    """log p(x), ELBO(q*) and ELBO(q_φ) against epoch for training and test images, the
    approximation and amortization gaps shaded between them. table: gaps_over_training's"""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True, squeeze=False)
    for ax, split in zip(axes[0], ("train", "test"), strict=True):
        rows = table[table["split"] == split].sort_values("epoch")
        epoch = rows["epoch"].to_numpy()
        log_px, optimal, encoder = (
            rows[f"{column}.mean"].to_numpy()
            for column in ("log_px", "elbo_optimal", "elbo_encoder")
        )
        ax.fill_between(
            epoch, optimal, log_px, color="tab:purple", alpha=0.3, label="approximation gap"
        )
        ax.fill_between(
            epoch, encoder, optimal, color="tab:orange", alpha=0.3, label="amortization gap"
        )
        ax.plot(epoch, log_px, "o-", color="tab:green", label="log p(x), exact")
        ax.plot(epoch, optimal, "o-", color="tab:purple", label="ELBO(q*), best Gaussian")
        ax.plot(epoch, encoder, "o-", color="tab:orange", label="ELBO(q_φ), encoder")
        if len(epoch) > 1 and epoch.max() / epoch.min() >= 10:
            ax.set_xscale("log")
        ax.set_xticks(epoch, [str(e) for e in epoch])
        ax.minorticks_off()
        ax.set_xlabel("epoch (weight snapshot)")
        ax.set_title(f"{int(rows['n_images'].iloc[0])} {split} images")
    axes[0, 0].set_ylabel("nats per image")
    axes[0, 0].legend(loc="lower right", frameon=False)
    fig.suptitle("Where the ELBO loses over training (exact log p(x), Dz = 2)")
    fig.tight_layout()
    return fig
