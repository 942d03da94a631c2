"""Figures for people: digits in grayscale without ticks, titled panels, labelled axes."""

from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from mnist_vae.pipeline.files import atomic_write  # noqa: E402
from mnist_vae.settings import is_planar  # noqa: E402

DPI = 150
SIDE = 28
SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def save(fig, path):
    """Write the figure to `path` (format from its suffix), whole or not at all."""
    try:
        with atomic_write(path) as f:
            fig.savefig(f, format=Path(path).suffix[1:], dpi=DPI, bbox_inches="tight")
    finally:
        plt.close(fig)


def as_image(pixels):
    return np.asarray(pixels, dtype=float).reshape(SIDE, SIDE)


def show_digit(ax, pixels, title=None, **title_options):
    ax.imshow(as_image(pixels), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=9, **title_options)


def digit_rows(rows, row_titles, suptitle, column_titles=None):
    """A grid of digits: rows is a list of (n, 784) arrays, one per row."""
    n = len(rows[0])
    fig, axes = plt.subplots(
        len(rows), n, figsize=(1.1 * n + 1.2, 1.2 * len(rows) + 0.6), squeeze=False
    )
    for r, (row, name) in enumerate(zip(rows, row_titles, strict=True)):
        for c, pixels in enumerate(row):
            title = column_titles[c] if column_titles is not None and r == 0 else None
            show_digit(axes[r, c], pixels, title)
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=10)
    fig.suptitle(suptitle, fontsize=12)
    fig.tight_layout()
    return fig


def samples_figure(means, binary):
    return digit_rows(
        [means, binary],
        ["Bernoulli\nmeans", "binary\nsamples"],
        f"Ancestral samples: {len(means)} draws z ~ p(z), decoded",
    )


def manifold_figure(z, means):
    """z: (P, P, 2) grid, means: (P, P, 784) with row 0 at the largest z₂."""
    points = z.shape[0]
    canvas = means.reshape(points, points, SIDE, SIDE).transpose(0, 2, 1, 3)
    canvas = canvas.reshape(points * SIDE, points * SIDE)
    fig, ax = plt.subplots(figsize=(8, 8))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1)
    centres = np.arange(points) * SIDE + SIDE / 2
    ticks = np.linspace(0, points - 1, min(points, 5)).round().astype(int)
    ax.set_xticks(centres[ticks], [f"{z[0, i, 0]:.2f}" for i in ticks])
    ax.set_yticks(centres[ticks], [f"{z[i, 0, 1]:.2f}" for i in ticks])
    ax.set_xlabel("z₁")
    ax.set_ylabel("z₂")
    ax.set_title("Decoded Bernoulli means over the latent space (grid of Gaussian quantiles)")
    return fig


def latent_scatter_figure(points, labels, axis_names, title):
    fig, ax = plt.subplots(figsize=(8, 7))
    colours = plt.get_cmap("tab10")
    for digit in range(10):
        chosen = labels == digit
        ax.scatter(
            points[chosen, 0],
            points[chosen, 1],
            s=3,
            alpha=0.6,
            color=colours(digit),
            label=str(digit),
            linewidths=0,
        )
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    ax.set_title(title)
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(
        title="digit", markerscale=4, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False
    )
    fig.tight_layout()
    return fig


def interpolation_figure(start, end, means, alphas, start_labels, end_labels):
    """start, end: (P, 784) real digits; means: (P, A, 784) along the path."""
    pairs, steps = means.shape[:2]
    fig, axes = plt.subplots(
        pairs, steps + 2, figsize=(1.1 * (steps + 2), 1.35 * pairs + 0.7), squeeze=False
    )
    for p in range(pairs):
        show_digit(axes[p, 0], start[p], f"real {start_labels[p]}", color="tab:blue")
        show_digit(axes[p, -1], end[p], f"real {end_labels[p]}", color="tab:blue")
        for a in range(steps):
            show_digit(axes[p, a + 1], means[p, a], f"α={alphas[a]:.2f}" if p == 0 else None)
    fig.suptitle(
        "Interpolating between the encoded means of two digits: z = α·z_a + (1−α)·z_b", fontsize=12
    )
    fig.tight_layout()
    return fig


def contours_figure(panels, latent_dim):
    """panels: dicts with digit, label, x (784,), z1, z2, log_p, log_q (indexed [z2, z1]),
    mu_q and encoder_mean."""
    fig, axes = plt.subplots(
        2, len(panels), figsize=(4.2 * len(panels), 6.4), height_ratios=[1, 3], squeeze=False
    )
    # Levels spanning orders of magnitude, so that a second mode of p shows up too.
    levels = [1e-4, 1e-3, 1e-2, 0.1, 0.5, 0.9]
    unseen = plt.get_cmap("gray").with_extremes(bad="0.85")
    for i, panel in enumerate(panels):
        top = np.full((SIDE, SIDE), np.nan)
        top[: SIDE // 2] = as_image(panel["x"])[: SIDE // 2]
        axes[0, i].imshow(top, cmap=unseen, vmin=0, vmax=1)
        axes[0, i].text(
            SIDE / 2 - 0.5, 3 * SIDE / 4, "not seen", ha="center", va="center", fontsize=8
        )
        axes[0, i].set_xticks([])
        axes[0, i].set_yticks([])
        axes[0, i].set_title(
            f"test digit {panel['digit']} (a {panel['label']}): the input", fontsize=9
        )
        ax = axes[1, i]
        for log_density, colour in ((panel["log_p"], "tab:red"), (panel["log_q"], "tab:blue")):
            density = np.exp(log_density - log_density.max())
            ax.contour(
                panel["z1"], panel["z2"], density, levels=levels, colors=colour, linewidths=1
            )
        ax.plot(*panel["mu_q"][:2], "+", color="tab:blue", markersize=12, mew=2)
        ax.plot(*panel["encoder_mean"][:2], "x", color="black", markersize=9, mew=2)
        ax.set_xlabel("z₁")
        ax.set_ylabel("z₂")
        ax.set_aspect("equal", adjustable="datalim")
    # Contours at fractions of the peak are the same for p(z, top) and p(z | top).
    exact_label = (
        "exact posterior p(z | top half)"
        if is_planar(latent_dim)
        else "p(z, top half) on the slice"
    )
    handles = [
        plt.Line2D([], [], color="tab:red", label=exact_label),
        plt.Line2D([], [], color="tab:blue", label="fitted q(z)"),
        plt.Line2D(
            [], [], color="tab:blue", marker="+", ls="", markersize=10, mew=2, label="mean of q"
        ),
        plt.Line2D(
            [],
            [],
            color="black",
            marker="x",
            ls="",
            markersize=8,
            mew=2,
            label="encoder mean, whole digit",
        ),
    ]
    fig.legend(
        handles=handles, loc="lower center", ncol=4, frameon=False, bbox_to_anchor=(0.5, -0.02)
    )
    title = "Posterior over z given the top half: contours at 10⁻⁴, 10⁻³, 10⁻², 0.1, 0.5, 0.9 of each peak"
    if not is_planar(latent_dim):
        last = str(latent_dim).translate(SUBSCRIPT_DIGITS)
        title += f"\n(a slice through q's mean: z₃…z{last} held fixed)"
    fig.suptitle(title, fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def completions_figure(originals, completed, labels):
    """originals, completed: (n, 784); the completion keeps the true top half."""
    n = len(originals)
    fig, axes = plt.subplots(2, n, figsize=(1.15 * n + 1.4, 3.2), squeeze=False)
    for c in range(n):
        show_digit(axes[0, c], originals[c], f"a {labels[c]}")
        show_digit(axes[1, c], completed[c])
        axes[1, c].axhline(SIDE / 2 - 0.5, color="tab:red", linewidth=1)
    axes[0, 0].set_ylabel("original", rotation=0, ha="right", va="center")
    axes[1, 0].set_ylabel("true top +\npredicted\nbottom", rotation=0, ha="right", va="center")
    fig.suptitle(
        "Inpainting: bottom half predicted from the top half (mean over z ~ q)", fontsize=12
    )
    fig.tight_layout()
    return fig


def training_curves_figure(history):
    """history: DataFrame with epoch, train_elbo, heldout_elbo and heldout_log_px (NaN in
    the epochs without it); the exact values are drawn as points joined by lines."""
    monitored = history[history["heldout_log_px"].notna()]
    exact = len(monitored) > 0
    fig, axes = plt.subplots(
        1, 2 if exact else 1, figsize=(12 if exact else 6.5, 4.5), squeeze=False
    )
    ax = axes[0, 0]
    ax.plot(history["epoch"], history["train_elbo"], label="train ELBO")
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
