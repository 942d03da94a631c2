import math

import pytest
import torch
import torch.nn.functional as F
from helpers import in_float64

from mnist_vae.inference.quadrature import (
    every_other_node,
    latent_grid,
    log_marginal_and_starts,
    log_marginal_quadrature,
    posterior_predictive,
    posterior_starts,
)
from mnist_vae.inference.reference import iwae_bound, log_marginal_prior_sampling
from mnist_vae.model import build_vae
from mnist_vae.settings import ModelSettings

# the fast paths, checked under each product backend (conftest.each_backend)
pytestmark = pytest.mark.usefixtures("each_backend")


def constant_decoder():
    """A decoder with zero output weights: p(x | z) = 2^-784 for every z, so p(x) = 2^-784."""
    decoder = build_vae(ModelSettings(hidden_dim=10), seed=0).decoder
    torch.nn.init.zeros_(decoder.out.weight)
    torch.nn.init.zeros_(decoder.out.bias)
    return decoder.requires_grad_(False)


def exact(x, decoder, points, limit=8.0, **kwargs):
    """log p(x) on the points² grid alone."""
    with torch.no_grad():
        return log_marginal_quadrature(x, decoder, limit, points, **kwargs)[0]


def test_grid_covers_the_square_with_the_given_spacing():
    grid, log_cell_area = latent_grid(limit=2.0, points=5)
    assert grid.shape == (25, 2)
    assert grid.min() == -2.0 and grid.max() == 2.0
    assert math.isclose(log_cell_area, 2 * math.log(1.0))


def test_quadrature_integrates_the_prior_to_one():
    log_px, half = log_marginal_quadrature(torch.ones(2, 784), constant_decoder(), 8.0, 81)
    expected = torch.full((2,), -784 * math.log(2), dtype=torch.float64)
    torch.testing.assert_close(log_px, expected, rtol=1e-6, atol=0)  # float32 sum of 784 terms
    torch.testing.assert_close(half, expected, rtol=1e-6, atol=0)


@torch.no_grad()
def naive_float64_quadrature(x, decoder, limit, points, chunk=2048):
    """log p(x) = log h² Σ_g p(x | z_g) p(z_g) over the grid, the textbook way: the decoder's
    layers applied with torch's own float64 ops, the Bernoulli log-likelihood in full, and a
    plain log-sum-exp. x: (N, 784) -> (N,) float64"""
    decoder = in_float64(decoder)
    hidden, out = decoder.hidden_layer, decoder.output_layer
    axis = torch.linspace(-limit, limit, points, dtype=torch.float64)
    grid = torch.cartesian_prod(axis, axis)
    x = x.double()
    per_chunk = []
    for z in grid.split(chunk):
        logits = F.linear(torch.tanh(F.linear(z, hidden.weight, hidden.bias)), out.weight, out.bias)
        log_likelihood = x @ logits.T - F.softplus(logits).sum(-1)
        log_prior = -0.5 * (z * z).sum(-1) - math.log(2 * math.pi)
        per_chunk.append(torch.logsumexp(log_likelihood + log_prior, dim=1))
    spacing = 2 * limit / (points - 1)
    return torch.logsumexp(torch.stack(per_chunk), dim=0) + 2 * math.log(spacing)


def test_quadrature_equals_a_naive_float64_sum_on_a_trained_decoder(trained_vae, test_images):
    x = test_images[:20]
    reference = naive_float64_quadrature(x, trained_vae.decoder, 8.0, 201)
    torch.testing.assert_close(exact(x, trained_vae.decoder, 201), reference, rtol=0, atol=1e-4)


# The grid's extent is under test here, not the products: one backend suffices.
@pytest.mark.parametrize("each_backend", ["torch"], indirect=True)
def test_quadrature_agrees_with_plain_monte_carlo_over_the_prior(trained_vae, test_images):
    x = test_images[:20]
    with torch.no_grad():
        log_px = exact(x, trained_vae.decoder, 401)
        monte_carlo = log_marginal_prior_sampling(
            x, trained_vae.decoder, 200_000, 2, torch.Generator().manual_seed(0), chunk_size=5000
        )
    assert (log_px - monte_carlo).abs().mean() < 0.2


def test_quadrature_is_not_below_the_iwae_bound_on_average(trained_vae, test_images):
    # IWAE bounds log p(x) in expectation only: with heavy-tailed weights one estimate
    # for one image can overshoot by a nat or more, so compare means over images.
    with torch.no_grad():
        log_px = exact(test_images, trained_vae.decoder, 401)
        iwae = iwae_bound(test_images, trained_vae, 1000, torch.Generator().manual_seed(0))
    assert (log_px - iwae).mean() > -0.05


def test_every_other_node_is_the_grid_of_half_the_resolution():
    grid, _ = latent_grid(limit=3.0, points=7)
    half, _ = latent_grid(limit=3.0, points=4)
    assert torch.equal(grid[every_other_node(7)], half)


def test_half_grid_value_is_the_quadrature_on_that_grid(trained_vae, test_images):
    with torch.no_grad():
        _, half = log_marginal_quadrature(test_images, trained_vae.decoder, 8.0, 201)
    torch.testing.assert_close(
        half, exact(test_images, trained_vae.decoder, 101), rtol=0, atol=1e-4
    )


def test_change_from_the_half_grid_bounds_the_error_of_a_resolving_grid(trained_vae, test_images):
    # Once the half grid resolves the posteriors; on coarser grids a narrow posterior can
    # fall between the nodes of both and the two agree by chance.
    with torch.no_grad():
        log_px, half = log_marginal_quadrature(test_images, trained_vae.decoder, 8.0, 401)
    error = (log_px - exact(test_images, trained_vae.decoder, 801)).abs()
    assert (error <= (half - log_px).abs() + 1e-4).all()  # 1e-4: float32 sums of 784 terms


def test_log_px_of_an_image_does_not_depend_on_the_other_images_scored(trained_vae, test_images):
    together = exact(test_images, trained_vae.decoder, 101, block_size=25)
    apart = torch.cat(
        [exact(part, trained_vae.decoder, 101, block_size=25) for part in test_images.split(50)]
    )
    assert torch.equal(together, apart)


def test_refining_the_grid_changes_log_px_by_little(trained_vae, test_images):
    assert (
        exact(test_images, trained_vae.decoder, 401) - exact(test_images, trained_vae.decoder, 801)
    ).abs().max() < 0.01


def test_the_posterior_predictive_of_a_pixel_is_a_ratio_of_two_marginals(trained_vae, test_images):
    x, top, pixel = test_images[:3].clone(), torch.arange(392), 500
    probabilities, log_p_top = posterior_predictive(
        x, trained_vae.decoder, 8.0, 101, observed=top, predicted=torch.tensor([pixel])
    )
    x[:, pixel] = 1
    with_pixel = torch.cat([top, torch.tensor([pixel])])
    log_p_both, _ = log_marginal_quadrature(
        x, trained_vae.decoder, 8.0, 101, half_grid=False, pixels=with_pixel
    )
    assert torch.allclose(probabilities[:, 0], (log_p_both - log_p_top).exp(), rtol=1e-5)


def test_the_pass_that_finds_the_starts_gives_the_same_log_likelihoods(trained_vae, test_images):
    x = test_images[:30]
    alone = log_marginal_quadrature(x, trained_vae.decoder, 8.0, 101)
    with_starts = log_marginal_and_starts(x, trained_vae.decoder, 8.0, 101)
    assert torch.equal(alone[0], with_starts[0]) and torch.equal(alone[1], with_starts[1])
    assert len(with_starts[2]) == len(x)


def test_the_starts_from_the_half_grid_alone_are_those_of_the_full_pass(trained_vae, test_images):
    x = test_images[:20]
    _, _, from_full_pass = log_marginal_and_starts(x, trained_vae.decoder, 8.0, 101)
    alone = posterior_starts(x, trained_vae.decoder, 8.0, 101)
    for full, half in zip(from_full_pass, alone, strict=True):
        torch.testing.assert_close(full, half, rtol=0, atol=1e-4)
