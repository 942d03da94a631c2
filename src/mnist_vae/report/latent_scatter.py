"""The training images' posterior means in the latent space."""

import matplotlib.pyplot as plt


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
