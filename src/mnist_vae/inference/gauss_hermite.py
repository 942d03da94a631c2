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

from mnist_vae.densities import ALL_PIXELS, LOG_2PI, joint_log_density, log_prior
from mnist_vae.inference.numerics import fast_tanh, softplus_sum
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
def elbo_gradient_and_hessian(x, decoder, theta, nodes, weights):
    """The Gauss–Hermite ELBO of each image's q = N(mu, diag σ²), θ = (mu, log σ), with its
    gradient and Hessian in θ, written out by hand. With z_t = mu + o_t, o_t = √2 σ ⊙ t,
    g_t and H_t the gradient and Hessian of log p(x, z) at z_t:

        H_t = W3ᵀ diag(-2 h ⊙ (1 - h²) ⊙ W4ᵀ(x - s)) W3 - J_tᵀ diag(s ⊙ (1 - s)) J_t - I,

    s = sigmoid(logits_t), J_t = W4 diag(1 - h²) W3 the logits' Jacobian in z (two more
    products through the decoder's output layer, one per latent axis), and

        ∂²/∂mu² = Σ w H,  ∂²/∂mu ∂log σ = Σ w H diag(o),
        ∂²/∂log σ² = Σ w diag(o) H diag(o) + diag(Σ w g ⊙ o).

    x: (N, 784), theta: (N, 2 Dz), nodes: (P, Dz), weights: (P,)
    -> ELBO (N,) float64, gradient (N, 2 Dz) float64, Hessian (N, 2 Dz, 2 Dz) float64"""
    dz = theta.shape[1] // 2
    mu, log_sigma = theta[:, :dz].float(), theta[:, dz:].float()
    offsets = math.sqrt(2) * log_sigma.exp()[:, None, :] * nodes
    z = mu[:, None, :] + offsets
    h = decoder.hidden_units(z, tanh=fast_tanh)
    logits = decoder.logits(h)
    x_seen = x[:, None, :]
    log_joint = (x_seen * logits).sum(-1) - softplus_sum(logits) + log_prior(z)
    s = torch.sigmoid(logits)
    w3, w4 = decoder.hidden_layer.weight, decoder.output_layer.weight
    back = linear(x_seen - s, w4.T)  # W4ᵀ(x - s): (N, P, H)
    slope = 1 - h * h
    g = linear(back * slope, w3.T) - z
    jacobian = linear((slope[..., None, :] * w3.T).flatten(0, -2), w4)
    jacobian = jacobian.view(*z.shape, -1)  # (N, P, Dz, 784)
    curvature = s.mul_(1 - s)
    # Σ_j v_j J_dj J_ej and Σ_k c_k W3_kd W3_ke as sums and one product, not as batched
    # products of tiny matrices (bmm), which run several times slower here
    weighted = jacobian * curvature[..., None, :]
    hessian = -torch.stack(
        [(weighted[..., d, :] * jacobian[..., e, :]).sum(-1) for d in range(dz) for e in range(dz)],
        -1,
    ).unflatten(-1, (dz, dz))
    outer = (w3[:, :, None] * w3[:, None, :]).flatten(1)  # (H, Dz²)
    hessian += linear(-2 * h * slope * back, outer.T).unflatten(-1, (dz, dz))
    hessian -= torch.eye(dz, device=z.device)
    w = weights.double()[:, None]
    g, hessian, offsets = g.double(), hessian.double(), offsets.double()
    o_row, o_col = offsets[..., :, None], offsets[..., None, :]
    mu_mu = (hessian * w[..., None]).sum(1)
    mu_sigma = (hessian * o_col * w[..., None]).sum(1)
    sigma_sigma = (o_row * hessian * o_col * w[..., None]).sum(1)
    g_offsets = (g * offsets * w).sum(1)
    sigma_sigma += torch.diag_embed(g_offsets)
    full = torch.cat(
        [torch.cat([mu_mu, mu_sigma], 2), torch.cat([mu_sigma.transpose(1, 2), sigma_sigma], 2)],
        1,
    )
    gradient = torch.cat([(g * w).sum(1), g_offsets + 1], 1)
    elbo = log_joint.double() @ weights.double() + gaussian_entropy(log_sigma.double())
    return elbo, gradient, full


def newton_steps(gradient, hessian, damping):
    """Damped Newton ascent steps, Δθ = V diag(1 / (|λ| + ν max|λ|)) Vᵀ g from the
    eigenvalues λ and eigenvectors V of -H: the Newton step where -H is positive definite,
    an ascent step along every direction of positive curvature too (Dauphin et al.,
    "saddle-free Newton", 2014), shortened as the damping ν grows.
    gradient: (N, D), hessian: (N, D, D), damping: (N,) -> steps (N, D), the Newton
    decrement gᵀ(-H)⁻¹g (N,) (inf where -H is not positive definite)"""
    eigenvalues, vectors = torch.linalg.eigh(-hessian)
    along = (vectors.transpose(1, 2) @ gradient[..., None])[..., 0]
    scale = eigenvalues.abs().amax(1, keepdim=True) * damping[:, None]
    steps = (vectors @ (along / (eigenvalues.abs() + scale))[..., None])[..., 0]
    decrement = (along**2 / eigenvalues).sum(1)
    decrement = torch.where((eigenvalues > 0).all(1), decrement, torch.inf)
    return steps, decrement


def maximise_gauss_hermite_elbo(
    x, decoder, mu, log_sigma, points=8, iterations=30, chunk=16, tolerance=1e-5
):
    """The Gaussian q = N(mu, diag σ²) of highest Gauss–Hermite ELBO near the given one, by
    damped Newton on the deterministic ELBO (its gradient and Hessian by hand,
    elbo_gradient_and_hessian), each fit on its own: a step is kept where it raises that
    fit's ELBO and its damping falls, else the damping rises; a fit stops once its Newton
    decrement is below `tolerance` (nats) at a maximum (its ELBO then within about half
    that of the maximum), or after `iterations` steps. The
    fits are computed `chunk` at a time, chunks starting at multiples of `chunk`, so a
    fit's result does not depend on the fits outside its chunk.
    x: (N, 784), mu, log_sigma: (N, Dz) -> two (N, Dz)"""
    nodes, log_weights = hermite_nodes(points, mu.shape[-1])
    nodes, weights = nodes.float().to(mu.device), log_weights.exp().float().to(mu.device)
    theta = torch.cat([mu, log_sigma], 1).double()
    for first in range(0, len(x), chunk):
        rows = slice(first, first + chunk)
        theta[rows] = _newton(x[rows], decoder, theta[rows], nodes, weights, iterations, tolerance)
    dz = mu.shape[-1]
    return theta[:, :dz].to(mu.dtype), theta[:, dz:].to(mu.dtype)


def _newton(x, decoder, theta, nodes, weights, iterations, tolerance):
    """maximise_gauss_hermite_elbo for one chunk. x: (C, 784), theta: (C, 2 Dz) -> theta"""
    theta = theta.clone()
    elbo, gradient, hessian = elbo_gradient_and_hessian(x, decoder, theta, nodes, weights)
    damping = torch.full_like(elbo, 1e-3)
    active = elbo.isfinite()
    for _ in range(iterations):
        steps, decrement = newton_steps(gradient, hessian, damping)
        active &= ~(decrement < tolerance)
        if not active.any():
            break
        rows = active.nonzero()[:, 0]
        trial = theta[rows] + steps[rows]
        new = elbo_gradient_and_hessian(x[rows], decoder, trial, nodes, weights)
        better = new[0] > elbo[rows]
        kept = rows[better]
        theta[kept], elbo[kept] = trial[better], new[0][better]
        gradient[kept], hessian[kept] = new[1][better], new[2][better]
        damping[kept] = (damping[kept] / 10).clamp(min=1e-9)
        damping[rows[~better]] *= 10
        active[rows[~better]] &= damping[rows[~better]] < 1e6
    return theta
