"""Where the ELBO loses: the inference gap split per image."""

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from mnist_vae.report.drawing import show_digit


def gaps_figure(table, panels):
    """The inference gap of each image, sorted, split into its approximation and
    amortization parts; below, the images with the largest gaps and, under each, its exact
    posterior with the encoder's q_φ and the best Gaussian q*.
    table: inference_gaps' rows; panels: gap_panels' dicts"""
    total = (table["approximation_gap"] + table["amortization_gap"]).to_numpy()
    order = np.argsort(total, kind="stable")
    approximation = table["approximation_gap"].to_numpy()[order]
    amortization = table["amortization_gap"].to_numpy()[order]
    columns = max(len(panels), 1)
    fig = plt.figure(figsize=(max(12, 2.4 * columns), 11))
    grid = fig.add_gridspec(3, columns, height_ratios=[2.4, 0.9, 2])
    wide = max(columns - 2, 1)
    ax = fig.add_subplot(grid[0, :wide])
    rank = np.arange(1, len(order) + 1)
    ax.fill_between(
        rank,
        0,
        approximation,
        step="mid",
        color="tab:purple",
        alpha=0.8,
        label=f"approximation: log p(x) − ELBO(q*), mean {approximation.mean():.2f}",
    )
    ax.fill_between(
        rank,
        approximation,
        approximation + amortization,
        step="mid",
        color="tab:orange",
        alpha=0.8,
        label=f"amortization: ELBO(q*) − ELBO(q_φ), mean {amortization.mean():.2f}",
    )
    ax.set_xlabel("test images, sorted by log p(x) − ELBO(q_φ)")
    ax.set_ylabel("nats")
    ax.set_xlim(1, max(len(order), 2))
    ax.legend(loc="upper left", frameon=False)
    ax.set_title(f"Where the ELBO loses, per image ({len(order)} test images)")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    if columns > wide:  # the approximation gap alone, on its own scale
        ax = fig.add_subplot(grid[0, wide:])
        ax.fill_between(rank, 0, np.sort(approximation), step="mid", color="tab:purple")
        ax.set_xlim(1, max(len(order), 2))
        ax.set_xlabel("test images, sorted by it")
        ax.set_ylabel("nats")
        ax.set_title("The approximation gap alone")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    levels = [1e-4, 1e-3, 1e-2, 0.1, 0.5, 0.9]
    # q* dashed, so that the posterior it nearly covers shows through
    drawn = (
        ("log_p", "tab:red", "solid", "exact posterior p(z | x)"),
        ("log_q_optimal", "tab:blue", "dashed", "q*, the best Gaussian"),
        ("log_q_encoder", "tab:orange", "solid", "q_φ, the encoder's"),
    )
    for k, panel in enumerate(panels):
        label = "" if panel["label"] is None else f" (a {int(panel['label'])})"
        show_digit(fig.add_subplot(grid[1, k]), panel["x"], f"image {panel['image']}{label}")
        ax = fig.add_subplot(grid[2, k])
        for key, colour, style, _ in drawn:
            density = np.exp(panel[key] - panel[key].max())
            ax.contour(
                panel["z1"],
                panel["z2"],
                density,
                levels=levels,
                colors=colour,
                linestyles=style,
                linewidths=1,
            )
        ax.set_title(
            f"approx. {panel['approximation_gap']:.2f}\namort. {panel['amortization_gap']:.1f}",
            fontsize=9,
        )
        ax.set_xlabel("z₁")
        if k == 0:
            ax.set_ylabel("z₂")
        ax.set_aspect("equal", adjustable="datalim")
    handles = [
        plt.Line2D([], [], color=colour, linestyle=style, label=name)
        for _, colour, style, name in drawn
    ]
    fig.legend(
        handles=handles, loc="lower center", ncol=3, frameon=False, bbox_to_anchor=(0.5, 0.0)
    )
    fig.suptitle(
        "Inference gap = approximation gap + amortization gap (exact log p(x), Dz = 2); "
        "the largest gaps, with contours at 10⁻⁴…0.9 of each peak",
        fontsize=12,
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig
