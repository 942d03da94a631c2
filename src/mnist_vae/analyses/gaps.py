"""Where the ELBO loses, split exactly (Cremer, Li & Duvenaud, "Inference Suboptimality in
Variational Autoencoders", 2018), for a two-dimensional latent space:

    log p(x) − ELBO(q_φ) = [log p(x) − ELBO(q*)] + [ELBO(q*) − ELBO(q_φ)]
                         =  approximation gap    +  amortization gap

q_φ is the encoder's q(z|x); q* the best factorised Gaussian for x found: SVI on all 784
pixels, the encoder's q one of its starts, or the encoder's q itself where SVI ended below
it (counted); log p(x) is the quadrature of `evaluate`; both ELBOs are Gauss–Hermite
quadratures, free of Monte Carlo noise. No Gaussian's ELBO exceeds log p(x) in exact
arithmetic; an image where it does by more than the tolerance is flagged, counted and
reported, never dropped.
"""

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from mnist_vae.inference.gauss_hermite import gauss_hermite_elbo
from mnist_vae.inference.quadrature import QuadratureGrid, log_marginal_quadrature
from mnist_vae.inference.svi import SVISettings, fit_posterior
from mnist_vae.settings import FromConfig
from mnist_vae.stats import summary

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GapSettings(FromConfig):
    images: int = 1000  # the first test images decomposed
    hermite_points: int = 16  # Gauss–Hermite nodes per latent axis for each ELBO
    tolerance: float = 0.05  # nats a gap may fall below zero by numerical error
    svi: SVISettings = field(default_factory=lambda: SVISettings(restarts=2))
    # Over training: the first this many training and test images at each weight snapshot,
    # their log p(x) on this grid.
    over_training_images: int = 100
    quadrature: QuadratureGrid = QuadratureGrid(points=201)


def inference_gaps(vae, x, images, log_px, settings: GapSettings):
    """The decomposition for each image. x: (N, 784); log_px: (N,) exact log p(x)
    -> DataFrame, one row per image"""
    with torch.no_grad():
        mu_encoder, log_sigma_encoder = vae.encoder(x)
    # q* by SVI on all pixels, its first restart from the encoder's q
    fit = fit_posterior(x, vae.decoder, images, settings.svi, start=(mu_encoder, log_sigma_encoder))
    mu, log_sigma = fit[0].detach(), fit[1].detach()
    points = settings.hermite_points
    elbo_encoder = gauss_hermite_elbo(x, vae.decoder, mu_encoder, log_sigma_encoder, points)
    elbo_fitted = gauss_hermite_elbo(x, vae.decoder, mu, log_sigma, points)
    # q* is the best Gaussian found: the fit, or the encoder's q where SVI's noisy steps
    # ended below the q they started from.
    is_encoder = elbo_encoder > elbo_fitted
    mu = torch.where(is_encoder[:, None], mu_encoder, mu)
    log_sigma = torch.where(is_encoder[:, None], log_sigma_encoder, log_sigma)
    table = pd.DataFrame(
        {
            "image": np.asarray(images),
            "log_px": np.asarray(log_px, dtype=np.float64),
            "elbo_optimal": torch.maximum(elbo_fitted, elbo_encoder).numpy(),
            "elbo_encoder": elbo_encoder.numpy(),
        }
    )
    table["approximation_gap"] = table["log_px"] - table["elbo_optimal"]
    table["amortization_gap"] = table["elbo_optimal"] - table["elbo_encoder"]
    table["q_optimal_is_encoder"] = is_encoder.numpy()
    table["elbo_above_log_px"] = table["approximation_gap"] < -settings.tolerance
    for name, values in (("mu", mu), ("log_sigma", log_sigma)):
        for axis in range(values.shape[1]):
            table[f"q_optimal_{name}_{axis + 1}"] = values[:, axis].numpy()
    return table


SUMMARISED = ("log_px", "elbo_optimal", "elbo_encoder", "approximation_gap", "amortization_gap")

# The columns of inference_gaps' table besides q*'s parameters.
GAP_COLUMNS = [
    "image",
    "log_px",
    "elbo_optimal",
    "elbo_encoder",
    "approximation_gap",
    "amortization_gap",
    "q_optimal_is_encoder",
    "elbo_above_log_px",
]
# Images breaking an invariant of exact arithmetic by more than the tolerance.
FLAGS = {"elbo_above_log_px": "ELBO(q*) above the exact log p(x)"}


def gap_summary(table):
    """Means ± standard errors over the images (of their IWAE bound too, where the table
    has it), and the flagged images counted. -> dict for gaps.json"""
    means = {column: summary(table[column].to_numpy()) for column in SUMMARISED}
    means["total_gap"] = summary((table["log_px"] - table["elbo_encoder"]).to_numpy())
    if "iwae" in table:
        means["iwae"] = summary(table["iwae"].to_numpy())
    means["n_images"] = len(table)
    means["q_optimal_is_encoder"] = int(table["q_optimal_is_encoder"].sum())
    means["flagged"] = {}
    for flag, meaning in FLAGS.items():
        flagged = table.loc[table[flag], "image"].tolist()
        means["flagged"][flag] = {"count": len(flagged), "images": flagged, "meaning": meaning}
        if flagged:
            log.warning("%d images flagged: %s (images %s)", len(flagged), meaning, flagged[:10])
    return means


def gaps_over_training(vae, snapshots, x_train, x_test, settings: GapSettings):
    """The decomposition at each weight snapshot, for training and test images.
    snapshots: {epoch: state dict}; x_train, x_test: (N, 784)
    -> DataFrame, one row per (epoch, split): means and standard errors, flagged images"""
    rows = []
    grid = settings.quadrature
    for epoch in sorted(snapshots):
        vae.load_state_dict(snapshots[epoch])
        for split, x in (("train", x_train), ("test", x_test)):
            log_px, _ = log_marginal_quadrature(
                x, vae.decoder, grid.limit, grid.points, half_grid=False
            )
            table = inference_gaps(vae, x, range(len(x)), log_px.numpy(), settings)
            summary = gap_summary(table)
            row = {"epoch": epoch, "split": split, "n_images": len(x)}
            for column in SUMMARISED:
                row[f"{column}.mean"] = summary[column]["mean"]
                row[f"{column}.sem"] = summary[column]["sem"]
            row["flagged"] = sum(flag["count"] for flag in summary["flagged"].values())
            rows.append(row)
            log.info(
                "epoch %d, %s: approximation gap %.2f, amortization gap %.2f",
                epoch,
                split,
                row["approximation_gap.mean"],
                row["amortization_gap.mean"],
            )
    return pd.DataFrame(rows)
