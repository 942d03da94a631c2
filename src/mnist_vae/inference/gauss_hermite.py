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

from mnist_vae.densities import LOG_2PI, log_prior
from mnist_vae.inference.numerics import fast_tanh, softplus_sum
from mnist_vae.inference.svi import ALL_PIXELS, joint_log_density
from mnist_vae.products import linear


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
    nodes, log_weights = (t.to(mu.device) for t in hermite_nodes(points, mu.shape[-1]))
    weights = log_weights.exp()
    expectations = [
        log_joint_at_nodes(x_c, decoder, mu_c, log_sigma_c, nodes.float(), pixels).double()
        @ weights
        for x_c, mu_c, log_sigma_c in zip(
            x.split(chunk), mu.split(chunk), log_sigma.split(chunk), strict=True
        )
    ]
    return torch.cat(expectations) + gaussian_entropy(log_sigma.double())


@torch.no_grad()
def elbo_and_gradients(x, decoder, mu, log_sigma, nodes, weights, pixels=ALL_PIXELS):
    """The Gauss–Hermite ELBO of each image's q = N(mu, diag σ²) and its gradient with
    respect to mu and log_sigma, written out by hand: with z_t = mu + √2 σ ⊙ t and
    g_t = ∇_z log p(x[pixels], z_t) = W3ᵀ[(1 - h_t²) ⊙ W4ᵀ(x - sigmoid(logits_t))] - z_t,

        ∂ELBO/∂mu = Σ_t w_t g_t,   ∂ELBO/∂log σ = Σ_t w_t g_t ⊙ √2 σ ⊙ t + 1,

    two large products through the decoder and back (autograd's backward pass, less its
    bookkeeping). x: (N, 784), mu, log_sigma: (N, Dz), nodes: (P, Dz), weights: (P,)
    -> ELBO (N,), two (N, Dz)"""
    offsets = math.sqrt(2) * log_sigma.exp()[:, None, :] * nodes
    z = mu[:, None, :] + offsets
    h = decoder.hidden_units(z, tanh=fast_tanh)
    logits = decoder.logits(h, pixels)
    x_seen = x[:, None, pixels]
    log_joint = (x_seen * logits).sum(-1) - softplus_sum(logits) + log_prior(z)
    d_logits = x_seen - torch.sigmoid(logits)
    d_h = linear(d_logits, decoder.output_layer.weight[pixels].T).mul_(1 - h * h)
    weighted = (linear(d_h, decoder.hidden_layer.weight.T) - z) * weights[:, None]
    elbo = log_joint @ weights + gaussian_entropy(log_sigma)
    return elbo, weighted.sum(1), (weighted * offsets).sum(1) + 1


def maximise_gauss_hermite_elbo(
    x, decoder, mu, log_sigma, points=8, iterations=30, pixels=ALL_PIXELS, chunk=16
):
    """The Gaussian q = N(mu, diag σ²) of highest Gauss–Hermite ELBO near the given one, by
    L-BFGS on the deterministic ELBO (its gradient by hand, elbo_and_gradients): where
    SVI's noisy steps stop a few tenths of a nat short of the optimum, this ends at it. The
    images of a chunk share one L-BFGS run (their ELBOs summed) and chunks start at
    multiples of `chunk`, so an image's result does not depend on the images outside its
    chunk. x: (N, 784), mu, log_sigma: (N, Dz) -> two (N, Dz)"""
    nodes, log_weights = hermite_nodes(points, mu.shape[-1])
    nodes, weights = nodes.float().to(mu.device), log_weights.exp().float().to(mu.device)
    fitted_mu, fitted_log_sigma = mu.detach().clone(), log_sigma.detach().clone()
    for first in range(0, len(x), chunk):
        rows = slice(first, first + chunk)
        q = [fitted_mu[rows].contiguous(), fitted_log_sigma[rows].contiguous()]
        optimizer = torch.optim.LBFGS(q, max_iter=iterations, line_search_fn="strong_wolfe")

        def loss(x=x[rows], q=q):
            elbo, d_mu, d_log_sigma = elbo_and_gradients(x, decoder, *q, nodes, weights, pixels)
            q[0].grad, q[1].grad = -d_mu, -d_log_sigma
            return -elbo.sum()

        optimizer.step(loss)
        fitted_mu[rows], fitted_log_sigma[rows] = q
    return fitted_mu, fitted_log_sigma
