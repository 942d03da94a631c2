"""The decoded latent plane (Dz = 2)."""

import matplotlib.pyplot as plt
import numpy as np

from mnist_vae.report.drawing import SIDE


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
