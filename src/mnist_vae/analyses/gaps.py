"""Where the ELBO loses, split exactly (Cremer, Li & Duvenaud, "Inference Suboptimality in
Variational Autoencoders", 2018), for a two-dimensional latent space:

    log p(x) − ELBO(q_φ) = [log p(x) − ELBO(q*)] + [ELBO(q*) − ELBO(q_φ)]
                         =  approximation gap    +  amortization gap

q_φ is the encoder's q(z|x); q* the best factorised Gaussian for x found without the encoder
(SVI on all 784 pixels, the encoder's q one of its starts); log p(x) is the quadrature of
`evaluate`; both ELBOs are Gauss–Hermite quadratures, free of Monte Carlo noise. The two
gaps are non-negative in exact arithmetic; an image whose gap is below -tolerance is
flagged, counted and reported, never dropped.
"""

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from mnist_vae.inference.gauss_hermite import gauss_hermite_elbo
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


def optimal_gaussians(vae, x, images, settings: SVISettings):
    """q* for every image: SVI on all pixels, its first restart from the encoder's q.
    x: (N, 784); images: (N,) test indices seeding each image's stream
    -> mu, log_sigma: (N, Dz)"""
    with torch.no_grad():
        start = vae.encoder(x)
    mu, log_sigma, _, _ = fit_posterior(x, vae.decoder, images, settings, start=start)
    return mu, log_sigma


def inference_gaps(vae, x, images, log_px, settings: GapSettings):
    """The decomposition for each image. x: (N, 784); log_px: (N,) exact log p(x)
    -> DataFrame, one row per image"""
    with torch.no_grad():
        mu_encoder, log_sigma_encoder = vae.encoder(x)
    mu, log_sigma = optimal_gaussians(vae, x, images, settings.svi)
    points = settings.hermite_points
    elbo_encoder = gauss_hermite_elbo(x, vae.decoder, mu_encoder, log_sigma_encoder, points)
    elbo_optimal = gauss_hermite_elbo(x, vae.decoder, mu.detach(), log_sigma.detach(), points)
    table = pd.DataFrame(
        {
            "image": np.asarray(images),
            "log_px": np.asarray(log_px, dtype=np.float64),
            "elbo_optimal": elbo_optimal.numpy(),
            "elbo_encoder": elbo_encoder.numpy(),
        }
    )
    table["approximation_gap"] = table["log_px"] - table["elbo_optimal"]
    table["amortization_gap"] = table["elbo_optimal"] - table["elbo_encoder"]
    table["svi_below_encoder"] = table["amortization_gap"] < -settings.tolerance
    table["elbo_above_log_px"] = table["approximation_gap"] < -settings.tolerance
    for i, column in enumerate(("mu", "log_sigma")):
        values = (mu, log_sigma)[i].detach().numpy()
        for axis in range(values.shape[1]):
            table[f"q_optimal_{column}_{axis + 1}"] = values[:, axis]
    return table


# The columns of inference_gaps' table besides q*'s parameters.
GAP_COLUMNS = [
    "image",
    "log_px",
    "elbo_optimal",
    "elbo_encoder",
    "approximation_gap",
    "amortization_gap",
    "svi_below_encoder",
    "elbo_above_log_px",
]
FLAGS = {
    "svi_below_encoder": "q* fitted worse than the encoder's q it started from",
    "elbo_above_log_px": "ELBO(q*) above the exact log p(x)",
}


def gap_summary(table):
    """Means ± standard errors over the images (of their IWAE bound too, where the table
    has it), and the flagged images counted. -> dict for gaps.json"""
    columns = ["log_px", "elbo_optimal", "elbo_encoder", "approximation_gap", "amortization_gap"]
    means = {column: summary(table[column].to_numpy()) for column in columns}
    means["total_gap"] = summary((table["log_px"] - table["elbo_encoder"]).to_numpy())
    if "iwae" in table:
        means["iwae"] = summary(table["iwae"].to_numpy())
    means["n_images"] = len(table)
    means["flagged"] = {}
    for flag, meaning in FLAGS.items():
        flagged = table.loc[table[flag], "image"].tolist()
        means["flagged"][flag] = {"count": len(flagged), "images": flagged, "meaning": meaning}
        if flagged:
            log.warning("%d images flagged: %s (images %s)", len(flagged), meaning, flagged[:10])
    return means
