"""Test-set metrics: ELBO and its parts, the IWAE bound, and for Dz = 2 exact log p(x).

The per-image work is split into shards of whole blocks of images. Every image draws its
noise from its own stream and every block is computed the same way whichever shard holds
it, so the per-image numbers do not depend on the number of shards.
"""

import logging
import time

import numpy as np
import pandas as pd
import torch

from mnist_vae.inference.bounds import iwae_of_groups, log_mean_exp, log_weights_from_draws
from mnist_vae.inference.quadrature import log_marginal_quadrature
from mnist_vae.inference.streams import EVALUATE_TEST, EVALUATE_TRAIN, image_normals
from mnist_vae.progress import progress
from mnist_vae.settings import EvaluateSettings, is_planar
from mnist_vae.stats import summary, summary_and_median

log = logging.getLogger(__name__)


def _blocks(images, block_size):
    """Split a range of image indices into blocks that start at multiples of block_size."""
    return [
        range(start, min(start + block_size, images.stop))
        for start in range(images.start, images.stop, block_size)
    ]


@torch.no_grad()
def bounds_per_image(vae, x, images, settings, purpose, iwae=True):
    """ELBO (with its reconstruction and KL parts) from settings.elbo_samples draws and,
    when `iwae`, the IWAE-k bound from k = settings.iwae_samples more and the smaller
    bounds from the same draws (iwae_k1, iwae_k10, ...: settings.smaller_k()), for the
    images `images` (a range of indices into x), each from its own stream (seed, purpose,
    index). x: (N, 784) -> dict of (len(images),) arrays"""
    n_draws = settings.elbo_samples + (settings.iwae_samples if iwae else 0)
    smaller = {f"iwae_k{k}": k for k in settings.smaller_k()} if iwae else {}
    parts = {"elbo": [], "reconstruction": [], "kl": [], "iwae": [], **{c: [] for c in smaller}}
    blocks = _blocks(images, settings.batch_size)
    bar = progress(blocks, desc=f"IWAE-{settings.iwae_samples}" if iwae else "ELBO", unit="block")
    for done, block in enumerate(bar, 1):
        eps = image_normals((settings.seed, purpose), block, (n_draws, vae.latent_dim))
        log_lik, prior_minus_q = log_weights_from_draws(
            x[block.start : block.stop], vae, eps.to(x.device), settings.chunk_size
        )
        elbo_draws = slice(0, settings.elbo_samples)
        reconstruction = log_lik[:, elbo_draws].mean(1).double()
        kl = -prior_minus_q[:, elbo_draws].mean(1).double()
        parts["reconstruction"].append(reconstruction)
        parts["kl"].append(kl)
        parts["elbo"].append(reconstruction - kl)
        if iwae:
            iwae_draws = slice(settings.elbo_samples, None)
            log_weights = log_lik[:, iwae_draws] + prior_minus_q[:, iwae_draws]
            parts["iwae"].append(log_mean_exp(log_weights))
            for column, k in smaller.items():
                parts[column].append(iwae_of_groups(log_weights, k))
            if done % max(1, len(blocks) // 10) == 0 or done == len(blocks):
                log.info(
                    "IWAE-%d: %d/%d images",
                    settings.iwae_samples,
                    block.stop - images.start,
                    len(images),
                )
    return {
        name: torch.cat(values).cpu().numpy() if values else np.zeros(0)
        for name, values in parts.items()
        if iwae or name != "iwae"
    }


def iwae_by_k(per_image, settings: EvaluateSettings):
    """The smaller IWAE-k's means and, where log p(x) is known, their gaps to it (mean and
    median: the per-image gaps are heavy-tailed). -> {str(k): dict}"""
    by_k = {}
    for k in settings.smaller_k():
        values = per_image[f"iwae_k{k}"]
        by_k[str(k)] = summary(values)
        if "log_px" in per_image:
            gap = per_image["log_px"] - values
            by_k[str(k)]["gap_log_px"] = summary_and_median(gap)
    return by_k


def evaluate_images(vae, x_test, images, settings: EvaluateSettings):
    """Per-image test values of the test images `images` (a range, starting at a multiple
    of settings.batch_size): ELBO and its parts, IWAE-k and, for Dz = 2, log p(x) by
    quadrature and on the grid of half its resolution (the convergence check).
    x_test: (N, 784) on the model's device -> DataFrame, one row per image"""
    start = time.perf_counter()
    values = bounds_per_image(vae, x_test, images, settings, EVALUATE_TEST)
    log.info("ELBO and IWAE-%d in %.1f s", settings.iwae_samples, time.perf_counter() - start)
    if is_planar(vae.latent_dim):
        start = time.perf_counter()
        grid = settings.quadrature
        log_px, half = log_marginal_quadrature(
            x_test[images.start : images.stop],
            vae.decoder,
            grid.limit,
            grid.points,
            block_size=settings.batch_size,
        )
        values["log_px"], values["log_px_half_grid"] = log_px.cpu().numpy(), half.cpu().numpy()
        log.info("log p(x) by quadrature in %.1f s", time.perf_counter() - start)
    return pd.DataFrame({"image": np.asarray(images), **values})


def train_elbo(vae, x_train, settings: EvaluateSettings):
    """ELBO of every training image, settings.elbo_samples draws each. -> (N,)"""
    images = range(len(x_train))
    return bounds_per_image(vae, x_train, images, settings, EVALUATE_TRAIN, iwae=False)["elbo"]


def test_metrics(per_image, train_elbo_values, settings: EvaluateSettings):
    """Means with standard errors over the gathered per-image values, and the gaps to
    log p(x) where it is known. per_image: DataFrame sorted by image -> (metrics, per_image)"""
    metrics = {
        "test": {
            "n_images": len(per_image),
            "elbo": summary(per_image["elbo"]),
            "reconstruction": summary(per_image["reconstruction"]),
            "kl": summary(per_image["kl"]),
            "elbo_samples_per_image": settings.elbo_samples,
            "iwae": {**summary(per_image["iwae"]), "k": settings.iwae_samples},
            "iwae_by_k": iwae_by_k(per_image, settings),
            "log_px_quadrature": None,
        },
        "train": {"n_images": len(train_elbo_values), "elbo": summary(train_elbo_values)},
    }
    if "log_px" in per_image:
        change = (per_image["log_px_half_grid"] - per_image["log_px"]).abs()
        metrics["test"]["log_px_quadrature"] = {
            **summary(per_image["log_px"]),
            "limit": settings.quadrature.limit,
            "points_per_axis": settings.quadrature.points,
            "half_grid_mean_abs_change": float(change.mean()),
            "half_grid_max_abs_change": float(change.max()),
        }
        per_image = per_image.assign(
            gap_log_px_minus_iwae=per_image["log_px"] - per_image["iwae"],
            gap_log_px_minus_elbo=per_image["log_px"] - per_image["elbo"],
        )
        metrics["test"]["gap_log_px_minus_iwae"] = summary(per_image["gap_log_px_minus_iwae"])
        metrics["test"]["gap_log_px_minus_elbo"] = summary(per_image["gap_log_px_minus_elbo"])
        log.info(
            "log p(x) by quadrature: %.2f (the grid of half its resolution differs by %.2g "
            "at most)",
            per_image["log_px"].mean(),
            change.max(),
        )
    log.info(
        "test ELBO %.2f, IWAE-%d %.2f, train ELBO %.2f",
        per_image["elbo"].mean(),
        settings.iwae_samples,
        per_image["iwae"].mean(),
        train_elbo_values.mean(),
    )
    return metrics, per_image
