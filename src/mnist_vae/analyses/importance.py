"""How good the encoder's q(z | x) is as an importance-sampling proposal, exactly, for
Dz = 2: against the posterior p(z | x) on the quadrature grid, per image,

    KL(q ‖ p) = log p(x) − ELBO(q)              what the ELBO loses (Gauss–Hermite ELBO)
    KL(p ‖ q) = E_p[log p(z | x) − log q(z)]    the posterior mass q misses, which
                                                importance sampling from q pays for

beside the measured gap of evaluate's IWAE-k, log p(x) − IWAE-k.
"""

import numpy as np
import pandas as pd
import torch

from mnist_vae.densities import log_q
from mnist_vae.inference.gauss_hermite import gauss_hermite_elbo
from mnist_vae.inference.quadrature import (
    image_constant,
    latent_grid,
    log_joint_on_grid,
    log_marginal_quadrature,
)
from mnist_vae.settings import ImportanceSettings


@torch.no_grad()
def divergences_on_grid(x, decoder, mu, log_sigma, limit, points, block_size=100):
    """log p(x), KL(p ‖ q) and the posterior's mass on the grid, per image, for
    q = N(mu, diag σ²). x: (N, 784), mu, log_sigma: (N, Dz) -> dict of (N,) float64 tensors"""
    log_px, _ = log_marginal_quadrature(x, decoder, limit, points, block_size, half_grid=False)
    grid, log_cell_area = latent_grid(limit, points)
    grid = grid.to(x.device)
    mu, log_sigma = mu.double(), log_sigma.double()
    offset = image_constant(x, decoder).double()
    kl_p_q = torch.zeros(len(x), dtype=torch.float64, device=x.device)
    mass = torch.zeros_like(kl_p_q)
    for first, block, log_joint in log_joint_on_grid(x, decoder, grid, block_size=block_size):
        z = grid[first : first + log_joint.shape[1]]
        log_post = log_joint.double() + (offset[block] - log_px[block])[:, None]
        log_proposal = log_q(z[None], mu[block, None], log_sigma[block, None])
        posterior_mass = (log_post + log_cell_area).exp()
        kl_p_q[block] += (posterior_mass * (log_post - log_proposal)).sum(1)
        mass[block] += posterior_mass.sum(1)
    return {"log_px": log_px, "kl_p_q": kl_p_q, "posterior_mass": mass}


@torch.no_grad()
def importance_diagnostics(vae, x, measured_iwae, settings: ImportanceSettings):
    """The table of the module's quantities for the images x, with the measured gap of
    IWAE-k (log p(x) − measured_iwae, evaluate's).
    x: (N, 784), measured_iwae: (N,) -> DataFrame, a row per image"""
    grid = settings.quadrature
    mu, log_sigma = vae.encoder(x)
    values = divergences_on_grid(x, vae.decoder, mu, log_sigma, grid.limit, grid.points)
    elbo = gauss_hermite_elbo(x, vae.decoder, mu, log_sigma, settings.hermite_points)
    table = pd.DataFrame({key: value.cpu().numpy() for key, value in values.items()})
    table["kl_q_p"] = (values["log_px"] - elbo).cpu().numpy()
    table["iwae_gap"] = table["log_px"] - np.asarray(measured_iwae, dtype=np.float64)
    return table


def importance_summary(table):
    """Mean and median of each divergence and of the IWAE gap over the images, and the
    least posterior mass the grid held (1 up to its error where the grid is wide enough).
    -> dict"""
    summary = {"n_images": len(table)}
    for column in ("kl_q_p", "kl_p_q", "iwae_gap"):
        summary[column] = {
            "mean": float(table[column].mean()),
            "median": float(table[column].median()),
        }
    summary["min_posterior_mass"] = float(table["posterior_mass"].min())
    return summary
