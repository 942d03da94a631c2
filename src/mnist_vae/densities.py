"""Log-densities of the generative model and the variational family.

Every function is batched over leading axes and sums over the last (event) axis.
"""

import math

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)
# Every pixel, as the `pixels` of a density over some of them (a slice of the 784).
ALL_PIXELS = slice(None)


def log_normal(z, mu, log_sigma):
    """log N(z | mu, diag(exp(log_sigma)^2)). z, mu, log_sigma: (..., D) -> (...)"""
    standardized = (z - mu) * torch.exp(-log_sigma)
    return (-0.5 * (LOG_2PI + standardized**2) - log_sigma).sum(-1)


def log_prior(z):
    """log p(z) under the standard normal prior. z: (..., Dz) -> (...)"""
    return (-0.5 * (LOG_2PI + z**2)).sum(-1)


def log_likelihood(x, logits):
    """log p(x | z) for Bernoulli pixels given decoder logits. x, logits: (..., 784) -> (...)

    Uses binary_cross_entropy_with_logits, which never evaluates log(sigmoid(.)).
    """
    x, logits = torch.broadcast_tensors(x.to(logits.dtype), logits)
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)


def log_likelihood_of_pixels(x, z, decoder, pixels=ALL_PIXELS):
    """log p(x[pixels] | z), decoding only those pixels. x: (..., 784), z: (..., Dz) -> (...)"""
    return log_likelihood(x[..., pixels], decoder(z, pixels=pixels))


def joint_log_density(x, z, decoder, pixels=ALL_PIXELS):
    """log p(z, x[pixels]) = log p(z) + log p(x[pixels] | z), all pixels unless given.
    x: (..., 784), z: (..., Dz) -> (...)"""
    return log_prior(z) + log_likelihood_of_pixels(x, z, decoder, pixels)


def log_q(z, mu, log_sigma):
    """log q(z | x) of the factorised Gaussian posterior. z, mu, log_sigma: (..., Dz) -> (...)"""
    return log_normal(z, mu, log_sigma)
