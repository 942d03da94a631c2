"""Numbers for the Snakemake report: a run's metrics and the summary across runs as small
HTML pages (the report shows HTML inline; JSON and CSV it only offers for download), and
the headline rows of the workflow description. Imports no torch."""

import html

import pandas as pd

from mnist_vae.convergence import STOPPED_RISE, WINDOW, convergence

STYLE = """
body { font-family: sans-serif; margin: 1em; color: #222; }
h2 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
table { border-collapse: collapse; margin-bottom: 0.6em; }
th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #888; }
p.note { color: #555; font-size: 0.9em; max-width: 48em; }
"""


def plus_minus(stat, digits=2, scale=1):
    """{"mean": m, "sem": s} -> "m ± s", both times `scale`; without a mean "", without a
    standard error (one image) the mean alone."""
    if not stat or stat.get("mean") is None:
        return ""
    text = f"{scale * stat['mean']:.{digits}f}"
    return text if stat.get("sem") is None else f"{text} ± {scale * stat['sem']:.{digits}f}"


def percent(stat):
    """A pixel accuracy {"mean", "sem"} as "89.2 ± 0.3 %"."""
    return f"{plus_minus(stat, digits=1, scale=100)} %"


def test_metrics_table(metrics):
    """The test-set bounds of metrics.json, each mean ± standard error. -> DataFrame"""
    test = metrics["test"]
    rows = [
        ("ELBO", test["elbo"]),
        ("  reconstruction E_q log p(x|z)", test["reconstruction"]),
        ("  KL(q(z|x) ‖ p(z))", test["kl"]),
        *((f"IWAE bound, k = {k}", stat) for k, stat in test.get("iwae_by_k", {}).items()),
        (f"IWAE bound, k = {test['iwae']['k']}", test["iwae"]),
    ]
    if test.get("log_px_quadrature"):
        points = test["log_px_quadrature"]["points_per_axis"]
        rows += [
            (f"log p(x), exact by quadrature ({points:g}² points)", test["log_px_quadrature"]),
            ("gap log p(x) − ELBO = KL(q(z|x) ‖ p(z|x))", test["gap_log_px_minus_elbo"]),
            ("gap log p(x) − IWAE", test["gap_log_px_minus_iwae"]),
        ]
    rows.append(("ELBO on the training images", metrics["train"]["elbo"]))
    return pd.DataFrame(
        [(name, plus_minus(stat)) for name, stat in rows],
        columns=["quantity", "nats per image, mean ± s.e."],
    )


INPAINTING_METHODS = {
    "exact": "exact Bayes completion, p(bottom | top) by quadrature",
    "svi": "q(z) fitted to the top half by SVI",
    "encoder_zeroed_bottom": "encoder on the top half, bottom set to 0",
    "pixel_mean": "training-set pixel means",
}


def inpainting_table(inpainting):
    """Completion quality of the bottom halves, per method. -> DataFrame"""
    return pd.DataFrame(
        [
            (
                label,
                plus_minus(inpainting[method]["bottom_log_likelihood"]),
                percent(inpainting[method]["pixel_accuracy"]),
            )
            for method, label in INPAINTING_METHODS.items()
            if method in inpainting
        ],
        columns=["completion", "bottom-half log-likelihood (nats)", "pixel accuracy"],
    )


def exact_posterior_table(inpainting):
    """How far SVI's q is from the exact p(z | top half), and the exact joint
    log p(bottom | top) (Dz = 2). -> DataFrame"""
    return pd.DataFrame(
        [
            (
                "KL(q ‖ p(z | top half)) of the fitted q",
                plus_minus(inpainting["svi_kl_to_exact_posterior"]),
            ),
            (
                "log p(bottom | top), exact, joint over the bottom pixels",
                plus_minus(inpainting["exact"]["joint_bottom_log_likelihood"]),
            ),
        ],
        columns=["quantity", "nats per digit, mean ± s.e."],
    )


def training_table(history):
    """Epochs, time and the last epoch's ELBOs of a run's history. -> DataFrame"""
    last = history.iloc[-1]
    rows = [
        ("epochs", f"{int(last['epoch'])}"),
        ("training time", f"{history['seconds'].sum():.1f} s"),
        ("train ELBO, last epoch", f"{last['train_elbo']:.2f}"),
        ("held-out ELBO, last epoch", f"{last['heldout_elbo']:.2f}"),
    ]
    if "heldout_log_px" in history and pd.notna(last.get("heldout_log_px")):
        rows.append(("held-out exact log p(x), last epoch", f"{last['heldout_log_px']:.2f}"))
    state = convergence(history)
    if state["stopped_rising"] is not None:
        verdict = "stopped" if state["stopped_rising"] else "still rising"
        rows.append(
            (
                f"its rise over the last {min(WINDOW, state['epochs'] // 2)} epochs "
                f"({verdict}; stopped means below {STOPPED_RISE:g})",
                f"{state['rise_per_100_epochs']:.2f} nats per 100 epochs",
            )
        )
    return pd.DataFrame(rows, columns=["", "value"])


def html_page(title, sections, note=""):
    """A standalone HTML page: a heading, an optional note, then one table per section.
    sections: {heading: DataFrame} -> str"""
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if note:
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    for heading, table in sections.items():
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(table.to_html(index=False, border=0, escape=True))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def gaps_table(gaps):
    """The inference gap of gaps.json split into its two parts, means and medians (a gap
    from before medians were recorded has none). -> DataFrame"""
    rows = [
        ("log p(x), exact", gaps["log_px"]),
        ("ELBO(q*), the best Gaussian for each image", gaps["elbo_optimal"]),
        ("ELBO(q_φ), the encoder's q", gaps["elbo_encoder"]),
        ("approximation gap log p(x) − ELBO(q*)", gaps["approximation_gap"]),
        ("amortization gap ELBO(q*) − ELBO(q_φ)", gaps["amortization_gap"]),
        ("their sum log p(x) − ELBO(q_φ)", gaps.get("total_gap")),
    ]
    flagged = sum(flag["count"] for flag in gaps["flagged"].values())

    def median(stat):
        return "" if not stat or stat.get("median") is None else f"{stat['median']:.2f}"

    return pd.DataFrame(
        [(name, plus_minus(stat), median(stat)) for name, stat in rows]
        + [("images flagged (a gap below −tolerance)", str(flagged), "")],
        columns=["quantity", "nats per image, mean ± s.e.", "median"],
    )


def gaps_over_training_table(table):
    """The two gaps at each weight snapshot, for training and test images.
    table: gaps_over_training's rows -> DataFrame, one row per epoch"""
    columns = {"epoch": [str(epoch) for epoch in sorted(table["epoch"].unique())]}
    for split in ("train", "test"):
        rows = table[table["split"] == split].sort_values("epoch")
        for gap in ("approximation", "amortization"):
            columns[f"{split}: {gap} gap"] = [
                plus_minus({"mean": mean, "sem": sem})
                for mean, sem in zip(rows[f"{gap}_gap.mean"], rows[f"{gap}_gap.sem"], strict=True)
            ]
    return pd.DataFrame(columns)


def importance_table(importance):
    """The encoder's q as an importance-sampling proposal against the exact posterior:
    the divergences, then the gap of IWAE-k at each k beside what explains it.
    importance: metrics.json's test.importance -> DataFrame"""

    def median_and_mean(stat):
        return f"{stat['median']:.2f}", f"{stat['mean']:.2f}"

    finite = importance["chi2"]["finite_images"]
    rows = [
        ("KL(q ‖ p(z|x)), what the ELBO loses", *median_and_mean(importance["kl_q_p"])),
        ("KL(p(z|x) ‖ q), the mass q misses", *median_and_mean(importance["kl_p_q"])),
        ("images whose χ²(p ‖ q) is finite (σ of q above 1/√2)", str(finite), ""),
    ]
    for k, gap in importance["iwae_gap"].items():
        above = gap["kl_p_q_above_log_k"]
        rows.append(
            (
                f"log p(x) − IWAE-{k}; where KL(p ‖ q) > log {k}: "
                f"{100 * above['share_of_images']:.1f} % of images, "
                f"{100 * above['share_of_gap']:.0f} % of the gap",
                *median_and_mean(gap),
            )
        )
    k, gap = list(importance["iwae_gap"].items())[-1]
    over = gap["above_log_px"]
    rows.append(
        (
            f"images whose IWAE-{k} lies above log p(x) (a bound in expectation only; one "
            f"estimate may): {100 * over['share_of_images']:.1f} %, by up to",
            "",
            f"{over['largest']:.2f}",
        )
    )
    return pd.DataFrame(rows, columns=["quantity", "median (nats)", "mean (nats)"])


def inpainting_title(inpainting):
    """The inpainting section's heading, saying how many fits diverged, if any."""
    title = f"Inpainting the bottom half ({inpainting['n_digits']} test digits)"
    diverged = inpainting.get("diverged_digits", 0)
    if diverged:
        title += f": the SVI fit diverged for {diverged}, its rows are empty"
    return title


def run_metrics_page(run, metrics, inpainting, history, gaps=None, over_training=None):
    """One run's numbers as an HTML page; gaps: gaps.json and over_training:
    over_training.csv's table, where the run has them. -> str"""
    test = metrics["test"]
    sections = {
        f"Test set ({test['n_images']} images)": test_metrics_table(metrics),
        "Training": training_table(history),
        **(
            {f"Where the ELBO loses ({gaps['n_images']} test images)": gaps_table(gaps)}
            if gaps
            else {}
        ),
        **(
            {
                "The gaps over training (nats per image, mean ± s.e.)": gaps_over_training_table(
                    over_training
                )
            }
            if over_training is not None
            else {}
        ),
        **(
            {
                f"The encoder's q as an importance sampler ({test['importance']['n_images']} "
                "test images)": importance_table(test["importance"])
            }
            if "importance" in test
            else {}
        ),
        inpainting_title(inpainting): inpainting_table(inpainting),
    }
    if "exact" in inpainting:
        sections["The fitted q against the exact posterior given the top half"] = (
            exact_posterior_table(inpainting)
        )
    note = (
        f"Run {run}. ELBO with {test['elbo_samples_per_image']} samples per image; "
        "standard errors over the images. Higher is better for every bound."
    )
    return html_page(f"Metrics of run {run}", sections, note)


def readable_summary(table, settings):
    """The summary table's run, `settings` columns and headline numbers, formatted.
    -> DataFrame"""
    shown = table[["run", *settings]].copy()
    for metric, label in HEADLINE_METRICS.items():
        if f"{metric}.mean" in table:
            shown[label] = [
                plus_minus({"mean": mean, "sem": sem}) if pd.notna(mean) else "–"
                for mean, sem in zip(table[f"{metric}.mean"], table[f"{metric}.sem"], strict=True)
            ]
    accuracy = table["inpainting.svi.pixel_accuracy.mean"]
    shown["inpainting accuracy (SVI)"] = [f"{100 * value:.1f} %" for value in accuracy]
    shown["training time (s)"] = [f"{value:.0f}" for value in table["train.seconds"]]
    return shown


HEADLINE_METRICS = {
    "test.elbo": "test ELBO",
    "test.iwae": "test IWAE",
    "test.log_px_quadrature": "test log p(x), exact",
    "inpainting.svi.bottom_log_likelihood": "inpainting log-lik. (SVI)",
}


def summary_page(table, settings):
    """The summary across runs as an HTML page; `settings`: its settings columns. -> str"""
    note = (
        "One row per run: the settings that tell the runs apart, then mean ± standard error "
        "over the test images, in nats per image. The exact log p(x) exists for Dz = 2 only."
    )
    return html_page("Every run side by side", {"Runs": readable_summary(table, settings)}, note)


def headline_rows(metrics, latent_dims):
    """Per run the test-set numbers a reader looks for first, formatted.
    metrics: {run: metrics.json}, latent_dims: {run: Dz} -> [{column: text}]"""
    rows = []
    for run, run_metrics in metrics.items():
        test = run_metrics["test"]
        rows.append(
            {
                "run": run,
                "latent_dim": str(latent_dims[run]),
                "elbo": plus_minus(test["elbo"]),
                "iwae": plus_minus(test["iwae"]),
                "iwae_k": str(test["iwae"]["k"]),
                "log_px": plus_minus(test.get("log_px_quadrature")) or "–",
                "n_images": str(test["n_images"]),
            }
        )
    return rows
