"""The inference gap split into approximation and amortization (Dz = 2, exact log p(x))."""

import math

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
from mnist_vae.inference.gauss_hermite import gauss_hermite_elbo, maximise_gauss_hermite_elbo
from mnist_vae.inference.quadrature import log_marginal_and_starts
from mnist_vae.model import VAE
from mnist_vae.settings import GapsShardSettings, ModelSettings

# the fast paths, checked under each product backend (conftest.each_backend)
pytestmark = pytest.mark.usefixtures("each_backend")

SETTINGS = GapsShardSettings()


@pytest.fixture(scope="module")
def gaps(trained_vae, test_images):
    x = test_images[:16]
    log_px, _, starts = log_marginal_and_starts(x, trained_vae.decoder, limit=8.0, points=301)
    return inference_gaps(trained_vae, x, np.arange(16), log_px.numpy(), starts, SETTINGS)


def elbo_of_q_star(gaps, vae, x, points):
    """ELBO(q*) recomputed from the q* the table records, with `points` nodes per axis."""
    mu, log_sigma = optimal_gaussians(gaps)
    return gauss_hermite_elbo(x, vae.decoder, mu, log_sigma, points).numpy()


def test_the_recorded_q_star_is_no_worse_than_the_encoders_q(gaps, trained_vae, test_images):
    with torch.no_grad():
        mu, log_sigma = trained_vae.encoder(test_images[:16])
    encoder = gauss_hermite_elbo(test_images[:16], trained_vae.decoder, mu, log_sigma, 24)
    q_star = elbo_of_q_star(gaps, trained_vae, test_images[:16], 24)
    assert (q_star >= encoder.numpy() - 1e-4).all()


def test_where_a_fit_beats_the_encoders_q_the_fit_is_recorded_as_q_star(
    gaps, trained_vae, test_images
):
    with torch.no_grad():
        mu, _ = trained_vae.encoder(test_images[:16])
    fitted = ~torch.tensor(gaps["q_optimal_is_encoder"].to_numpy())
    assert fitted.any()
    assert ((optimal_gaussians(gaps)[0][fitted] - mu[fitted]).abs().amax(1) > 1e-4).all()


def test_the_fits_improve_on_the_encoder_for_most_images(gaps):
    assert gaps["q_optimal_is_encoder"].mean() < 0.5


def test_the_elbo_of_q_star_stays_below_log_px_by_an_independent_quadrature(
    gaps, trained_vae, test_images
):
    x = test_images[:16]
    log_px, _, _ = log_marginal_and_starts(x, trained_vae.decoder, limit=10.0, points=501)
    q_star = elbo_of_q_star(gaps, trained_vae, x, 24)
    assert (q_star <= log_px.numpy() + 1e-3).all()


def test_the_tables_elbos_and_log_px_match_independent_quadratures(gaps, trained_vae, test_images):
    x = test_images[:16]
    log_px, _, _ = log_marginal_and_starts(x, trained_vae.decoder, limit=10.0, points=501)
    with torch.no_grad():
        mu, log_sigma = trained_vae.encoder(x)
    encoder = gauss_hermite_elbo(x, trained_vae.decoder, mu, log_sigma, 24).numpy()
    assert np.allclose(gaps["log_px"], log_px.numpy(), atol=1e-3)
    assert np.allclose(gaps["elbo_encoder"], encoder, atol=1e-3)
    assert np.allclose(gaps["elbo_optimal"], elbo_of_q_star(gaps, trained_vae, x, 24), atol=1e-3)


NARROW, BROAD = -2.5, 1.0  # the two peaks of two_peak_vae's posterior along z1


def two_peak_vae():
    """A decoder whose posterior for an all-ones image has two peaks along z1: a tall,
    narrow one at NARROW holding the grid's highest node, and a lower, broad one at BROAD
    holding more mass (and the better Gaussian); the encoder's q sits on the narrow one.
    Four tanh units make the two bumps of the first 20 pixels' logits; the other pixels'
    logits are large, so they barely matter."""
    vae = VAE(ModelSettings(latent_dim=2, hidden_dim=4))
    with torch.no_grad():
        for parameter in vae.parameters():
            parameter.zero_()
        (s1, w1, a1), (s2, w2, a2) = (20.0, 0.1, 6.0), (2.0, 1.0, 2.8)
        vae.decoder.hidden_layer.weight[:, 0] = torch.tensor([s1, s1, s2, s2])
        vae.decoder.hidden_layer.bias[:] = torch.tensor(
            [-s1 * (NARROW - w1), -s1 * (NARROW + w1), -s2 * (BROAD - w2), -s2 * (BROAD + w2)]
        )
        vae.decoder.output_layer.weight[:20] = torch.tensor([a1, -a1, a2, -a2]) / 2
        vae.decoder.output_layer.bias[:20] = -1.0
        vae.decoder.output_layer.bias[20:] = 30.0
        vae.encoder.output_layer.bias[:] = torch.tensor([NARROW, 0.0, math.log(0.05), 0.0])
    return vae.eval().requires_grad_(False)


def test_q_star_is_found_on_the_better_peak_where_the_highest_node_and_the_encoder_are_not():
    vae, x = two_peak_vae(), torch.ones(1, 784)
    log_px, _, starts = log_marginal_and_starts(x, vae.decoder, 8.0, 401)
    assert starts[0][:, 0].tolist() == pytest.approx([BROAD, NARROW], abs=0.2)  # heaviest first
    from_narrow_basin = [starts[0][1:]]
    on_narrow = inference_gaps(vae, x, [0], log_px.numpy(), from_narrow_basin, SETTINGS)
    assert on_narrow["q_optimal_mu_1"].item() == pytest.approx(NARROW, abs=0.1)

    gaps = inference_gaps(vae, x, [0], log_px.numpy(), starts, SETTINGS)
    assert gaps["q_optimal_mu_1"].item() == pytest.approx(BROAD, abs=0.2)
    assert gaps["elbo_optimal"].item() > on_narrow["elbo_optimal"].item() + 1


def test_an_image_whose_elbo_exceeds_log_px_beyond_the_tolerance_is_flagged_and_counted(
    gaps, trained_vae, test_images
):
    x = test_images[:16]
    log_px = gaps["log_px"].to_numpy().copy()
    log_px[3] = gaps.loc[3, "elbo_optimal"] - 2 * SETTINGS.tolerance  # as a too-coarse grid would
    log_px[5] = gaps.loc[5, "elbo_optimal"] - SETTINGS.tolerance / 2  # within the tolerance
    starts = list(torch.cat(optimal_gaussians(gaps), 1)[:, None])  # one start per image: q*
    table = inference_gaps(trained_vae, x, np.arange(16), log_px, starts, SETTINGS)
    assert table["elbo_above_log_px"].tolist() == [i == 3 for i in range(16)]
    summary = gap_summary(table)
    assert summary["flagged"]["elbo_above_log_px"]["count"] == 1
    assert summary["flagged"]["elbo_above_log_px"]["images"] == [3]
    assert summary["n_images"] == 16


def test_each_gaps_summary_gives_its_median_beside_its_mean(gaps):
    summary = gap_summary(gaps)
    for column in ("approximation_gap", "amortization_gap"):
        assert summary[column]["median"] == pytest.approx(gaps[column].median())
        assert summary[column]["mean"] == pytest.approx(gaps[column].mean())
    total = gaps["log_px"] - gaps["elbo_encoder"]
    assert summary["total_gap"]["median"] == pytest.approx(total.median())


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


def diverging(fits):
    """maximise_gauss_hermite_elbo, but the fits `fits` picks ("all", or "heaviest": the
    fit from the heaviest basin, the image's first) end in NaN, as a fit stepping into
    overflow would."""

    def maximise(*args, **kwargs):
        mu, log_sigma = maximise_gauss_hermite_elbo(*args, **kwargs)
        rows = slice(None) if fits == "all" else slice(0, 1)
        mu[rows], log_sigma[rows] = math.nan, math.nan
        return mu, log_sigma

    return maximise


@pytest.mark.parametrize("fits", ["all", "heaviest"])
def test_a_fit_that_ends_non_finite_is_discarded_not_q_star(monkeypatch, fits):
    vae, x = two_peak_vae(), torch.ones(1, 784)
    log_px, _, starts = log_marginal_and_starts(x, vae.decoder, 8.0, 401)
    monkeypatch.setattr("mnist_vae.analyses.gaps.maximise_gauss_hermite_elbo", diverging(fits))
    gaps = inference_gaps(vae, x, [0], log_px.numpy(), starts, SETTINGS)
    columns = ["elbo_optimal", "approximation_gap", "amortization_gap"]
    assert np.isfinite(gaps[columns].to_numpy()).all()
    assert optimal_gaussians(gaps)[0].isfinite().all()
    # with every fit lost, q* is the encoder's q; with the heaviest basin's lost, the other's fit
    assert gaps["q_optimal_is_encoder"].item() == (fits == "all")
    if fits == "all":
        encoder = vae.encoder(x)
        assert all(map(torch.equal, optimal_gaussians(gaps), encoder))
    else:
        assert gaps["q_optimal_mu_1"].item() == pytest.approx(NARROW, abs=0.1)
