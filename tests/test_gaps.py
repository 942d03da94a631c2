"""The inference gap split into approximation and amortization (Dz = 2, exact log p(x))."""

import numpy as np
import pytest
import torch

from mnist_vae.analyses.gaps import (
    gap_panels,
    gap_summary,
    inference_gaps,
    largest_gaps,
    optimal_gaussians,
)
from mnist_vae.inference.quadrature import latent_grid, log_marginal_and_modes
from mnist_vae.inference.svi import fit_posterior, joint_log_density
from mnist_vae.settings import GapSettings, SVISettings

SETTINGS = GapSettings(svi=SVISettings(steps=150, restarts=2, final_samples=100))


@pytest.fixture(scope="module")
def gaps(trained_vae, test_images):
    x = test_images[:16]
    log_px, _, mode = log_marginal_and_modes(x, trained_vae.decoder, limit=8.0, points=301)
    return inference_gaps(trained_vae, x, np.arange(16), log_px.numpy(), mode, SETTINGS)


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


def test_the_largest_gaps_come_first(gaps):
    total = (gaps["log_px"] - gaps["elbo_encoder"]).to_numpy()
    rows = largest_gaps(gaps, 3)
    assert total[rows[0]] == total.max()
    assert (np.diff(total[rows]) <= 0).all() and (total[rows[-1]] >= np.delete(total, rows)).all()


def test_the_figure_panels_show_the_exact_posterior_with_q_star_and_the_encoders_q(
    gaps, trained_vae, test_images
):
    panels = gap_panels(trained_vae, test_images[:16], gaps, 2)
    assert [panel["image"] for panel in panels] == list(gaps["image"].iloc[largest_gaps(gaps, 2)])
    for panel, row in zip(panels, largest_gaps(gaps, 2), strict=True):
        assert panel["log_p"].shape == panel["log_q_optimal"].shape == panel["log_q_encoder"].shape
        # q*'s density peaks at q*'s mean (within a grid step)
        mu, _ = optimal_gaussians(gaps.iloc[[row]])
        peak = np.unravel_index(panel["log_q_optimal"].argmax(), panel["log_q_optimal"].shape)
        step = panel["z1"][1] - panel["z1"][0], panel["z2"][1] - panel["z2"][0]
        assert abs(panel["z1"][peak[1]] - mu[0, 0]) <= step[0]
        assert abs(panel["z2"][peak[0]] - mu[0, 1]) <= step[1]


def test_fitting_from_the_encoders_q_starts_the_first_restart_there(trained_vae, test_images):
    x = test_images[:4]
    with torch.no_grad():
        start = trained_vae.encoder(x)
    no_steps = SVISettings(steps=1, restarts=1, learning_rate=1e-12, final_samples=10)
    mu, log_sigma, _, _ = fit_posterior(
        x, trained_vae.decoder, np.arange(4), no_steps, starts=[start]
    )
    assert torch.allclose(mu, start[0], atol=1e-6) and torch.allclose(
        log_sigma, start[1], atol=1e-6
    )


@pytest.mark.parametrize("good_first", [True, False], ids=["good start first", "good second"])
def test_every_given_start_begins_its_own_restart(trained_vae, test_images, good_first):
    x = test_images[:3]
    with torch.no_grad():
        good = trained_vae.encoder(x)
    far = (torch.full((3, 2), 6.0), torch.full((3, 2), -3.0))
    starts = [good, far] if good_first else [far, good]
    no_steps = SVISettings(steps=1, restarts=2, learning_rate=1e-12, final_samples=10)
    mu, log_sigma, _, _ = fit_posterior(
        x, trained_vae.decoder, np.arange(3), no_steps, starts=starts
    )
    assert torch.allclose(mu, good[0], atol=1e-6) and torch.allclose(log_sigma, good[1], atol=1e-6)


def test_more_starts_than_restarts_is_an_error(trained_vae, test_images):
    x = test_images[:2]
    start = (torch.zeros(2, 2), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="2 starts for 1 restarts"):
        fit_posterior(
            x, trained_vae.decoder, np.arange(2), SVISettings(restarts=1), starts=[start] * 2
        )


def test_the_posterior_mode_is_the_grid_node_of_highest_joint_density(trained_vae, test_images):
    x = test_images[:4]
    _, _, modes = log_marginal_and_modes(x, trained_vae.decoder, limit=4.0, points=41)
    grid, _ = latent_grid(4.0, 41)
    log_joint = joint_log_density(x[:, None, :], grid[None].float(), trained_vae.decoder)
    assert torch.equal(modes, grid[log_joint.argmax(1)].float())
