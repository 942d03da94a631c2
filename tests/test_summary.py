import pandas as pd

from mnist_vae.runs.summary import (
    by_latent_dimension,
    by_objective,
    distinguishing_settings,
    flatten,
    over_training_by_objective,
    summary_table,
    trained_on,
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


def run(latent_dim, seed, elbo, gaps=None, objective="ELBO", over_training=None):
    return {
        "config": "config.yaml",
        "trained_on": objective,
        "over_training": over_training,
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


def test_a_run_is_named_by_the_bound_it_was_trained_on():
    assert trained_on({"objective": "elbo", "kl_warmup_epochs": 0}) == "ELBO"
    assert trained_on({"objective": "iwae", "iwae_samples": 50}) == "IWAE-50"
    assert trained_on({"objective": "elbo", "kl_warmup_epochs": 10}) == "ELBO, KL warm-up 10 epochs"
    assert trained_on({"seed": 0}) == "ELBO"  # a run from before the objectives were settings


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


def test_objectives_are_listed_elbos_first_then_iwae_by_k():
    names = ["IWAE-50", "ELBO", "IWAE-5", "ELBO, KL warm-up 10 epochs"]
    table = pd.DataFrame({"run": names, "trained_on": names, "test.elbo.mean": [0.0] * 4})
    assert list(by_objective(table).index) == [
        "ELBO",
        "ELBO, KL warm-up 10 epochs",
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
