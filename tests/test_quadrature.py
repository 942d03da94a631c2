import math

import torch

from mnist_vae.bounds import iwae_bound, log_marginal_prior_sampling
from mnist_vae.quadrature import latent_grid, log_marginal_quadrature


def constant_decoder(z):
    """p(x | z) = 2^-784 for every z, so p(x) = 2^-784 exactly."""
    return torch.zeros(*z.shape[:-1], 784)


def test_grid_covers_the_square_with_the_given_spacing():
    grid, log_cell_area = latent_grid(limit=2.0, points=5)
    assert grid.shape == (25, 2)
    assert grid.min() == -2.0 and grid.max() == 2.0
    assert math.isclose(log_cell_area, 2 * math.log(1.0))


def test_quadrature_integrates_the_prior_to_one():
    log_px = log_marginal_quadrature(torch.ones(2, 784), constant_decoder, limit=8.0, points=81)
    expected = torch.full((2,), -784 * math.log(2), dtype=torch.float64)
    torch.testing.assert_close(log_px, expected, rtol=1e-6, atol=0)  # float32 sum of 784 terms


def test_quadrature_agrees_with_plain_monte_carlo_over_the_prior(trained_vae, test_images):
    x = test_images[:20]
    with torch.no_grad():
        exact = log_marginal_quadrature(x, trained_vae.decoder, limit=8.0, points=401)
        monte_carlo = log_marginal_prior_sampling(
            x, trained_vae.decoder, 200_000, 2, torch.Generator().manual_seed(0), chunk_size=5000
        )
    assert (exact - monte_carlo).abs().mean() < 0.2


def test_quadrature_is_not_below_the_iwae_bound_on_average(trained_vae, test_images):
    # IWAE bounds log p(x) in expectation only: with heavy-tailed weights one estimate
    # for one image can overshoot by a nat or more, so compare means over images.
    with torch.no_grad():
        exact = log_marginal_quadrature(test_images, trained_vae.decoder, limit=8.0, points=401)
        iwae = iwae_bound(test_images, trained_vae, 1000, torch.Generator().manual_seed(0))
    assert (exact - iwae).mean() > -0.05


def test_refining_the_grid_changes_log_px_by_little(trained_vae, test_images):
    with torch.no_grad():
        coarse = log_marginal_quadrature(test_images, trained_vae.decoder, limit=8.0, points=401)
        fine = log_marginal_quadrature(test_images, trained_vae.decoder, limit=8.0, points=801)
    assert (coarse - fine).abs().max() < 0.01
