"""Monte-Carlo bounds on log p(x): the reparameterised ELBO and the importance-weighted bound."""

import math

import torch

from mnist_vae.densities import log_likelihood, log_prior, log_q
from mnist_vae.inference.numerics import softplus_sum_
from mnist_vae.inference.sigmoid_form import SigmoidDecoder


def sample_diag_gaussian(mu, log_sigma, generator, n_samples=None):
    """Reparameterised draw z = mu + sigma * eps.

    mu, log_sigma: (B, Dz) -> (B, Dz), or (n_samples, B, Dz) when n_samples is given.
    """
    shape = mu.shape if n_samples is None else (n_samples, *mu.shape)
    eps = torch.randn(shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + torch.exp(log_sigma) * eps


def elbo_terms(x, vae, generator, n_samples=1):
    """Reconstruction E_q[log p(x | z)] and KL E_q[log q(z | x) - log p(z)], each
    estimated from the same n_samples draws z ~ q(z | x). x: (B, 784) -> (B,), (B,)"""
    mu, log_sigma = vae.encoder(x)
    z = sample_diag_gaussian(mu, log_sigma, generator, n_samples)
    reconstruction = log_likelihood(x, vae.decoder(z)).mean(0)
    kl = (log_q(z, mu, log_sigma) - log_prior(z)).mean(0)
    return reconstruction, kl


def elbo(x, vae, generator, n_samples=1):
    """Reparameterised ELBO estimate log p(x, z) - log q(z | x), z ~ q(z | x), averaged
    over n_samples draws (one in training, as in the paper). x: (B, 784) -> (B,)"""
    reconstruction, kl = elbo_terms(x, vae, generator, n_samples)
    return reconstruction - kl


def log_prior_minus_log_q(z, eps, log_sigma):
    """log p(z) - log q(z | x) at z = mu + sigma * eps, from the standard draws themselves.
    z, eps: (B, S, Dz), log_sigma: (B, Dz) -> (B, S)"""
    return 0.5 * (eps * eps - z * z).sum(-1) + log_sigma.sum(-1, keepdim=True)


def log_likelihood_of_draws(x, z, decoder, chunk_size):
    """log p(x | z) for S draws of z per image, decoded about chunk_size at a time: several
    images' draws together when S is small, one image's in chunks when it is large. Through
    the decoder's sigmoid form (inference.sigmoid_form), every chunk's logits written into
    the same memory and their softplus computed in place.
    x: (B, 784), z: (B, S, Dz) -> (B, S)"""
    units = SigmoidDecoder.of(decoder)
    images_per_chunk = max(1, chunk_size // z.shape[1])
    buffer = x.new_empty(images_per_chunk * min(chunk_size, z.shape[1]), x.shape[1])
    rows = []
    for x_group, z_group in zip(x.split(images_per_chunk), z.split(images_per_chunk), strict=True):
        parts = []
        for z_chunk in z_group.split(chunk_size, dim=1):
            s = units.hidden_units(z_chunk)
            out = buffer[: s.shape[0] * s.shape[1]]
            logits = units.logits(s.flatten(0, 1), out=out).view(*s.shape[:2], -1)
            x_dot_logits = torch.bmm(logits, x_group[:, :, None]).squeeze(-1)
            parts.append(x_dot_logits - softplus_sum_(logits))
        rows.append(torch.cat(parts, dim=1))
    return torch.cat(rows)


@torch.no_grad()
def log_weights_from_draws(x, vae, eps, chunk_size=1000):
    """log p(x | z) and log p(z) - log q(z | x) at z = mu + sigma * eps for every draw.
    x: (B, 784), eps: (B, S, Dz) -> (B, S), (B, S)"""
    mu, log_sigma = vae.encoder(x)
    z = mu[:, None] + log_sigma.exp()[:, None] * eps
    log_lik = log_likelihood_of_draws(x, z, vae.decoder, chunk_size)
    return log_lik, log_prior_minus_log_q(z, eps, log_sigma)


def log_mean_exp(log_weights):
    """log (1/S) Σ_s exp(w_s) in float64. (B, S) -> (B,)"""
    return torch.logsumexp(log_weights.double(), 1) - math.log(log_weights.shape[1])


def iwae_of_groups(log_weights, k):
    """IWAE-k from S ≥ k draws: the mean of the bound over the ⌊S / k⌋ disjoint groups of
    k draws (the rest left out), an unbiased estimate of E[IWAE-k] whose variance is a
    group's divided by their number. (B, S) -> (B,) float64"""
    groups = log_weights.shape[1] // k
    if groups == 0:
        raise ValueError(f"IWAE-{k} needs k draws; there are {log_weights.shape[1]}")
    grouped = log_weights[:, : groups * k].double().reshape(len(log_weights) * groups, k)
    return log_mean_exp(grouped).reshape(len(log_weights), groups).mean(1)
