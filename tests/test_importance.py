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
    chi2_is_finite,
    divergences_on_grid,
    gap_decay_exponent,
    importance_diagnostics,
    importance_summary,
)
from mnist_vae.densities import log_likelihood
from mnist_vae.model import build_vae
from mnist_vae.settings import ImportanceSettings, ModelSettings, QuadratureGrid

# the fast paths, checked under each product backend (conftest.each_backend)
pytestmark = pytest.mark.usefixtures("each_backend")

LIMIT, POINTS = 6.0, 121


def naive_float64_divergences(x, vae, limit, points):
    """log p(x), KL(p ‖ q), KL(q ‖ p) and log E_p[p / q] the textbook way, in float64: every
    grid node's log p(x, z) from the decoder's layers with torch's own ops, the posterior
    normalised by a plain log-sum-exp, the divergences as sums over the whole grid (for a q
    of σ near the grid's spacing the sum of a Gaussian is exact to far below these
    tolerances). x: (N, 784) -> four (N,)"""
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
    log1p_chi2 = torch.logsumexp(2 * log_post - log_q + log_cell, 1)
    return log_px, kl_p_q, kl_q_p, log1p_chi2


SETTINGS = ImportanceSettings(quadrature=QuadratureGrid(LIMIT, POINTS))


def posterior_equal_to_the_prior(mean, sigma, hidden_dim=20):
    """A hand-built Dz = 2 VAE whose decoder ignores z (its hidden weights are zero), so that
    p(z | x) is N(0, I) exactly, and whose encoder gives every image q = N(mean, diag σ²)."""
    vae = build_vae(ModelSettings(latent_dim=2, hidden_dim=hidden_dim), seed=0)
    with torch.no_grad():
        vae.decoder.hidden_layer.weight.zero_()
        vae.encoder.output_layer.weight.zero_()
        vae.encoder.output_layer.bias.copy_(torch.tensor([*mean, *np.log(sigma)]))
    return vae


def gaussian_divergences(mean, sigma):
    """KL(p ‖ q), KL(q ‖ p) and log(1 + χ²(p ‖ q)) for p = N(0, I) and q = N(m, diag σ²),
    in closed form (the last finite for σ² > 1/2 only)."""
    m, s = np.asarray(mean, dtype=float), np.asarray(sigma, dtype=float)
    kl_p_q = np.sum(np.log(s) + (1 + m**2) / (2 * s**2) - 0.5)
    kl_q_p = np.sum(-np.log(s) + (s**2 + m**2) / 2 - 0.5)
    log1p_chi2 = np.sum(2 * np.log(s) - 0.5 * np.log(2 * s**2 - 1) + m**2 / (2 * s**2 - 1))
    return kl_p_q, kl_q_p, log1p_chi2


def test_the_divergences_equal_their_closed_form_for_a_hand_built_posterior(test_images):
    mean, sigma = [0.5, -0.3], [1.2, 0.9]
    vae = posterior_equal_to_the_prior(mean, sigma)
    x = test_images[:4]
    table = importance_diagnostics(
        vae, x, {}, ImportanceSettings(quadrature=QuadratureGrid(10.0, 201))
    )
    kl_p_q, kl_q_p, log1p_chi2 = gaussian_divergences(mean, sigma)
    log_px = log_likelihood(x.double(), in_float64(vae).decoder(torch.zeros(1, 2).double()))
    np.testing.assert_allclose(table["log_px"], log_px.detach().numpy(), rtol=0, atol=1e-3)
    np.testing.assert_allclose(table["kl_p_q"], kl_p_q, rtol=0, atol=1e-5)
    # log p(x) − the ELBO, two float32 sums of about −500 each
    np.testing.assert_allclose(table["kl_q_p"], kl_q_p, rtol=0, atol=2e-4)
    np.testing.assert_allclose(table["log1p_chi2"], log1p_chi2, rtol=0, atol=1e-5)


def test_chi2_is_infinite_where_a_sigma_of_q_is_at_most_one_over_root_two():
    log_sigma = torch.log(torch.tensor([[0.8, 0.71], [0.8, 0.7], [0.1, 2.0], [0.75, 0.75]]))
    assert chi2_is_finite(log_sigma).tolist() == [True, False, False, True]


def test_the_grid_reports_an_infinite_chi2_as_infinite(test_images):
    vae = posterior_equal_to_the_prior([0.0, 0.0], [1.0, 0.5])
    table = importance_diagnostics(vae, test_images[:2], {}, SETTINGS)
    assert np.isinf(table["log1p_chi2"]).all()
    assert np.isfinite(table["kl_p_q"]).all()


def test_the_divergences_equal_a_naive_float64_sum_over_the_grid(trained_vae, test_images):
    x = test_images[:12]
    with torch.no_grad():
        table = importance_diagnostics(trained_vae, x, {}, SETTINGS)
        log_px, kl_p_q, kl_q_p, log1p_chi2 = naive_float64_divergences(
            x, trained_vae, LIMIT, POINTS
        )
    finite = np.isfinite(table["log1p_chi2"])
    np.testing.assert_allclose(table["log_px"], log_px.numpy(), rtol=0, atol=1e-4)
    np.testing.assert_allclose(table["kl_p_q"], kl_p_q.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(table["kl_q_p"], kl_q_p.numpy(), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(
        table.loc[finite, "log1p_chi2"], log1p_chi2.numpy()[finite], rtol=1e-4, atol=1e-4
    )


def test_a_posterior_the_grid_cuts_off_shows_mass_at_its_edge(test_images):
    wide = posterior_equal_to_the_prior([0.0, 0.0], [1.0, 1.0])
    x = test_images[:2]
    inside = divergences_on_grid(x, wide.decoder, *wide.encoder(x), 8.0, 161)
    cut = divergences_on_grid(x, wide.decoder, *wide.encoder(x), 2.0, 41)
    assert (inside["edge_mass"] < 1e-10).all()  # N(0, 1) beyond 7: about 1e-12 a side
    assert (cut["edge_mass"] > 0.4).all()  # about half of N(0, I) cut to [-2, 2]² lies beyond 1


def test_the_measured_gap_and_its_first_order_prediction_are_read_per_k(test_images):
    vae = posterior_equal_to_the_prior([0.5, 0.0], [1.0, 1.0])
    x = test_images[:3]
    table = importance_diagnostics(vae, x, {1: np.full(3, -1e3), 10: np.full(3, -1e2)}, SETTINGS)
    np.testing.assert_allclose(table["iwae_gap_k1"], table["log_px"] + 1e3)
    np.testing.assert_allclose(table["iwae_gap_k10"], table["log_px"] + 1e2)
    chi2 = np.expm1(gaussian_divergences([0.5, 0.0], [1.0, 1.0])[2])
    np.testing.assert_allclose(table["predicted_gap_k10"], chi2 / 20, rtol=1e-6)


def summary_table(**columns):
    base = {
        "kl_q_p": [1.0, 3.0, 8.0],
        "kl_p_q": [0.5, 0.5, 5.0],
        "log1p_chi2": [0.1, np.inf, np.inf],
        "edge_mass": [0.0, 1e-9, 0.0],
        "iwae_gap_k1": [1.0, 1.0, 4.0],
        "predicted_gap_k1": [0.05, np.inf, np.inf],
    }
    return pd.DataFrame({**base, **columns})


def test_the_summary_gives_each_divergences_mean_and_median_and_the_most_edge_mass():
    summary = importance_summary(summary_table())
    assert summary["n_images"] == 3
    assert summary["kl_q_p"] == {"mean": 4.0, "median": 3.0}
    assert summary["chi2"] == {"finite_images": 1, "log1p_median_of_finite": 0.1}
    assert summary["max_edge_mass"] == 1e-9


def test_the_summary_compares_the_prediction_with_the_gap_on_the_images_of_finite_chi2():
    gap = importance_summary(summary_table())["iwae_gap"]["1"]
    assert gap["mean"] == 2.0 and gap["median"] == 1.0
    assert gap["finite_chi2"] == {"measured": 1.0, "predicted": 0.05}


def test_the_summary_gives_the_share_of_the_gap_where_kl_p_q_exceeds_log_k():
    table = summary_table(iwae_gap_k10=[0.5, 0.5, 3.0], predicted_gap_k10=[0.005, np.inf, np.inf])
    above = importance_summary(table)["iwae_gap"]["10"]["kl_p_q_above_log_k"]
    assert above["share_of_images"] == pytest.approx(1 / 3)
    assert above["share_of_gap"] == pytest.approx(3.0 / 4.0)
    assert above["mean_gap_of_the_others"] == pytest.approx(0.5)


def test_the_summary_counts_the_estimates_above_log_px_and_the_largest_excess():
    table = summary_table(iwae_gap_k1=[-0.5, 1.0, -2.0])
    above = importance_summary(table)["iwae_gap"]["1"]["above_log_px"]
    assert above == {"share_of_images": pytest.approx(2 / 3), "largest": 2.0}
    assert importance_summary(summary_table())["iwae_gap"]["1"]["above_log_px"]["largest"] == 0


def test_a_gap_falling_as_one_over_k_decays_with_exponent_minus_one():
    table = summary_table(
        iwae_gap_k1=[2.0, 4.0, 6.0],
        iwae_gap_k10=[0.2, 0.4, 0.6],
        iwae_gap_k100=[0.02, 0.04, 0.06],
    )
    assert gap_decay_exponent(table) == pytest.approx(-1.0)
    assert gap_decay_exponent(summary_table()) is None
