import pandas as pd

from mnist_vae.runs.summary import (
    by_latent_dimension,
    distinguishing_settings,
    flatten,
    summary_table,
)


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


def run(latent_dim, seed, elbo, gaps=None):
    return {
        "config": "config.yaml",
        "settings": {"model.latent_dim": latent_dim, "train.seed": seed},
        "gaps": gaps,
        "metrics": {"test": {"elbo": {"mean": elbo, "sem": 0.5}}},
        "inpainting": {"svi": {"pixel_accuracy": {"mean": 0.9}}},
        "history": pd.DataFrame({"seconds": [1.0, 2.0], "train_elbo": [-200.0, -150.0]}),
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
