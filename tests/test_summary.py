import math

import numpy as np
import pandas as pd
import pytest

from mnist_vae.runs.summary import (
    by_latent_dimension,
    by_objective,
    control_of,
    distinguishing_settings,
    flatten,
    over_training_by_objective,
    paired_by_image,
    paired_by_objective,
    summary_table,
    trained_on,
)
from mnist_vae.stats import paired_difference, t_half_width


def settings(latent_dim, seed):
    return {
        "model": {"latent_dim": latent_dim, "hidden_dim": 8},
        "train": {"seed": seed, "epochs": 2, "batch_size": 100},
    }


def test_runs_are_told_apart_by_the_settings_that_differ_and_the_key_ones():
    shown = distinguishing_settings({"a": settings(2, 0), "b": settings(2, 1)})
    assert shown == {
        "a": {"model.latent_dim": 2, "train.epochs": 2, "train.seed": 0},
        "b": {"model.latent_dim": 2, "train.epochs": 2, "train.seed": 1},
    }


def run(latent_dim, seed, elbo, gaps=None, objective="ELBO", over_training=None):
    return {
        "config": "config.yaml",
        "trained_on": objective,
        "over_training": over_training,
        "settings": {"model.latent_dim": latent_dim, "train.seed": seed},
        "gaps": gaps,
        "metrics": {"test": {"elbo": {"mean": elbo, "sem": 0.5}}},
        "inpainting": {"svi": {"pixel_accuracy": {"mean": 0.9}}},
        "history": pd.DataFrame(
            {"epoch": [1, 2], "seconds": [1.0, 2.0], "train_elbo": [-200.0, -150.0]}
        ),
    }


def test_flatten_joins_nested_keys_with_dots():
    assert flatten({"a": {"b": 1, "c": {"d": 2}}, "e": [1]}) == {"a.b": 1, "a.c.d": 2, "e": [1]}


def test_the_summary_has_a_row_per_run_with_the_settings_that_differ_and_every_metric():
    table = summary_table({"a": run(2, 0, -150.0), "b": run(5, 1, -140.0)})
    assert table["run"].tolist() == ["a", "b"]
    assert table["model.latent_dim"].tolist() == [2, 5]
    assert table["test.elbo.mean"].tolist() == [-150.0, -140.0]
    assert table["inpainting.svi.pixel_accuracy.mean"].tolist() == [0.9, 0.9]
    assert table["train.seconds"].tolist() == [3.0, 3.0]


def test_each_row_says_its_config_and_the_gap_split_where_there_is_one():
    split = {"approximation_gap": {"mean": 0.1}, "amortization_gap": {"mean": 15.0}}
    table = summary_table({"a": run(2, 0, -150.0, split), "b": run(5, 1, -140.0)})
    assert table["config"].tolist() == ["config.yaml", "config.yaml"]
    assert table.loc[0, "gaps.amortization_gap.mean"] == 15.0
    assert pd.isna(table.loc[1, "gaps.amortization_gap.mean"])


def test_runs_of_one_latent_dimension_are_summarised_over_their_seeds():
    table = summary_table({"a": run(2, 0, -150.0), "b": run(2, 1, -140.0), "c": run(5, 0, -130.0)})
    stats = by_latent_dimension(table, ["test.elbo.mean", "test.iwae.mean"])
    assert stats.loc[2, ("test.elbo.mean", "mean")] == -145.0
    assert stats.loc[2, ("test.elbo.mean", "count")] == 2
    assert stats.loc[5, ("test.elbo.mean", "max")] == -130.0


def test_a_run_is_named_by_the_bound_it_was_trained_on():
    assert trained_on({"objective": "elbo", "kl_warmup_epochs": 0}) == "ELBO"
    assert trained_on({"objective": "iwae", "iwae_samples": 50}) == "IWAE-50"
    assert trained_on({"objective": "elbo", "kl_warmup_epochs": 10}) == "ELBO, KL warm-up 10 epochs"
    assert trained_on({"objective": "elbo", "elbo_samples": 5}) == "ELBO, 5 draws"
    assert trained_on({"seed": 0}) == "ELBO"  # a run from before the objectives were settings


def test_a_run_trained_longer_than_the_assignment_is_named_with_its_epochs():
    assert trained_on({"objective": "elbo", "epochs": 100}) == "ELBO"
    assert trained_on({"objective": "iwae", "iwae_samples": 5, "epochs": 1000}) == (
        "IWAE-5, 1000 epochs"
    )


def test_runs_trained_on_one_bound_are_summarised_over_their_seeds_with_both_gap_splits():
    def over_training(amortization):
        return pd.DataFrame(
            {
                "epoch": [1, 1, 9, 9],
                "split": ["train", "test"] * 2,
                "approximation_gap.mean": [0.1, 0.1, 0.2, 0.3],
                "amortization_gap.mean": [1.0, 1.0, amortization, 2 * amortization],
            }
        )

    table = summary_table(
        {
            "a": run(2, 0, -150.0, objective="ELBO", over_training=over_training(2.0)),
            "b": run(2, 1, -140.0, objective="ELBO", over_training=over_training(4.0)),
            "c": run(2, 0, -145.0, objective="IWAE-5", over_training=over_training(6.0)),
        }
    )
    stats = by_objective(table)
    assert list(stats.index) == ["ELBO", "IWAE-5"]
    assert stats.loc["ELBO", ("test.elbo.mean", "mean")] == -145.0
    assert stats.loc["ELBO", ("gaps_train.amortization_gap", "mean")] == 3.0  # last snapshot
    assert table.loc[0, "gaps_test.amortization_gap"] == 4.0  # run a, its last snapshot
    assert stats.loc["IWAE-5", ("test.elbo.mean", "count")] == 1


def test_the_gaps_over_training_of_one_objective_are_averaged_over_its_seeds():
    def over_training(gap):
        return pd.DataFrame({"epoch": [1, 1], "split": ["train", "test"], "gap": [gap, 2 * gap]})

    table = pd.DataFrame({"run": ["a", "b", "c", "d"], "trained_on": ["ELBO"] * 2 + ["IWAE-5"] * 2})
    curves = over_training_by_objective(table, {"a": over_training(1.0), "b": over_training(3.0)})
    assert list(curves) == ["ELBO"]  # no IWAE run has a gap split
    assert curves["ELBO"].set_index("split")["gap"].to_dict() == {"test": 4.0, "train": 2.0}


def test_objectives_are_listed_elbos_first_then_k_sample_elbos_then_iwae_by_k():
    names = ["IWAE-50", "ELBO, 50 draws", "ELBO", "IWAE-5", "ELBO, 5 draws"]
    names += ["ELBO, KL warm-up 10 epochs", "ELBO, KL warm-up 2 epochs"]
    table = pd.DataFrame({"run": names, "trained_on": names, "test.elbo.mean": [0.0] * 7})
    assert list(by_objective(table).index) == [
        "ELBO",
        "ELBO, KL warm-up 2 epochs",
        "ELBO, KL warm-up 10 epochs",
        "ELBO, 5 draws",
        "ELBO, 50 draws",
        "IWAE-5",
        "IWAE-50",
    ]
    over_training = {name: pd.DataFrame({"epoch": [1], "split": ["test"]}) for name in names}
    assert list(over_training_by_objective(table, over_training)) == list(by_objective(table).index)


def test_warm_ups_are_listed_by_their_length_in_epochs_not_as_text():
    names = ["ELBO, KL warm-up 10 epochs", "ELBO", "ELBO, KL warm-up 2 epochs"]
    table = pd.DataFrame({"run": names, "trained_on": names, "test.elbo.mean": [0.0] * 3})
    assert list(by_objective(table).index) == [
        "ELBO",
        "ELBO, KL warm-up 2 epochs",
        "ELBO, KL warm-up 10 epochs",
    ]


def seeds_table(rows):
    """A summary table from (trained_on, seed, exact log p(x)) rows."""
    return pd.DataFrame(rows, columns=["trained_on", "train.seed", "test.log_px_quadrature.mean"])


def test_an_objective_is_compared_with_the_elbo_seed_by_seed():
    # IWAE-5 − ELBO is +2, +1, +3 on seeds 0, 1, 2: mean 2, s.d. 1, t(2) = 4.303
    table = seeds_table(
        [("ELBO", 0, -140.0), ("ELBO", 1, -139.0), ("ELBO", 2, -141.0)]
        + [("IWAE-5", 0, -138.0), ("IWAE-5", 1, -138.0), ("IWAE-5", 2, -138.0)]
    )
    paired = paired_by_objective(table)["test.log_px_quadrature.mean"]
    row = paired.loc["IWAE-5"]
    assert row["diff mean"] == pytest.approx(2.0) and row["diff pairs"] == 3
    half = 4.302652729911275 / math.sqrt(3)
    assert row["diff t_low"] == pytest.approx(2 - half)
    assert row["diff t_high"] == pytest.approx(2 + half)
    assert 1.0 <= row["diff boot_low"] <= row["diff boot_high"] <= 3.0
    assert paired.loc["ELBO"].isna().all()


def test_only_the_seeds_both_objectives_were_trained_with_are_paired():
    table = seeds_table(
        [("ELBO", 0, -140.0), ("ELBO", 1, -139.0)]
        + [("IWAE-50", 1, -137.0), ("IWAE-50", 7, -100.0)]
    )
    row = paired_by_objective(table)["test.log_px_quadrature.mean"].loc["IWAE-50"]
    assert row["diff mean"] == 2.0 and row["diff pairs"] == 1
    assert math.isnan(row["diff t_low"])  # one pair: no interval


def test_a_paired_difference_interval_covers_its_mean_and_narrows_with_more_pairs():
    rng = np.random.default_rng(0)
    few = paired_difference(1 + rng.normal(size=4), np.zeros(4))
    many = paired_difference(1 + rng.normal(size=400), np.zeros(400))
    for result in (few, many):
        assert result["t_low"] < result["mean"] < result["t_high"]
        assert result["boot_low"] < result["mean"] < result["boot_high"]
    assert many["t_high"] - many["t_low"] < (few["t_high"] - few["t_low"]) / 5
    assert many["t_low"] < 1 < many["t_high"]


def test_a_run_is_compared_with_its_seeds_elbo_run_image_by_image():
    table = pd.DataFrame(
        {
            "run": ["e0", "e1", "k0", "k9"],
            "trained_on": ["ELBO", "ELBO", "IWAE-5", "IWAE-5"],
            "train.seed": [0, 1, 0, 9],
        }
    )
    rng = np.random.default_rng(1)
    elbo = rng.normal(-140, 5, size=400)
    gain = 0.5 + rng.normal(0, 1, size=400)  # per-image differences, mean about 0.5
    per_image = {
        "e0": pd.DataFrame({"image": range(400), "log_px": elbo}),
        # in another order, and one image more: paired by image, on the images both have
        "k0": pd.DataFrame({"image": range(400, -1, -1), "log_px": [0.0, *(elbo + gain)[::-1]]}),
    }
    (row,) = paired_by_image(table, per_image).to_dict("records")
    assert (row["run"], row["baseline"], row["log_px diff pairs"]) == ("k0", "e0", 400)
    assert row["log_px diff mean"] == pytest.approx(gain.mean())
    half = 1.96 * gain.std(ddof=1) / math.sqrt(400)
    assert row["log_px diff boot_low"] == pytest.approx(gain.mean() - half, abs=0.03)
    assert row["log_px diff boot_high"] == pytest.approx(gain.mean() + half, abs=0.03)
    assert "iwae diff mean" not in row  # neither table has it


def test_runs_are_compared_with_the_elbo_trained_for_as_many_epochs():
    table = seeds_table(
        [("ELBO", 0, -140.0), ("ELBO, 1000 epochs", 0, -125.0)]
        + [("IWAE-5", 0, -139.0), ("IWAE-5, 1000 epochs", 0, -121.0)]
    )
    paired = paired_by_objective(table)["test.log_px_quadrature.mean"]["diff mean"]
    assert paired.loc["IWAE-5"] == 1.0 and paired.loc["IWAE-5, 1000 epochs"] == 4.0
    assert list(paired.index) == ["ELBO", "IWAE-5", "ELBO, 1000 epochs", "IWAE-5, 1000 epochs"]


def test_a_longer_run_is_compared_with_its_seeds_elbo_run_of_as_many_epochs_image_by_image():
    table = pd.DataFrame(
        {
            "run": ["e0", "long-e0", "long-k0"],
            "trained_on": ["ELBO", "ELBO, 1000 epochs", "IWAE-5, 1000 epochs"],
            "train.seed": [0, 0, 0],
        }
    )
    per_image = {
        "e0": pd.DataFrame({"image": range(3), "log_px": [-140.0, -130.0, -150.0]}),
        "long-e0": pd.DataFrame({"image": range(3), "log_px": [-120.0, -110.0, -130.0]}),
        "long-k0": pd.DataFrame({"image": range(3), "log_px": [-119.0, -109.0, -129.0]}),
    }
    (row,) = paired_by_image(table, per_image).to_dict("records")
    assert (row["run"], row["baseline"], row["log_px diff mean"]) == ("long-k0", "long-e0", 1.0)


def test_the_t_interval_of_a_mean_is_t_times_its_standard_error_and_none_for_one_value():
    # t(0.975, 3) = 3.182446305284263
    half = t_half_width([2.0, 2.0], [4, 1])
    assert half[0] == pytest.approx(3.182446305284263 * 2.0 / 2.0)
    assert half[1] == 0.0


def test_iwae_k_is_compared_with_the_k_sample_elbo_of_its_seed_at_the_same_cost():
    table = seeds_table(
        [("ELBO", 0, -140.0), ("ELBO, 5 draws", 0, -139.5), ("IWAE-5", 0, -138.0)]
        + [("ELBO", 1, -141.0), ("ELBO, 5 draws", 1, -140.0), ("IWAE-5", 1, -139.0)]
    )
    controlled = paired_by_objective(table, against=control_of, label="control diff")
    row = controlled["test.log_px_quadrature.mean"].loc["IWAE-5"]
    assert row["control diff mean"] == pytest.approx(1.25) and row["control diff pairs"] == 2
    assert controlled["test.log_px_quadrature.mean"].loc["ELBO"].isna().all()
    assert control_of("IWAE-5, 1000 epochs") == "ELBO, 5 draws, 1000 epochs"
    assert control_of("ELBO, 5 draws") is None
