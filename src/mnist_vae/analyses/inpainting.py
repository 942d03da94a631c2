"""Inpainting: infer p(z | top half of x) by stochastic variational inference, without the
encoder, and complete the bottom half of the digit from it.

Many digits are fitted at once: the variational parameters of every digit and restart are
one tensor, and the loss is the sum of their ELBOs, so each digit's gradient (and Adam's
elementwise update) is independent of the others. Every digit draws its noise from its own
stream, seeded by (seed, digit index), so fitting a batch gives the same answer for a digit
as fitting it alone.
"""

import logging
import math
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from mnist_vae.analyses.latent import posterior_means
from mnist_vae.densities import log_likelihood, log_prior, log_q
from mnist_vae.inference.bounds import sample_diag_gaussian
from mnist_vae.inference.streams import image_generator
from mnist_vae.model import N_PIXELS
from mnist_vae.settings import FromConfig
from mnist_vae.stats import summary

log = logging.getLogger(__name__)

TOP = slice(0, N_PIXELS // 2)  # the first 14 of 28 rows
BOTTOM = slice(N_PIXELS // 2, N_PIXELS)
OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
# Digits computed together; chunks start at multiples of it, so shards are made of whole chunks.
DIGIT_CHUNK = 16


@dataclass(frozen=True)
class SVISettings(FromConfig):
    samples: int = 10  # K, draws from q per ELBO estimate
    steps: int = 300
    learning_rate: float = 0.05
    optimizer: Literal["adam", "sgd"] = "adam"
    restarts: int = 4
    candidates: int = 256  # prior draws per restart; the best by log p(z, top) starts it
    initial_sigma: float = 0.1
    final_samples: int = 200  # draws to score each restart once fitted
    seed: int = 0


def log_likelihood_top(x, z, decoder):
    """log p(top half of x | z), decoding only the top 392 pixels.
    x: (..., 784) or (..., 392), z: (..., Dz) -> (...)"""
    return log_likelihood(x[..., TOP], decoder(z, pixels=TOP))


def joint_log_density_top(x, z, decoder):
    """log p(z, top half of x). x: (..., 784), z: (..., Dz) -> (...)"""
    return log_prior(z) + log_likelihood_top(x, z, decoder)


def per_digit_draws(digits, settings, latent_dim):
    """Standard normal draws for each digit from its own stream.
    -> candidates (N, R, C, Dz), steps (T, K, N, R, Dz), final (F, N, R, Dz)"""
    r, k, t, f = settings.restarts, settings.samples, settings.steps, settings.final_samples
    c = settings.candidates
    sizes = [r * c * latent_dim, t * k * r * latent_dim, f * r * latent_dim]
    draws = [
        torch.randn(sum(sizes), generator=image_generator(settings.seed, int(d))).split(sizes)
        for d in digits
    ]
    candidates, steps, final = (torch.stack(parts) for parts in zip(*draws, strict=True))
    return (
        candidates.view(-1, r, c, latent_dim),
        steps.view(-1, t, k, r, latent_dim).permute(1, 2, 0, 3, 4),
        final.view(-1, f, r, latent_dim).permute(1, 0, 2, 3),
    )


@torch.no_grad()
def best_candidates(x, decoder, candidates, chunk=DIGIT_CHUNK):
    """For each digit and restart, the prior draw with the highest log p(z, top half):
    starting points near modes of the posterior, different for each restart.
    x: (N, 784), candidates: (N, R, C, Dz) -> (N, R, Dz)"""
    best = []
    for x_chunk, z in zip(x.split(chunk), candidates.split(chunk), strict=True):
        log_p = joint_log_density_top(x_chunk[:, None, None, :], z, decoder)
        index = log_p.argmax(-1)[..., None, None].expand(-1, -1, 1, z.shape[-1])
        best.append(z.gather(2, index).squeeze(2))
    return torch.cat(best)


def elbo_top(x, decoder, mu, log_sigma, eps):
    """ELBO of q = N(mu, sigma²) for p(z | top half of x), from the standard draws eps.
    x: (N, 784), mu, log_sigma: (N, R, Dz), eps: (K, N, R, Dz) -> (N, R)"""
    z = mu + log_sigma.exp() * eps
    x = x[:, None, :]
    return (joint_log_density_top(x, z, decoder) - log_q(z, mu, log_sigma)).mean(0)


def digit_chunks(x, mu, log_sigma, eps, size):
    """The digits in chunks of `size`: x (N, 784), mu, log_sigma (N, R, Dz) and eps
    (K, N, R, Dz) split alike. -> iterator of (x, mu, log_sigma, eps)"""
    return zip(
        x.split(size), mu.split(size), log_sigma.split(size), eps.split(size, dim=1), strict=True
    )


@torch.no_grad()
def elbo_top_gradient(x, decoder, mu, log_sigma, eps, digit_chunk=DIGIT_CHUNK):
    """Gradient of the loss -Σ ELBO_top (the sum over digits and restarts) with respect to
    mu and log_sigma, written out by hand: two large products per chunk of digits, through
    the decoder's top half and back, and no pass for the ELBO's value, which the steps do
    not need. Chunks start at multiples of digit_chunk, so that a digit's gradient does
    not depend on how many digits are fitted with it.
    x: (N, 784), mu, log_sigma: (N, R, Dz), eps: (K, N, R, Dz) -> two (N, R, Dz)"""
    hidden, out = decoder.hidden[0], decoder.out
    w_top, b_top = out.weight[TOP], out.bias[TOP]
    grads = []
    for x_c, mu_c, log_sigma_c, eps_c in digit_chunks(x, mu, log_sigma, eps, digit_chunk):
        sigma_c = log_sigma_c.exp()
        z = mu_c + sigma_c * eps_c
        h = torch.tanh(hidden(z))
        # d loss / d logits = sigmoid(logits) - x; back through the decoder, and the prior
        d_logits = torch.sigmoid(torch.nn.functional.linear(h, w_top, b_top))
        d_logits.sub_(x_c[:, None, TOP])
        d_z = (d_logits @ w_top).mul_(1 - h * h) @ hidden.weight + z
        grads.append((d_z.mean(0), (d_z * eps_c).mean(0).mul_(sigma_c).sub_(1)))
    return tuple(torch.cat(parts) for parts in zip(*grads, strict=True))


def fit_top_half_posterior(x, decoder, digits, settings: SVISettings):
    """Fit a factorised Gaussian q(z) to p(z | top half of x) for every digit at once,
    from settings.restarts starting points each (the best of settings.candidates prior
    draws by log p(z, top half)), keeping the restart with the best final ELBO.
    x: (N, 784) on the CPU; digits: (N,) dataset indices, which seed each digit's stream.
    -> mu, log_sigma: (N, Dz), elbo: (N,), all restarts' elbo: (N, R)"""
    candidates, step_noise, final_noise = per_digit_draws(digits, settings, decoder.latent_dim)
    mu = best_candidates(x, decoder, candidates)
    log_sigma = torch.full_like(mu, math.log(settings.initial_sigma))
    optimizer = OPTIMIZERS[settings.optimizer]([mu, log_sigma], lr=settings.learning_rate)
    for step, eps in enumerate(step_noise, 1):
        mu.grad, log_sigma.grad = elbo_top_gradient(x, decoder, mu, log_sigma, eps)
        optimizer.step()
        if step % max(1, settings.steps // 10) == 0:
            elbo = elbo_top(x, decoder, mu, log_sigma, eps)
            log.info("SVI step %d/%d: mean ELBO %.2f", step, settings.steps, elbo.mean().item())
    with torch.no_grad():
        restarts = torch.cat(
            [
                elbo_top(x_c, decoder, mu_c, log_sigma_c, eps_c)
                for x_c, mu_c, log_sigma_c, eps_c in digit_chunks(
                    x, mu, log_sigma, final_noise, DIGIT_CHUNK
                )
            ]
        )
        best = restarts.argmax(1)
        pick = torch.arange(len(x))
        return (
            mu[pick, best],
            log_sigma[pick, best],
            restarts[pick, best],
            restarts,
        )


@torch.no_grad()
def bottom_probabilities(decoder, mu, log_sigma, n_samples, generator):
    """Bernoulli means of the bottom half averaged over z ~ N(mu, sigma²).
    mu, log_sigma: (N, Dz) -> (N, 392)"""
    z = sample_diag_gaussian(mu, log_sigma, generator, n_samples)
    return torch.sigmoid(decoder(z, pixels=BOTTOM)).mean(0)


def completion(x, bottom):
    """The true top half with the predicted bottom half. x: (N, 784), bottom: (N, 392) -> (N, 784)"""
    return torch.cat([x[:, TOP], bottom], dim=1)


def bottom_log_likelihood(x, bottom, floor=1e-6):
    """log-likelihood of the true bottom half under independent Bernoullis with means
    `bottom`, clamped to [floor, 1 - floor] so one certain wrong pixel is not -inf.
    x: (N, 784), bottom: (N, 392) -> (N,)"""
    p = bottom.clamp(floor, 1 - floor)
    truth = x[:, BOTTOM]
    return (truth * p.log() + (1 - truth) * (1 - p).log()).sum(1)


def pixel_accuracy(x, bottom):
    """Fraction of bottom pixels the thresholded prediction gets right. -> (N,)"""
    return ((bottom > 0.5).float() == x[:, BOTTOM]).float().mean(1)


@torch.no_grad()
def encoder_baseline(vae, x, n_samples, generator):
    """Bottom half from the encoder's q(z | x) of the digit with its bottom half zeroed."""
    mu, log_sigma = vae.encoder(completion(x, torch.zeros_like(x[:, BOTTOM])))
    return bottom_probabilities(vae.decoder, mu, log_sigma, n_samples, generator)


def pixel_mean_baseline(x_train, n):
    """Each bottom pixel's mean over the training set, for n digits. -> (n, 392)"""
    return x_train[:, BOTTOM].mean(0).expand(n, -1)


@torch.no_grad()
def contour_grid(x, decoder, mu, log_sigma, markers, points=200, limit=8.0, drop=12.0):
    """log p(z, top half of x) and log q(z) over the first two latent axes (the others
    held at q's mean), on a range read off the posterior: the box where log p is within
    `drop` nats of its largest value on [-limit, limit]², widened to hold q's 3σ box and
    the `markers`. x: (784,), mu, log_sigma: (Dz,), markers: (M, 2)
    -> z1 (points,), z2 (points,), log_p and log_q (points, points) indexed [z2, z1]"""

    def plane(z1, z2):
        z = mu.expand(*z1.shape, -1).clone()
        z[..., 0], z[..., 1] = z1, z2
        return z

    axis = torch.linspace(-limit, limit, 161)
    coarse = plane(*torch.meshgrid(axis, axis, indexing="xy"))
    log_p = joint_log_density_top(x, coarse, decoder)
    sigma = log_sigma[:2].exp()
    corners = torch.cat(
        [
            coarse[log_p > log_p.max() - drop][:, :2],
            (mu[:2] - 3 * sigma)[None],
            (mu[:2] + 3 * sigma)[None],
            markers,
        ]
    )
    low, high = corners.min(0).values, corners.max(0).values
    pad = 0.15 * (high - low).max()
    z1 = torch.linspace(low[0] - pad, high[0] + pad, points)
    z2 = torch.linspace(low[1] - pad, high[1] + pad, points)
    fine = plane(*torch.meshgrid(z1, z2, indexing="xy"))
    return z1, z2, joint_log_density_top(x, fine, decoder), log_q(fine, mu, log_sigma)


def fit_digits(vae, x, digits, settings: SVISettings):
    """Fit q for the digits `digits` (indices into x, which seed their streams).
    x: (N, 784) -> dict of arrays: digit, mu, log_sigma, elbo, restart_elbo; and seconds"""
    start = time.perf_counter()
    digits = torch.as_tensor(digits, dtype=torch.long)
    if len(digits) == 0:  # a shard beyond the last digit
        dz, r = vae.latent_dim, settings.restarts
        empty = {"mu": (0, dz), "log_sigma": (0, dz), "elbo": (0,), "restart_elbo": (0, r)}
        return {
            "digit": digits.numpy(),
            **{k: np.zeros(v, np.float32) for k, v in empty.items()},
        }, 0.0
    mu, log_sigma, elbo, restarts = fit_top_half_posterior(x[digits], vae.decoder, digits, settings)
    seconds = time.perf_counter() - start
    log.info(
        "Fitted q for %d digits x %d restarts in %.1f s", len(digits), settings.restarts, seconds
    )
    arrays = {
        "digit": digits,
        "mu": mu,
        "log_sigma": log_sigma,
        "elbo": elbo,
        "restart_elbo": restarts,
    }
    return {name: value.numpy() for name, value in arrays.items()}, seconds


def completion_metrics(vae, x, x_train, fit, seed, completion_samples):
    """Complete the bottom halves of the digits x from their fitted q (fit: arrays of
    fit_digits, in the order of x), and score the completions against two baselines: the
    encoder applied to the digit with its bottom half zeroed, and the training set's
    pixel means. x: (N, 784), x_train: (M, 784) -> metrics dict, predicted bottoms (N, 392)"""
    mu, log_sigma = torch.from_numpy(fit["mu"]), torch.from_numpy(fit["log_sigma"])
    restarts = torch.from_numpy(fit["restart_elbo"])
    generator = torch.Generator().manual_seed(seed)
    predictions = {
        "svi": bottom_probabilities(vae.decoder, mu, log_sigma, completion_samples, generator),
        "encoder_zeroed_bottom": encoder_baseline(vae, x, completion_samples, generator),
        "pixel_mean": pixel_mean_baseline(x_train, len(x)),
    }
    metrics = {
        "n_digits": len(x),
        "svi_elbo": summary(fit["elbo"]),
        "mean_restart_spread": float((restarts.max(1).values - restarts.min(1).values).mean()),
        **{
            name: {
                "bottom_log_likelihood": summary(bottom_log_likelihood(x, bottom)),
                "pixel_accuracy": summary(pixel_accuracy(x, bottom)),
            }
            for name, bottom in predictions.items()
        },
    }
    return metrics, predictions["svi"].numpy()


def contour_panels(vae, x, labels, fit, n):
    """What the contour figure draws for the first n digits: p(z, top half) and the fitted
    q on a grid, with q's mean and the encoder's mean (from the whole digit) marked.
    x: (N, 784); fit: arrays of the fitted q by digit -> list of n dicts of arrays"""
    encoder_means = posterior_means(vae.encoder, x[:n])
    panels = []
    for i in range(n):
        mu, log_sigma = torch.from_numpy(fit["mu"][i]), torch.from_numpy(fit["log_sigma"][i])
        z1, z2, log_p, log_q = contour_grid(
            x[i], vae.decoder, mu, log_sigma, encoder_means[i : i + 1, :2]
        )
        panels.append(
            {
                "digit": i,
                "label": labels[i],
                "x": x[i].numpy(),
                "z1": z1.numpy(),
                "z2": z2.numpy(),
                "log_p": log_p.numpy(),
                "log_q": log_q.numpy(),
                "mu_q": mu.numpy(),
                "encoder_mean": encoder_means[i].numpy(),
            }
        )
    return panels
