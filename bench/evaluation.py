"""Evaluation: IWAE, the ELBO pass and the quadrature, each as a share of the best large
product rate."""

import torch

from bench.timing import interleaved, median, other_backend, products_backend, row
from mnist_vae import products
from mnist_vae.evaluate import bounds_per_image
from mnist_vae.inference.quadrature import log_marginal_quadrature
from mnist_vae.inference.reference import iwae_bound
from mnist_vae.inference.streams import EVALUATE_TEST
from mnist_vae.settings import EvaluateSettings


def decoder_flops(n_decodes, hidden=500, latent=2):
    return n_decodes * 2 * (latent * hidden + hidden * 784 + hidden)


def encoder_flops(n_images, hidden=500, latent=2):
    return n_images * 2 * (784 * hidden + hidden * 2 * latent)


def quadrature_flops(n_images, points, hidden=500):
    """The grid decoded once, and each image's x · logits against every node."""
    nodes = points * points
    return decoder_flops(nodes, hidden) + n_images * nodes * 2 * hidden


def evaluation_rows(vae, x_test, x_train, n_iwae, rounds, best_rate):
    """IWAE, the ELBO pass and the quadrature as GFLOP/s, against the best large-product
    rate reachable from torch measured in this run (gemm_rows), and against the code
    before; IWAE also with the other backend."""
    settings = EvaluateSettings()
    k = settings.iwae_samples
    x = x_test[:n_iwae]
    old_generator = torch.Generator().manual_seed(0)
    other = other_backend()

    def old_iwae():
        for batch in x.split(settings.batch_size):
            iwae_bound(batch, vae, k, old_generator, 500)

    def iwae_other():
        with products_backend(other):
            bounds_per_image(vae, x, images, settings, EVALUATE_TEST)

    images = range(len(x))
    times = interleaved(
        {
            "iwae": lambda: bounds_per_image(vae, x, images, settings, EVALUATE_TEST),
            "other": iwae_other,
            "old_iwae": old_iwae,
        },
        rounds,
    )
    iwae_flops = decoder_flops(len(x) * (k + settings.elbo_samples)) + encoder_flops(len(x))
    rate = {name: [iwae_flops / t / 1e9 for t in values] for name, values in times.items()}
    elbo_times = interleaved(
        {
            "elbo": lambda: bounds_per_image(
                vae, x_train, range(len(x_train)), settings, EVALUATE_TEST, iwae=False
            ),
        },
        rounds,
    )
    elbo_flops = decoder_flops(len(x_train) * settings.elbo_samples) + encoder_flops(len(x_train))
    grid = settings.quadrature
    heldout = x_test[:500]
    quadrature = interleaved(
        {
            "plain": lambda: log_marginal_quadrature(
                heldout, vae.decoder, grid.limit, grid.points, half_grid=False
            ),
            "with_check": lambda: log_marginal_quadrature(
                heldout, vae.decoder, grid.limit, grid.points
            ),
        },
        rounds,
    )
    best = [best_rate]
    q_flops = quadrature_flops(len(heldout), grid.points)
    check = [w - p for w, p in zip(quadrature["with_check"], quadrature["plain"], strict=True)]
    return [
        row(
            "evaluation",
            "best large float32 product from torch, this run (baseline)",
            best,
            "GFLOP/s",
            best,
            "higher",
        ),
        row(
            "evaluation",
            f"IWAE-{k} before (8304e41), {len(x)} images",
            rate["old_iwae"],
            "GFLOP/s",
            best,
            "higher",
        ),
        row(
            "evaluation",
            f"IWAE-{k} now, products through {products.backend()}",
            rate["iwae"],
            "GFLOP/s",
            best,
            "higher",
        ),
        row(
            "evaluation",
            f"IWAE-{k} now, products through {other}",
            rate["other"],
            "GFLOP/s",
            best,
            "higher",
        ),
        row(
            "evaluation",
            f"ELBO pass, {len(x_train)} images x {settings.elbo_samples}",
            [elbo_flops / t / 1e9 for t in elbo_times["elbo"]],
            "GFLOP/s",
            best,
            "higher",
        ),
        row(
            "evaluation",
            f"quadrature {grid.points}², 500 images, no check",
            [q_flops / t / 1e9 for t in quadrature["plain"]],
            "GFLOP/s",
            best,
            "higher",
        ),
        row(
            "evaluation",
            "its convergence check (half grid), share of the quadrature",
            [c / median(quadrature["plain"]) for c in check],
            "fraction",
        ),
    ]
