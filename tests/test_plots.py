"""What the figures show, read back from the matplotlib objects."""

import numpy as np
import pandas as pd

from mnist_vae.report.completions import completions_figure
from mnist_vae.report.interpolation import interpolation_figure
from mnist_vae.report.latent_scatter import latent_scatter_figure
from mnist_vae.report.manifold import manifold_figure
from mnist_vae.report.samples import samples_figure
from mnist_vae.report.summary import objectives_figure
from mnist_vae.report.training_curves import training_curves_figure
from mnist_vae.runs.summary import by_objective


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


def digits(n, seed=0):
    """n random digit-sized images in [0, 1]. -> (n, 784)"""
    return np.random.default_rng(seed).random((n, 784))


def shows_data(ax):
    """Whether an axes draws something: an image that is not uniform, a line, a filled area
    or scattered points."""
    images = [np.ma.filled(np.ma.masked_invalid(im.get_array()), 0) for im in ax.images]
    return any(np.ptp(image) > 0 for image in images) or bool(ax.lines) or bool(ax.collections)


def test_the_samples_figure_has_a_drawn_panel_for_every_mean_and_sample():
    fig = samples_figure(digits(10), digits(10, seed=1) > 0.5)
    assert len(fig.axes) == 20 and all(shows_data(ax) for ax in fig.axes)


def test_the_completions_figure_has_a_drawn_panel_for_every_original_and_completion():
    fig = completions_figure(digits(6), digits(6, seed=1), list(range(6)))
    assert len(fig.axes) == 12 and all(shows_data(ax) for ax in fig.axes)


def test_the_interpolation_figure_has_both_ends_and_every_step_of_every_pair():
    means = digits(3 * 8).reshape(3, 8, 784)
    fig = interpolation_figure(
        digits(3), digits(3, 1), means, np.linspace(0, 1, 8), [1] * 3, [7] * 3
    )
    assert len(fig.axes) == 3 * 10 and all(shows_data(ax) for ax in fig.axes)


def test_the_manifold_is_one_canvas_of_every_decoded_point():
    points = 5
    z = np.stack(np.meshgrid(np.linspace(-2, 2, points), np.linspace(2, -2, points)), -1)
    fig = manifold_figure(z, digits(points * points).reshape(points, points, 784))
    (ax,) = fig.axes
    assert ax.images[0].get_array().shape == (points * 28, points * 28) and shows_data(ax)


def test_the_latent_scatter_draws_every_digit_class():
    rng = np.random.default_rng(0)
    points, labels = rng.normal(size=(200, 2)), np.arange(200) % 10
    fig = latent_scatter_figure(points, labels, ("z₁", "z₂"), "latent means")
    (ax,) = fig.axes
    assert len(ax.collections) == 10
    assert sum(len(c.get_offsets()) for c in ax.collections) == 200


def objective_stats():
    """by_objective of a summary table of two objectives, two seeds each."""
    table = pd.DataFrame(
        {
            "trained_on": ["ELBO", "ELBO", "ELBO, KL warm-up 10 epochs", "IWAE-5"],
            "test.log_px_quadrature.mean": [-140.0, -139.0, -139.5, -138.0],
            "test.iwae.mean": [-147.0, -146.0, -146.5, -141.0],
            "test.elbo.mean": [-155.0, -154.0, -154.5, -158.0],
            "gaps.approximation_gap.mean": [0.1, 0.2, 0.15, 0.2],
            "gaps.amortization_gap.mean": [14.0, 15.0, 14.5, 18.0],
            "gaps_train.approximation_gap": [0.1, 0.1, 0.1, 0.1],
            "gaps_train.amortization_gap": [3.0, 4.0, 3.5, 8.0],
        }
    )
    return by_objective(table)


def test_the_objectives_figure_gives_the_bounds_and_each_gap_its_own_axes():
    fig = objectives_figure(objective_stats())
    bounds, amortization, approximation = fig.axes
    assert len(bounds.get_legend().get_texts()) == 3  # log p(x), IWAE, ELBO
    for ax in (amortization, approximation):
        assert len(ax.patches) == 2 * 3  # test and train, for each objective
    heights = [patch.get_height() for patch in amortization.patches]
    assert max(heights) == 18.0 and max(p.get_height() for p in approximation.patches) == 0.2
    assert [label.get_text() for label in bounds.get_xticklabels()][
        1
    ] == "ELBO,\nKL warm-up 10 epochs"
