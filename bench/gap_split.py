"""The gap split's q*: the refinement against L-BFGS and SVI, and how q* moved."""

import math

import torch

from bench.timing import interleaved, row
from mnist_vae.analyses.gaps import best_fits
from mnist_vae.densities import log_prior
from mnist_vae.inference.gauss_hermite import gauss_hermite_elbo, gaussian_entropy, hermite_nodes
from mnist_vae.inference.numerics import fast_tanh, softplus_sum
from mnist_vae.inference.quadrature import log_marginal_and_starts
from mnist_vae.inference.svi import (
    elbo_gradient,
    gaussian_elbo,
    per_image_draws,
)
from mnist_vae.settings import GapsShardSettings, SVISettings


def hand_elbo_and_gradients(x, decoder, mu, log_sigma, nodes, weights):
    """c40c2af's Gauss–Hermite ELBO with its gradient by hand (two products through the
    decoder and back), for the L-BFGS of the split before. -> ELBO (N,), two (N, Dz)"""
    offsets = math.sqrt(2) * log_sigma.exp()[:, None, :] * nodes
    z = mu[:, None, :] + offsets
    h = decoder.hidden_units(z, tanh=fast_tanh)
    logits = decoder.logits(h)
    log_joint = (x[:, None] * logits).sum(-1) - softplus_sum(logits) + log_prior(z)
    d_logits = x[:, None] - torch.sigmoid(logits)
    d_h = (d_logits @ decoder.output_layer.weight).mul_(1 - h * h)
    weighted = (d_h @ decoder.hidden_layer.weight - z) * weights[:, None]
    elbo = log_joint @ weights + gaussian_entropy(log_sigma)
    return elbo, weighted.sum(1), (weighted * offsets).sum(1) + 1


def lbfgs_refinement(x, decoder, mu, log_sigma, points=8, iterations=30, chunk=16):
    """c40c2af's refinement: L-BFGS on the Gauss–Hermite ELBO, one run per chunk of images
    (their ELBOs summed)."""
    nodes, log_weights = hermite_nodes(points, mu.shape[-1])
    nodes, weights = nodes.float(), log_weights.exp().float()
    fitted_mu, fitted_log_sigma = mu.detach().clone(), log_sigma.detach().clone()
    for first in range(0, len(x), chunk):
        rows = slice(first, first + chunk)
        q = [fitted_mu[rows].contiguous(), fitted_log_sigma[rows].contiguous()]
        optimizer = torch.optim.LBFGS(q, max_iter=iterations, line_search_fn="strong_wolfe")

        def loss(x=x[rows], q=q):
            elbo, d_mu, d_log_sigma = hand_elbo_and_gradients(x, decoder, *q, nodes, weights)
            q[0].grad, q[1].grad = -d_mu, -d_log_sigma
            return -elbo.sum()

        optimizer.step(loss)
        fitted_mu[rows], fitted_log_sigma[rows] = q
    return fitted_mu, fitted_log_sigma


def svi_from_starts(x, decoder, images, starts, settings):
    """c40c2af's SVI of the split: one restart from each start (mu, log_sigma), the best
    by its final ELBO. -> mu, log_sigma (N, Dz)"""
    _, step_noise, final_noise = per_image_draws(images, settings, decoder.latent_dim)
    mu = torch.stack([start[0] for start in starts], 1)
    log_sigma = torch.stack([start[1] for start in starts], 1)
    optimizer = torch.optim.Adam([mu, log_sigma], lr=settings.learning_rate)
    for eps in step_noise:
        mu.grad, log_sigma.grad = elbo_gradient(x, decoder, mu, log_sigma, eps)
        optimizer.step()
    with torch.no_grad():
        best = gaussian_elbo(x, decoder, mu, log_sigma, final_noise).argmax(1)
    pick = torch.arange(len(x))
    return mu[pick, best], log_sigma[pick, best]


def split_before(x, decoder, encoder_q, starts):
    """q* as c40c2af fitted it, but for its L-BFGS fits from the posterior's lesser peaks
    (most images have none): SVI on all pixels (100 steps, K = 10) from the encoder's q
    and from the top of the grid posterior (here: the heaviest basin's mean, σ = 0.1),
    then L-BFGS on the Gauss–Hermite ELBO."""
    settings = SVISettings(restarts=2, steps=100)
    peak = torch.stack([start[0, :2] for start in starts])
    mode_q = (peak, torch.full_like(peak, math.log(settings.initial_sigma)))
    images = torch.arange(len(x))
    mu, log_sigma = svi_from_starts(x, decoder, images, [encoder_q, mode_q], settings)
    return lbfgs_refinement(x, decoder, mu, log_sigma)


def gap_split_rows(vae, x_test, n_images, rounds):
    """The fit of the split's q*, before (c40c2af's SVI and L-BFGS) and now (Newton from
    the grid posterior's basins), from the same grid pass, and how the two q* compare
    in the ELBO the split reports (Gauss–Hermite, 16² nodes)."""
    x = x_test[:n_images]
    settings = GapsShardSettings()
    grid = settings.quadrature
    _, _, starts = log_marginal_and_starts(x, vae.decoder, grid.limit, grid.points)
    with torch.no_grad():
        encoder_q = vae.encoder(x)
    results = {}
    times = interleaved(
        {
            "before": lambda: results.__setitem__(
                "before", split_before(x, vae.decoder, encoder_q, starts)
            ),
            "now": lambda: results.__setitem__(
                "now", best_fits(x, vae.decoder, starts, settings)[:2]
            ),
        },
        rounds,
    )
    elbos = {
        name: gauss_hermite_elbo(x, vae.decoder, *fitted, points=16)
        for name, fitted in results.items()
    }
    gain = elbos["now"] - elbos["before"]
    base = times["before"]
    return [
        row(
            "gaps",
            f"q* before (c40c2af: SVI from two starts, then L-BFGS), {n_images} images",
            base,
            "s",
            base,
        ),
        row("gaps", "q* now (Newton from the grid posterior's basins)", times["now"], "s", base),
        row("gaps", "ELBO(q*) now minus before, mean per image", gain.mean().item(), "nats"),
        row("gaps", "ELBO(q*) now minus before, worst image", gain.min().item(), "nats"),
    ]
