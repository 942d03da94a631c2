"""Reference estimators of log p(x), written as the formulas read: plain, slow and kept for
the tests and the benchmark, which check the pipeline's fast paths (mnist_vae.evaluate,
mnist_vae.inference.quadrature) against them. No rule calls them."""

import math

import torch

from mnist_vae.densities import joint_log_density, log_likelihood, log_q
from mnist_vae.inference.bounds import sample_diag_gaussian


def _log_mean_exp(log_weights, k, chunk_size):
    """log (1/k) sum_s exp(w_s) where log_weights(n) draws n fresh weights (n, B);
    accumulated in float64 over chunks so memory stays bounded. -> (B,)"""
    partial_sums = [
        torch.logsumexp(log_weights(min(chunk_size, k - start)).double(), dim=0)
        for start in range(0, k, chunk_size)
    ]
    return torch.logsumexp(torch.stack(partial_sums), dim=0) - math.log(k)


def iwae_bound(x, vae, k, generator, chunk_size=500):
    """Importance-weighted bound log (1/k) sum_s p(x, z_s) / q(z_s | x), z_s ~ q(z | x)
    (Burda et al., 2015). x: (B, 784) -> (B,) float64"""
    mu, log_sigma = vae.encoder(x)

    def log_weights(n):
        z = sample_diag_gaussian(mu, log_sigma, generator, n)
        return joint_log_density(x, z, vae.decoder) - log_q(z, mu, log_sigma)

    return _log_mean_exp(log_weights, k, chunk_size)


def log_marginal_prior_sampling(x, decoder, n_samples, latent_dim, generator, chunk_size=500):
    """Plain Monte Carlo log (1/n) sum_s p(x | z_s), z_s ~ p(z): unbiased for p(x),
    consistent for log p(x), and independent of the encoder. x: (B, 784) -> (B,) float64"""

    def log_weights(n):
        z = torch.randn(
            (n, x.shape[0], latent_dim), generator=generator, device=x.device, dtype=torch.float32
        )
        return log_likelihood(x, decoder(z))

    return _log_mean_exp(log_weights, n_samples, chunk_size)
