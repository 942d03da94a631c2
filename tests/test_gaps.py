"""The inference gap split into approximation and amortization (Dz = 2, exact log p(x))."""

import numpy as np
import pytest
import torch

from mnist_vae.analyses.gaps import GapSettings, gap_summary, inference_gaps
from mnist_vae.inference.quadrature import log_marginal_quadrature
from mnist_vae.inference.svi import SVISettings

SETTINGS = GapSettings(svi=SVISettings(steps=150, restarts=2, final_samples=100))


@pytest.fixture(scope="module")
def gaps(trained_vae, test_images):
    x = test_images[:16]
    log_px, _ = log_marginal_quadrature(x, trained_vae.decoder, limit=8.0, points=301)
    return inference_gaps(trained_vae, x, np.arange(16), log_px.numpy(), SETTINGS)


def test_the_optimal_gaussian_is_the_fit_or_the_encoders_q_whichever_is_better(gaps):
    assert (gaps["amortization_gap"] >= 0).all()
    encoder = gaps["q_optimal_is_encoder"]
    assert (gaps.loc[encoder, "amortization_gap"] == 0).all()


def test_svi_improves_on_the_encoder_for_most_images(gaps):
    assert gaps["q_optimal_is_encoder"].mean() < 0.5
    assert gaps["amortization_gap"].mean() > 0


def test_no_gaussian_elbo_exceeds_the_exact_log_likelihood(gaps):
    assert (gaps["approximation_gap"] > -GapSettings().tolerance).all()


def test_the_two_gaps_add_up_to_the_encoders_gap(gaps):
    total = gaps["log_px"] - gaps["elbo_encoder"]
    assert np.allclose(gaps["approximation_gap"] + gaps["amortization_gap"], total)


def test_an_image_beyond_the_tolerance_is_flagged_and_counted(gaps):
    broken = gaps.copy()
    broken.loc[3, "elbo_above_log_px"] = True
    summary = gap_summary(broken)
    assert summary["flagged"]["elbo_above_log_px"]["count"] == 1
    assert summary["flagged"]["elbo_above_log_px"]["images"] == [3]
    assert summary["n_images"] == 16


def test_fitting_from_the_encoders_q_starts_the_first_restart_there(trained_vae, test_images):
    from mnist_vae.inference.svi import fit_posterior

    x = test_images[:4]
    with torch.no_grad():
        start = trained_vae.encoder(x)
    no_steps = SVISettings(steps=1, restarts=1, learning_rate=1e-12, final_samples=10)
    mu, log_sigma, _, _ = fit_posterior(x, trained_vae.decoder, np.arange(4), no_steps, start=start)
    assert torch.allclose(mu, start[0], atol=1e-6) and torch.allclose(
        log_sigma, start[1], atol=1e-6
    )
