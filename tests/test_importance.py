"""The encoder's q as an importance-sampling proposal, against the exact posterior on the
grid (mnist_vae.analyses.importance)."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from helpers import in_float64

from mnist_vae.analyses.importance import (
    divergences_on_grid,
    importance_diagnostics,
    importance_summary,
)
from mnist_vae.settings import ImportanceSettings, QuadratureGrid

# the fast paths, checked under each product backend (conftest.each_backend)
pytestmark = pytest.mark.usefixtures("each_backend")

LIMIT, POINTS = 6.0, 121


def naive_float64_divergences(x, vae, limit, points):
    """log p(x), KL(p ‖ q) and KL(q ‖ p) the textbook way, in float64: every grid node's
    log p(x, z) from the decoder's layers with torch's own ops, the posterior normalised by a
    plain log-sum-exp, both KLs as sums over the whole grid (for a q of σ near the grid's
    spacing the sum of a Gaussian is exact to far below these tolerances).
    x: (N, 784) -> three (N,)"""
    vae = in_float64(vae)
    decoder = vae.decoder
    axis = torch.linspace(-limit, limit, points, dtype=torch.float64)
    z = torch.cartesian_prod(axis, axis)
    log_cell = 2 * math.log(2 * limit / (points - 1))
    x = x.double()
    hidden = torch.tanh(F.linear(z, decoder.hidden_layer.weight, decoder.hidden_layer.bias))
    logits = F.linear(hidden, decoder.output_layer.weight, decoder.output_layer.bias)
    log_prior = -0.5 * (z * z).sum(-1) - math.log(2 * math.pi)
    log_joint = x @ logits.T - F.softplus(logits).sum(-1) + log_prior
    log_px = torch.logsumexp(log_joint + log_cell, 1)
    log_post = log_joint - log_px[:, None]
    mu, log_sigma = vae.encoder(x)
    standard = (z[None] - mu[:, None]) / log_sigma.exp()[:, None]
    log_q = (-0.5 * standard**2 - log_sigma[:, None] - 0.5 * math.log(2 * math.pi)).sum(-1)
    kl_p_q = ((log_post + log_cell).exp() * (log_post - log_q)).sum(1)
    kl_q_p = ((log_q + log_cell).exp() * (log_q - log_post)).sum(1)
    return log_px, kl_p_q, kl_q_p


SETTINGS = ImportanceSettings(quadrature=QuadratureGrid(LIMIT, POINTS))


def test_the_divergences_equal_a_naive_float64_sum_over_the_grid(trained_vae, test_images):
    x = test_images[:12]
    with torch.no_grad():
        table = importance_diagnostics(trained_vae, x, np.zeros(12), SETTINGS)
        log_px, kl_p_q, kl_q_p = naive_float64_divergences(x, trained_vae, LIMIT, POINTS)
    np.testing.assert_allclose(table["log_px"], log_px.numpy(), rtol=0, atol=1e-4)
    np.testing.assert_allclose(table["kl_p_q"], kl_p_q.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(table["kl_q_p"], kl_q_p.numpy(), rtol=1e-3, atol=1e-3)


def test_the_posterior_on_the_grid_holds_all_its_mass(trained_vae, test_images):
    x = test_images[:8]
    values = divergences_on_grid(x, trained_vae.decoder, *trained_vae.encoder(x), LIMIT, POINTS)
    ones = torch.ones(8, dtype=torch.float64)
    torch.testing.assert_close(values["posterior_mass"], ones, rtol=0, atol=1e-4)


def test_both_divergences_and_the_measured_gap_are_read_per_image(trained_vae, test_images):
    table = importance_diagnostics(trained_vae, test_images[:10], np.full(10, -1e3), SETTINGS)
    assert (table["kl_p_q"] >= -1e-6).all() and (table["kl_q_p"] >= -1e-6).all()
    np.testing.assert_allclose(table["iwae_gap"], table["log_px"] + 1e3)


def test_the_summary_gives_each_quantitys_mean_and_median_and_the_least_mass():
    table = {
        "kl_q_p": [1.0, 3.0, 8.0],
        "kl_p_q": [0.5, 0.5, 0.5],
        "iwae_gap": [1.0, 1.0, 4.0],
        "posterior_mass": [1.0, 0.99, 1.0],
    }
    summary = importance_summary(pd.DataFrame(table))
    assert summary["n_images"] == 3
    assert summary["kl_q_p"] == {"mean": 4.0, "median": 3.0}
    assert summary["iwae_gap"] == {"mean": 2.0, "median": 1.0}
    assert summary["min_posterior_mass"] == 0.99
