"""Decoded paths between two digits' posterior means."""

import matplotlib.pyplot as plt

from mnist_vae.report.drawing import show_digit


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
