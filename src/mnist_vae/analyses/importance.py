"""How good the encoder's q(z | x) is as an importance-sampling proposal, exactly, for
Dz = 2: against the posterior p(z | x) on the quadrature grid, per image,

    KL(q ‖ p) = log p(x) − ELBO(q)              what the ELBO loses (Gauss–Hermite ELBO)
    KL(p ‖ q) = E_p[log p(z | x) − log q(z)]    the posterior mass q misses, which
                                                importance sampling from q pays for
    χ²(p ‖ q) = E_q[(p / q)²] − 1               the variance of the normalised weights

beside the measured gaps of evaluate's IWAE-k at several k. To first order in 1/k,
log p(x) − E[IWAE-k] ≈ χ² / (2k) (the delta method; Maddison et al. 2017, Domke &
Sheldon 2018), where χ² is finite; and sampling from q finds the posterior's bulk only
once log k exceeds about KL(p ‖ q) (Chatterjee & Diaconis 2018).
"""

import math

import numpy as np
import pandas as pd
import torch

from mnist_vae.densities import log_q
from mnist_vae.inference.gauss_hermite import gauss_hermite_elbo
from mnist_vae.inference.quadrature import image_constant, latent_grid, log_joint_on_grid
from mnist_vae.settings import ImportanceSettings

# Below this σ on any axis, q's tail is thinner than N(0, 1/2)'s and χ²(p ‖ q) is infinite.
LEAST_SIGMA_OF_FINITE_CHI2 = 1 / math.sqrt(2)


def chi2_is_finite(log_sigma):
    """Whether χ²(p ‖ q) = ∫ p(z | x)² / q(z) dz − 1 is finite, for q = N(mu, diag σ²): it
    is exactly when every σ exceeds 1/√2. The decoder's logits are bounded (its hidden
    units are tanh), so c N(z; 0, I) ≤ p(z | x) ≤ C N(z; 0, I) for constants 0 < c ≤ C,
    and ∫ N(z; 0, 1)² / N(z; m, σ²) dz is finite exactly when σ² > 1/2.
    log_sigma: (N, Dz) -> (N,) bool"""
    return (log_sigma > math.log(LEAST_SIGMA_OF_FINITE_CHI2)).all(-1)


def edge_nodes(grid, limit, width=1.0):
    """The grid's nodes within `width` of its edge, where a posterior that the square
    truncates would show its mass. grid: (G, 2) -> (G,) bool"""
    return grid.abs().amax(-1) > limit - width


@torch.no_grad()
def divergences_on_grid(x, decoder, mu, log_sigma, limit, points, block_size=100):
    """log p(x), KL(p ‖ q), log(1 + χ²(p ‖ q)) (infinite where χ² is: chi2_is_finite) and
    the posterior's mass near the grid's edge, per image, for q = N(mu, diag σ²), in one
    pass over the grid with running log-sum-exps.
    x: (N, 784), mu, log_sigma: (N, Dz) -> dict of (N,) float64 tensors"""
    grid, log_cell = latent_grid(limit, points)
    grid = grid.to(x.device)
    edge = edge_nodes(grid, limit)
    mu, log_sigma = mu.double(), log_sigma.double()
    offset = image_constant(x, decoder).double()
    shape = dict(dtype=torch.float64, device=x.device)
    peak = torch.full((len(x),), -math.inf, **shape)  # the largest log p(x, z) so far
    mass = torch.zeros(len(x), **shape)  # Σ p(x, z) / e^peak
    moment = torch.zeros(len(x), **shape)  # Σ p(x, z) (log p(x, z) − log q(z)) / e^peak
    log_p_squared_over_q = torch.full((len(x),), -math.inf, **shape)
    log_edge = torch.full((len(x),), -math.inf, **shape)
    for first, block, log_joint in log_joint_on_grid(x, decoder, grid, block_size=block_size):
        nodes = slice(first, first + log_joint.shape[1])
        log_joint = log_joint.double() + offset[block, None]
        log_proposal = log_q(grid[nodes][None], mu[block, None], log_sigma[block, None])
        new_peak = torch.maximum(peak[block], log_joint.amax(1))
        rescale = (peak[block] - new_peak).exp()
        weights = (log_joint - new_peak[:, None]).exp()
        mass[block] = mass[block] * rescale + weights.sum(1)
        moment[block] = moment[block] * rescale + (weights * (log_joint - log_proposal)).sum(1)
        peak[block] = new_peak
        log_p_squared_over_q[block] = torch.logaddexp(
            log_p_squared_over_q[block], torch.logsumexp(2 * log_joint - log_proposal, 1)
        )
        if edge[nodes].any():
            log_edge[block] = torch.logaddexp(
                log_edge[block], torch.logsumexp(log_joint[:, edge[nodes]], 1)
            )
    log_px = peak + mass.log() + log_cell
    log1p_chi2 = log_p_squared_over_q + log_cell - 2 * log_px
    return {
        "log_px": log_px,
        "kl_p_q": moment / mass - log_px,
        "log1p_chi2": torch.where(chi2_is_finite(log_sigma), log1p_chi2, math.inf),
        "edge_mass": (log_edge + log_cell - log_px).exp(),
    }


@torch.no_grad()
def importance_diagnostics(vae, x, measured_iwae, settings: ImportanceSettings):
    """The table of the module's quantities for the images x, with the measured gaps of
    IWAE-k (log p(x) − IWAE-k from evaluate) and the first-order prediction χ² / (2k).
    x: (N, 784), measured_iwae: {k: (N,)} -> DataFrame, a row per image"""
    grid = settings.quadrature
    mu, log_sigma = vae.encoder(x)
    values = divergences_on_grid(x, vae.decoder, mu, log_sigma, grid.limit, grid.points)
    elbo = gauss_hermite_elbo(x, vae.decoder, mu, log_sigma, settings.hermite_points)
    table = pd.DataFrame({key: value.cpu().numpy() for key, value in values.items()})
    table["kl_q_p"] = (values["log_px"] - elbo).cpu().numpy()
    chi2 = np.expm1(table["log1p_chi2"])
    for k, iwae in sorted(measured_iwae.items()):
        table[f"iwae_gap_k{k}"] = table["log_px"] - np.asarray(iwae, dtype=np.float64)
        table[f"predicted_gap_k{k}"] = chi2 / (2 * k)
    return table


def measured_k(table):
    """The k whose IWAE gap the table holds, ascending."""
    return sorted(int(c.removeprefix("iwae_gap_k")) for c in table if c.startswith("iwae_gap_k"))


def iwae_gaps(table):
    """For each k: the measured gap's mean and median; the first-order prediction χ² / (2k)
    beside the measured gap, both over the images whose χ² is finite (None if there are
    none); how many images have KL(p ‖ q) above log k, their share of the gap and the mean
    gap of the others; and how many estimates lie above log p(x) (one draw of k weights
    may), with the largest excess. -> {str(k): dict}"""
    finite = np.isfinite(table["log1p_chi2"])
    gaps = {}
    for k in measured_k(table):
        gap = table[f"iwae_gap_k{k}"]
        unresolved = table["kl_p_q"] > math.log(k)
        gaps[str(k)] = {
            "mean": float(gap.mean()),
            "median": float(gap.median()),
            "finite_chi2": {
                "measured": float(gap[finite].mean()) if finite.any() else None,
                "predicted": float(table.loc[finite, f"predicted_gap_k{k}"].mean())
                if finite.any()
                else None,
            },
            "kl_p_q_above_log_k": {
                "share_of_images": float(unresolved.mean()),
                "share_of_gap": float(gap[unresolved].sum() / gap.sum()),
                "mean_gap_of_the_others": float(gap[~unresolved].mean())
                if (~unresolved).any()
                else None,
            },
            "above_log_px": {
                "share_of_images": float((gap < 0).mean()),
                "largest": float(max(0.0, -gap.min())),
            },
        }
    return gaps


def gap_decay_exponent(table):
    """The slope of log(mean gap) against log k over the measured k: −1 where the gap
    falls as 1/k (finite χ²), shallower where the weights' variance is infinite; None
    with fewer than two k or a mean gap that is not positive."""
    ks = measured_k(table)
    means = np.array([table[f"iwae_gap_k{k}"].mean() for k in ks])
    if len(ks) < 2 or (means <= 0).any():
        return None
    return float(np.polyfit(np.log(ks), np.log(means), 1)[0])


def importance_summary(table):
    """Mean and median of each divergence over the images, how many have a finite χ², the
    IWAE gaps against k (iwae_gaps, gap_decay_exponent) and the largest posterior mass
    near the grid's edge (small where the grid holds the posterior). -> dict"""
    finite = np.isfinite(table["log1p_chi2"])
    summary = {"n_images": len(table)}
    for column in ("kl_q_p", "kl_p_q"):
        summary[column] = {
            "mean": float(table[column].mean()),
            "median": float(table[column].median()),
        }
    summary["chi2"] = {
        "finite_images": int(finite.sum()),
        "log1p_median_of_finite": float(table.loc[finite, "log1p_chi2"].median())
        if finite.any()
        else None,
    }
    summary["iwae_gap"] = iwae_gaps(table)
    summary["gap_decay_exponent"] = gap_decay_exponent(table)
    summary["max_edge_mass"] = float(table["edge_mass"].max())
    return summary
