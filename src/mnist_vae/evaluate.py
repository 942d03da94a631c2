"""Test-set metrics: ELBO and its parts, the IWAE bound, and for Dz = 2 exact log p(x)."""

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from mnist_vae.bounds import elbo_terms, iwae_bound
from mnist_vae.quadrature import QuadratureGrid, log_marginal_quadrature
from mnist_vae.stats import summary

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvaluateSettings:
    seed: int = 0
    elbo_samples: int = 10
    iwae_samples: int = 5000
    batch_size: int = 100
    chunk_size: int = 500
    quadrature: QuadratureGrid = QuadratureGrid()


@torch.no_grad()
def elbo_per_image(vae, x, settings, generator):
    """ELBO, reconstruction and KL per image, each averaged over settings.elbo_samples
    draws from q(z | x). x: (N, 784) -> dict of (N,) arrays"""
    parts = [
        elbo_terms(batch, vae, generator, settings.elbo_samples)
        for batch in x.split(settings.batch_size)
    ]
    reconstruction = torch.cat([r for r, _ in parts]).double().cpu().numpy()
    kl = torch.cat([k for _, k in parts]).double().cpu().numpy()
    return {"elbo": reconstruction - kl, "reconstruction": reconstruction, "kl": kl}


@torch.no_grad()
def iwae_per_image(vae, x, settings, generator):
    """IWAE-k bound per image, k = settings.iwae_samples. x: (N, 784) -> (N,)"""
    batches = x.split(settings.batch_size)
    bounds = []
    for i, batch in enumerate(batches, 1):
        bounds.append(iwae_bound(batch, vae, settings.iwae_samples, generator, settings.chunk_size))
        if i % max(1, len(batches) // 10) == 0 or i == len(batches):
            log.info(
                "IWAE-%d: %d/%d images", settings.iwae_samples, i * settings.batch_size, len(x)
            )
    return torch.cat(bounds).cpu().numpy()


@torch.no_grad()
def quadrature_per_image(vae, x, settings):
    """log p(x) on the configured grid and on one with half the spacing. -> (N,), (N,)"""
    grid = settings.quadrature
    coarse = log_marginal_quadrature(x, vae.decoder, grid.limit, grid.points)
    fine = log_marginal_quadrature(x, vae.decoder, grid.limit, 2 * grid.points - 1)
    return coarse.cpu().numpy(), fine.cpu().numpy()


def evaluate(vae, x_test, x_train, settings: EvaluateSettings):
    """Metrics over the whole of both sets, and the per-image test values.

    x_test, x_train: (N, 784) float tensors on the model's device.
    -> (metrics dict, per-image DataFrame with elbo, iwae, log_px and the gaps)
    """
    generator = torch.Generator(device=x_test.device).manual_seed(settings.seed)
    timings = {}

    start = time.perf_counter()
    test = elbo_per_image(vae, x_test, settings, generator)
    train_elbo = elbo_per_image(vae, x_train, settings, generator)["elbo"]
    timings["elbo"] = time.perf_counter() - start
    log.info("ELBO: test %.2f, train %.2f", test["elbo"].mean(), train_elbo.mean())

    start = time.perf_counter()
    test["iwae"] = iwae_per_image(vae, x_test, settings, generator)
    timings["iwae"] = time.perf_counter() - start
    log.info("IWAE-%d: test %.2f", settings.iwae_samples, test["iwae"].mean())

    metrics = {
        "test": {
            "n_images": len(x_test),
            "elbo": summary(test["elbo"]),
            "reconstruction": summary(test["reconstruction"]),
            "kl": summary(test["kl"]),
            "elbo_samples_per_image": settings.elbo_samples,
            "iwae": {**summary(test["iwae"]), "k": settings.iwae_samples},
        },
        "train": {"n_images": len(x_train), "elbo": summary(train_elbo)},
    }

    if vae.latent_dim == 2:
        start = time.perf_counter()
        test["log_px"], refined = quadrature_per_image(vae, x_test, settings)
        timings["quadrature"] = time.perf_counter() - start
        change = np.abs(refined - test["log_px"])
        metrics["test"]["log_px_quadrature"] = {
            **summary(test["log_px"]),
            "limit": settings.quadrature.limit,
            "points_per_axis": settings.quadrature.points,
            "refined_mean_abs_change": float(change.mean()),
            "refined_max_abs_change": float(change.max()),
        }
        metrics["test"]["gap_log_px_minus_iwae"] = summary(test["log_px"] - test["iwae"])
        metrics["test"]["gap_log_px_minus_elbo"] = summary(test["log_px"] - test["elbo"])
        log.info(
            "log p(x) by quadrature: %.2f (refining the grid changes it by %.2g at most)",
            test["log_px"].mean(),
            change.max(),
        )
    else:
        metrics["test"]["log_px_quadrature"] = None
    metrics["seconds"] = timings

    per_image = pd.DataFrame({"image": np.arange(len(x_test)), **test})
    if "log_px" in test:
        per_image["gap_log_px_minus_iwae"] = test["log_px"] - test["iwae"]
        per_image["gap_log_px_minus_elbo"] = test["log_px"] - test["elbo"]
    return metrics, per_image
