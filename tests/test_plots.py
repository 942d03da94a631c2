"""What the figures show, read back from the matplotlib objects."""

import numpy as np
import pandas as pd
import pytest

from mnist_vae.report.completions import completions_figure
from mnist_vae.report.contours import contours_figure
from mnist_vae.report.gaps import gaps_figure
from mnist_vae.report.gaps_over_training import gaps_over_training_figure
from mnist_vae.report.interpolation import interpolation_figure
from mnist_vae.report.latent_scatter import latent_scatter_figure
from mnist_vae.report.manifold import manifold_figure
from mnist_vae.report.samples import samples_figure
from mnist_vae.report.summary import (
    latent_dimension_figure,
    objectives_figure,
    objectives_over_training_figure,
    runs_training_curves_figure,
)
from mnist_vae.report.training_curves import training_curves_figure
from mnist_vae.runs.summary import by_latent_dimension, by_objective, paired_by_objective


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


def test_the_objectives_figure_draws_each_objectives_paired_difference_with_its_interval():
    table = pd.DataFrame(
        {
            "trained_on": ["ELBO", "ELBO", "IWAE-5", "IWAE-5"],
            "train.seed": [0, 1, 0, 1],
            "test.log_px_quadrature.mean": [-140.0, -139.0, -138.0, -136.0],
        }
    )
    fig = objectives_figure(by_objective(table), paired_by_objective(table))
    difference = fig.axes[-1]
    assert len(fig.axes) == 4 and difference.get_title().startswith("Difference to ELBO")
    (points, _, (bars,)) = difference.containers[0]
    assert np.isnan(points.get_ydata()[0])  # the ELBO against itself: nothing drawn
    assert points.get_ydata()[1] == 2.5  # IWAE-5 − ELBO: +2 and +3 on seeds 0 and 1
    low, high = bars.get_segments()[1][:, 1]
    half = 12.706204736174698 * np.std([2.0, 3.0], ddof=1) / np.sqrt(2)  # t(1) 97.5%
    assert (low, high) == pytest.approx((2.5 - half, 2.5 + half))


def test_the_objectives_figure_has_no_difference_panel_without_pairs():
    assert len(objectives_figure(objective_stats(), None).axes) == 3


def over_training_table():
    """gaps_over_training's means for two snapshots of each split."""
    rows = []
    for epoch in (1, 10):
        for split, offset in (("train", 0.0), ("test", -5.0)):
            rows.append(
                {
                    "epoch": epoch,
                    "split": split,
                    "n_images": 4,
                    "log_px.mean": -150.0 + epoch + offset,
                    "elbo_optimal.mean": -151.0 + epoch + offset,
                    "elbo_encoder.mean": -155.0 + epoch + offset,
                    "approximation_gap.mean": 1.0,
                    "amortization_gap.mean": 4.0 + epoch,
                }
            )
    return pd.DataFrame(rows)


def plotted(ax):
    """{label: y data} of an axes' labelled lines."""
    return {line.get_label(): list(line.get_ydata()) for line in ax.lines}


def test_the_gaps_over_training_figure_plots_each_splits_three_bounds_per_snapshot():
    table = over_training_table()
    fig = gaps_over_training_figure(table)
    for ax, split in zip(fig.axes, ("train", "test"), strict=True):
        rows = table[table["split"] == split]
        lines = plotted(ax)
        assert lines["log p(x), exact"] == rows["log_px.mean"].tolist()
        assert lines["ELBO(q*), best Gaussian"] == rows["elbo_optimal.mean"].tolist()
        assert lines["ELBO(q_φ), encoder"] == rows["elbo_encoder.mean"].tolist()
        assert len(ax.collections) == 2  # the two gaps shaded
        assert ax.get_title() == f"4 {split} images"


def test_the_objectives_over_training_figure_plots_both_gaps_of_every_objective_and_split():
    curves = {"ELBO": over_training_table(), "IWAE-5": over_training_table()}
    fig = objectives_over_training_figure(curves)
    amortization, approximation = fig.axes[:2]
    for objective, table in curves.items():
        for split in ("test", "train"):
            rows = table[table["split"] == split]
            label = f"{objective}, {split}"
            assert plotted(amortization)[label] == rows["amortization_gap.mean"].tolist()
            assert plotted(approximation)[label] == rows["approximation_gap.mean"].tolist()


def gap_panel(image, centre, approximation=0.25, amortization=2.0):
    """A gap_panels dict whose three densities peak at `centre`."""
    z1 = z2 = np.linspace(-3, 3, 31)
    grid = np.add.outer((z2 - centre[1]) ** 2, (z1 - centre[0]) ** 2)
    return {
        "image": image,
        "label": 3,
        "x": digits(1)[0],
        "z1": z1,
        "z2": z2,
        "log_p": -grid,
        "log_q_optimal": -1.2 * grid,
        "log_q_encoder": -2 * grid,
        "approximation_gap": approximation,
        "amortization_gap": amortization,
    }


def test_the_gaps_figure_states_the_tables_mean_gaps_and_draws_each_panels_three_densities():
    table = pd.DataFrame(
        {"approximation_gap": [0.1, 0.3, 0.2, 0.6], "amortization_gap": [2.0, 1.0, 4.0, 3.0]}
    )
    panels = [gap_panel(7, (0.5, -1.0), 0.25, 2.0), gap_panel(9, (-1.0, 0.0), 0.5, 13.0)]
    fig = gaps_figure(table, panels)
    labels = [text for ax in fig.axes for text in ax.get_legend_handles_labels()[1]]
    assert "approximation: log p(x) − ELBO(q*), mean 0.30" in labels
    assert "amortization: ELBO(q*) − ELBO(q_φ), mean 2.50" in labels
    contoured = [ax for ax in fig.axes if ax.get_xlabel() == "z₁"]
    assert len(contoured) == len(panels)
    titles = ["approx. 0.25\namort. 2.0", "approx. 0.50\namort. 13.0"]
    for ax, title in zip(contoured, titles, strict=True):
        assert len(ax.collections) == 3  # p, q* and q_φ, one contour set each
        assert ax.get_title() == title


def test_the_contours_figure_draws_p_and_q_and_marks_qs_mean_for_every_digit():
    panels = [
        {**gap_panel(i, (0.0, 0.0)), "digit": i, "log_q": gap_panel(i, (1, 1))["log_p"]}
        for i in (4, 5)
    ]
    for panel in panels:
        panel["mu_q"], panel["encoder_mean"] = np.array([1.0, 1.0]), np.array([0.2, -0.4])
    fig = contours_figure(panels, latent_dim=2)
    planes = [ax for ax in fig.axes if ax.get_xlabel() == "z₁"]
    assert len(planes) == len(panels)
    for ax in planes:
        assert len(ax.collections) == 2  # p and q
        markers = {line.get_marker(): list(line.get_xydata()[0]) for line in ax.lines}
        assert markers == {"+": [1.0, 1.0], "x": [0.2, -0.4]}


def test_the_latent_dimension_figure_plots_each_bounds_mean_over_seeds_per_dimension():
    table = pd.DataFrame(
        {
            "run": ["a", "b", "c"],
            "model.latent_dim": [2, 2, 5],
            "test.elbo.mean": [-150.0, -148.0, -110.0],
            "test.iwae.mean": [-146.0, -144.0, -105.0],
        }
    )
    fig = latent_dimension_figure(by_latent_dimension(table, ["test.elbo.mean", "test.iwae.mean"]))
    (ax,) = fig.axes
    means = {bars.get_label(): list(bars.lines[0].get_ydata()) for bars in ax.containers}
    assert means == {"test ELBO": [-149.0, -110.0], "test IWAE bound": [-145.0, -105.0]}


def test_the_runs_training_curves_figure_has_every_runs_heldout_elbo():
    histories = {"a": history([np.nan] * 3), "b": history([np.nan] * 3).assign(heldout_elbo=-100)}
    (ax,) = runs_training_curves_figure(histories).axes
    assert plotted(ax) == {"a": [-190.0, -148.0, -139.0], "b": [-100, -100, -100]}
