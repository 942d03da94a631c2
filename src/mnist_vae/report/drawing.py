"""Drawing for people: digits in grayscale without ticks, titled panels, labelled axes;
figures written whole or not at all."""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from mnist_vae.storage.files import atomic_write

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
