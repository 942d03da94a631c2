"""Bottom halves completed from the top halves."""

import matplotlib.pyplot as plt

from mnist_vae.report.drawing import SIDE, show_digit


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
