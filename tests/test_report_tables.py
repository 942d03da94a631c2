"""The numbers of the report as HTML tables (mnist_vae.report.pages)."""

import pandas as pd

from mnist_vae.report.pages import (
    gaps_over_training_table,
    gaps_table,
    headline_rows,
    percent,
    plus_minus,
    run_metrics_page,
    training_table,
)


def stat(mean, sem=0.5):
    return {"mean": mean, "sem": sem}


def metrics(log_px):
    return {
        "test": {
            "n_images": 200,
            "elbo_samples_per_image": 2,
            "elbo": stat(-156.07, 0.66),
            "reconstruction": stat(-150.0),
            "kl": stat(6.0),
            "iwae": {"k": 5000, **stat(-148.77, 0.6)},
            "log_px_quadrature": log_px,
            "gap_log_px_minus_elbo": stat(15.3) if log_px else None,
            "gap_log_px_minus_iwae": stat(8.0) if log_px else None,
        },
        "train": {"elbo": stat(-139.33)},
    }


INPAINTING = {
    "n_digits": 1000,
    **{
        method: {"bottom_log_likelihood": stat(-91.8), "pixel_accuracy": stat(0.892, 0.003)}
        for method in ("svi", "encoder_zeroed_bottom", "pixel_mean")
    },
}
HISTORY = pd.DataFrame(
    {
        "epoch": [1, 2],
        "train_elbo": [-200.0, -190.0],
        "heldout_elbo": [-199.0, -189.0],
        "heldout_log_px": [float("nan"), -180.0],
        "seconds": [0.5, 0.5],
    }
)


def test_a_mean_without_a_standard_error_is_shown_alone():
    assert plus_minus({"mean": -91.84, "sem": None}) == "-91.84"
    assert plus_minus({"mean": -91.84, "sem": 1.5}) == "-91.84 ± 1.50"
    assert percent({"mean": 0.892, "sem": None}) == "89.2 %"


def test_the_metrics_page_shows_the_exact_log_likelihood_where_there_is_one():
    page = run_metrics_page(
        "a", metrics({"mean": -140.76, "sem": 0.49, "points_per_axis": 401}), INPAINTING, HISTORY
    )
    assert "log p(x), exact by quadrature (401² points)" in page
    assert "-140.76 ± 0.49" in page and "-156.07 ± 0.66" in page


def test_the_metrics_page_of_a_larger_latent_space_has_the_bounds_only():
    page = run_metrics_page("b", metrics(None), INPAINTING, HISTORY)
    assert "quadrature" not in page and "IWAE bound, k = 5000" in page


def test_headline_rows_mark_a_missing_exact_likelihood():
    rows = headline_rows({"b": metrics(None)}, {"b": 5})
    assert rows == [
        {
            "run": "b",
            "latent_dim": "5",
            "elbo": "-156.07 ± 0.66",
            "iwae": "-148.77 ± 0.60",
            "iwae_k": "5000",
            "log_px": "–",
            "n_images": "200",
        }
    ]


def test_the_metrics_page_splits_the_inference_gap_where_the_run_has_it():
    gaps = {
        "n_images": 1000,
        "log_px": stat(-140.76),
        "elbo_optimal": stat(-141.0),
        "elbo_encoder": stat(-156.07),
        "approximation_gap": stat(0.24),
        "amortization_gap": stat(15.07),
        "flagged": {"elbo_above_log_px": {"count": 2}},
    }
    page = run_metrics_page("a", metrics(None), INPAINTING, HISTORY, gaps)
    assert "Where the ELBO loses (1000 test images)" in page
    assert "amortization gap ELBO(q*) − ELBO(q_φ)" in page and "15.07 ± 0.50" in page
    assert "<td>2</td>" in page


def test_the_metrics_page_shows_both_gaps_at_every_snapshot_for_both_splits():
    over_training = pd.DataFrame(
        [
            {
                "epoch": epoch,
                "split": split,
                "approximation_gap.mean": 0.1 * epoch,
                "approximation_gap.sem": 0.01,
                "amortization_gap.mean": 2.0 * epoch + (split == "test"),
                "amortization_gap.sem": 0.5,
            }
            for epoch in (1, 10)
            for split in ("train", "test")
        ]
    )
    table = gaps_over_training_table(over_training)
    assert list(table["epoch"]) == ["1", "10"]
    assert list(table["test: amortization gap"]) == ["3.00 ± 0.50", "21.00 ± 0.50"]
    assert list(table["train: approximation gap"]) == ["0.10 ± 0.01", "1.00 ± 0.01"]
    gaps = {"n_images": 10, "flagged": {}} | {
        key: stat(-1.0) for key in ("log_px", "elbo_optimal", "elbo_encoder", "approximation_gap")
    }
    page = run_metrics_page(
        "a",
        metrics(None),
        INPAINTING,
        HISTORY,
        gaps | {"amortization_gap": stat(1.0)},
        over_training,
    )
    assert "The gaps over training" in page and "21.00 ± 0.50" in page


def test_the_gap_table_gives_each_gaps_median_beside_its_mean():
    stat = {"mean": 17.4, "sem": 2.2, "median": 4.0}
    gaps = {name: stat for name in ("log_px", "elbo_optimal", "elbo_encoder", "approximation_gap")}
    gaps |= {"amortization_gap": stat, "total_gap": stat, "flagged": {}}
    table = gaps_table(gaps).set_index("quantity")
    row = table.loc["amortization gap ELBO(q*) − ELBO(q_φ)"]
    assert row["nats per image, mean ± s.e."] == "17.40 ± 2.20" and row["median"] == "4.00"


def test_the_training_table_says_whether_held_out_log_px_has_stopped_rising():
    epochs = list(range(1, 101))
    log_px = [-200.0 + e if e % 10 == 0 or e == 1 else float("nan") for e in epochs]
    history = pd.DataFrame(
        {
            "epoch": epochs,
            "train_elbo": [-150.0] * 100,
            "heldout_elbo": [-160.0] * 100,
            "heldout_log_px": log_px,
            "seconds": [0.5] * 100,
        }
    )
    rows = dict(training_table(history).itertuples(index=False))
    label = "its rise over the last 50 epochs (still rising; stopped means below 0.5)"
    assert rows[label] == "100.00 nats per 100 epochs"
