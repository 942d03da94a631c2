"""Inpainting: infer p(z | top half of x) by per-image SVI (mnist_vae.inference.svi),
without the encoder, complete the bottom half of the digit from it, and score the
completions against two baselines and, for Dz = 2, against the model's exact Bayes
completion by quadrature."""

import logging
import time

import numpy as np
import torch

from mnist_vae.analyses.contours import contour_grid
from mnist_vae.analyses.latent import posterior_means
from mnist_vae.inference.bounds import sample_diag_gaussian
from mnist_vae.inference.gauss_hermite import gauss_hermite_elbo
from mnist_vae.inference.quadrature import log_marginal_quadrature, posterior_predictive
from mnist_vae.inference.svi import fit_posterior
from mnist_vae.model import N_PIXELS
from mnist_vae.settings import SVISettings
from mnist_vae.stats import summary

log = logging.getLogger(__name__)

TOP = slice(0, N_PIXELS // 2)  # the first 14 of 28 rows
BOTTOM = slice(N_PIXELS // 2, N_PIXELS)


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
    mu, log_sigma, elbo, restarts = fit_posterior(x[digits], vae.decoder, digits, settings, TOP)
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
    return {name: value.cpu().numpy() for name, value in arrays.items()}, seconds


def diverged(fit):
    """The digits whose fit ended with a non-finite ELBO or q (a learning rate too large).
    fit: arrays of fit_digits -> (N,) bool"""
    finite = np.isfinite(fit["elbo"])
    for key in ("mu", "log_sigma"):
        finite &= np.isfinite(fit[key]).all(axis=-1)
    return ~finite


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
        "diverged_digits": int(diverged(fit).sum()),
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


def exact_completion_metrics(vae, x, fit, grid, hermite_points=16):
    """The model's Bayes-optimal completion as the reference for Dz = 2, by quadrature:
    the posterior predictive of each bottom pixel given the top half, scored like the
    other completions; the exact log p(bottom | top) = log p(x) − log p(top), a joint
    probability (not per pixel); and how far each fitted q is from p(z | top half):
    KL(q ‖ p(z | top)) = log p(top) − ELBO(q), the ELBO by Gauss–Hermite quadrature.
    x: (N, 784) in the order of fit; grid: a QuadratureGrid -> metrics dict"""
    bottom, log_p_top = posterior_predictive(
        x, vae.decoder, grid.limit, grid.points, observed=TOP, predicted=BOTTOM
    )
    log_px, _ = log_marginal_quadrature(x, vae.decoder, grid.limit, grid.points, half_grid=False)
    mu, log_sigma = torch.from_numpy(fit["mu"]), torch.from_numpy(fit["log_sigma"])
    elbo = gauss_hermite_elbo(x, vae.decoder, mu, log_sigma, hermite_points, pixels=TOP)
    return {
        "exact": {
            "bottom_log_likelihood": summary(bottom_log_likelihood(x, bottom.float())),
            "pixel_accuracy": summary(pixel_accuracy(x, bottom.float())),
            "joint_bottom_log_likelihood": summary(log_px - log_p_top),
        },
        "svi_kl_to_exact_posterior": summary(log_p_top - elbo),
    }


def contour_panels(vae, x, labels, fit, n):
    """What the contour figure draws for the first n digits: p(z, top half) and the fitted
    q on a grid, with q's mean and the encoder's mean (from the whole digit) marked.
    x: (N, 784); fit: arrays of the fitted q by digit -> list of n dicts of arrays"""
    encoder_means = posterior_means(vae.encoder, x[:n])
    panels = []
    for i in range(n):
        mu, log_sigma = torch.from_numpy(fit["mu"][i]), torch.from_numpy(fit["log_sigma"][i])
        z1, z2, log_p, (log_q,) = contour_grid(
            x[i], vae.decoder, [(mu, log_sigma)], TOP, encoder_means[i : i + 1, :2]
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
