"""The ELBO of a factorised Gaussian q(z) without Monte Carlo noise, by Gauss–Hermite
quadrature, for a low-dimensional latent space (Dz = 2: points² nodes per image).

ELBO(q) = E_q[log p(x, z)] + H(q). With z = mu + √2 σ ⊙ t, the expectation is
E_q f = π^(-Dz/2) Σ_t w(t) f(mu + √2 σ ⊙ t) over the product of the points-node rule
for the weight exp(-t²), exact when f is a polynomial of degree < 2·points in each
coordinate. log p(x, z) is smooth over the few standard deviations of q that carry its
mass, so the error falls fast with `points` (tests/test_gauss_hermite.py checks it
against a large Monte Carlo estimate); the entropy H(q) is exact.
"""

import math

import numpy as np
import torch

from mnist_vae.densities import LOG_2PI
from mnist_vae.inference.svi import ALL_PIXELS, joint_log_density


def hermite_nodes(points, latent_dim):
    """The product rule's nodes t (points^Dz, Dz) and log weights (points^Dz,), float64,
    normalised so that the weights of E_q sum to one."""
    t, w = np.polynomial.hermite.hermgauss(points)
    t, log_w = torch.from_numpy(t), torch.from_numpy(np.log(w) - 0.5 * math.log(math.pi))
    nodes = torch.cartesian_prod(*[t] * latent_dim).reshape(-1, latent_dim)
    log_weights = torch.cartesian_prod(*[log_w] * latent_dim).reshape(-1, latent_dim).sum(-1)
    return nodes, log_weights


def gaussian_entropy(log_sigma):
    """H(N(mu, diag σ²)). log_sigma: (..., Dz) -> (...)"""
    return (log_sigma + 0.5 * (1 + LOG_2PI)).sum(-1)


def log_joint_at_nodes(x, decoder, mu, log_sigma, nodes, pixels=ALL_PIXELS):
    """log p(x[pixels], z) at the rule's nodes z = mu + √2 σ ⊙ t, differentiable in mu and
    log_sigma. x: (N, 784), mu, log_sigma: (N, Dz), nodes: (P, Dz) -> (N, P)"""
    z = mu[:, None, :] + math.sqrt(2) * log_sigma.exp()[:, None, :] * nodes
    return joint_log_density(x[:, None, :], z, decoder, pixels)


@torch.no_grad()
def gauss_hermite_elbo(x, decoder, mu, log_sigma, points=16, pixels=ALL_PIXELS, chunk=16):
    """ELBO of q = N(mu, diag σ²) for p(z | x[pixels]), deterministic.
    x: (N, 784), mu, log_sigma: (N, Dz) -> (N,) float64"""
    nodes, log_weights = hermite_nodes(points, mu.shape[-1])
    weights = log_weights.exp()
    expectations = [
        log_joint_at_nodes(x_c, decoder, mu_c, log_sigma_c, nodes.float(), pixels).double()
        @ weights
        for x_c, mu_c, log_sigma_c in zip(
            x.split(chunk), mu.split(chunk), log_sigma.split(chunk), strict=True
        )
    ]
    return torch.cat(expectations) + gaussian_entropy(log_sigma.double())


def maximise_gauss_hermite_elbo(
    x, decoder, mu, log_sigma, points=8, iterations=30, pixels=ALL_PIXELS, chunk=16
):
    """The Gaussian q = N(mu, diag σ²) of highest Gauss–Hermite ELBO near the given one, by
    L-BFGS on the deterministic ELBO: where SVI's noisy steps stop a few tenths of a nat
    short of the optimum, this ends at it. The images of a chunk share one L-BFGS run
    (their ELBOs summed) and chunks start at multiples of `chunk`, so an image's result
    does not depend on the images outside its chunk.
    x: (N, 784), mu, log_sigma: (N, Dz) -> two (N, Dz)"""
    nodes, log_weights = hermite_nodes(points, mu.shape[-1])
    nodes, weights = nodes.float(), log_weights.exp().float()
    fitted_mu, fitted_log_sigma = mu.detach().clone(), log_sigma.detach().clone()
    for first in range(0, len(x), chunk):
        rows = slice(first, first + chunk)
        q = [fitted_mu[rows].contiguous().requires_grad_(), fitted_log_sigma[rows].contiguous()]
        q[1].requires_grad_()
        optimizer = torch.optim.LBFGS(q, max_iter=iterations, line_search_fn="strong_wolfe")

        def loss(x=x[rows], q=q):
            log_joint = log_joint_at_nodes(x, decoder, *q, nodes, pixels)
            value = -(log_joint @ weights + gaussian_entropy(q[1])).sum()
            q[0].grad, q[1].grad = torch.autograd.grad(value, q)
            return value.detach()

        optimizer.step(loss)
        fitted_mu[rows], fitted_log_sigma[rows] = q[0].detach(), q[1].detach()
    return fitted_mu, fitted_log_sigma
