"""p(z | top half) against the fitted q, on the latent plane."""

import matplotlib.pyplot as plt
import numpy as np

from mnist_vae.report.drawing import SIDE, SUBSCRIPT_DIGITS, as_image
from mnist_vae.settings import is_planar


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
