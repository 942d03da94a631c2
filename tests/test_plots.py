"""What the figures show, read back from the matplotlib objects."""

import numpy as np
import pandas as pd

from mnist_vae.report.training_curves import training_curves_figure


def history(log_px):
    return pd.DataFrame(
        {
            "epoch": [1, 2, 3],
            "train_elbo": [-200.0, -150.0, -140.0],
            "heldout_elbo": [-190.0, -148.0, -139.0],
            "heldout_log_px": log_px,
        }
    )


def test_training_curves_without_log_px_name_only_the_elbo_and_show_all_of_it():
    fig = training_curves_figure(history([np.nan] * 3))
    (ax,) = fig.axes
    assert ax.get_title() == "ELBO during training"
    low, high = ax.get_ylim()
    assert low < -200 and high > -139


def test_training_curves_tick_whole_epochs():
    fig = training_curves_figure(history([-180.0, np.nan, -130.0]))
    for ax in fig.axes:
        ticks = [t for t in ax.get_xticks() if 1 <= t <= 3]
        assert ticks == [int(t) for t in ticks]
    assert fig.axes[0].get_ylim()[1] > -130
