"""The deterministic ELBO of a Gaussian q by Gauss–Hermite quadrature (Dz = 2)."""

import math

import torch

from mnist_vae.inference.gauss_hermite import gauss_hermite_elbo, hermite_nodes
from mnist_vae.inference.svi import gaussian_elbo


def test_the_node_weights_integrate_a_gaussian_to_one_and_its_variance_exactly():
    nodes, log_weights = hermite_nodes(8, 2)
    weights = log_weights.exp()
    z = math.sqrt(2) * nodes  # draws of N(0, I) at the nodes
    assert torch.isclose(weights.sum(), torch.tensor(1.0, dtype=torch.float64))
    assert torch.allclose(weights @ z**2, torch.ones(2, dtype=torch.float64))


def test_the_elbo_agrees_with_a_large_monte_carlo_estimate(trained_vae, test_images):
    x = test_images[:4]
    with torch.no_grad():
        mu, log_sigma = trained_vae.encoder(x)
        eps = torch.randn(200_000, 4, 1, 2, generator=torch.Generator().manual_seed(0))
        draws = torch.stack(
            [
                gaussian_elbo(x, trained_vae.decoder, mu[:, None], log_sigma[:, None], e[:, :, :])
                for e in eps.split(5_000)
            ]
        )[..., 0]
    monte_carlo, standard_error = draws.mean(0), draws.std(0) / math.sqrt(draws.shape[0])
    exact = gauss_hermite_elbo(x, trained_vae.decoder, mu, log_sigma)
    assert torch.all((exact - monte_carlo.double()).abs() < 4 * standard_error.double() + 1e-3)


def test_more_nodes_change_the_elbo_by_less_than_a_hundredth_of_a_nat(trained_vae, test_images):
    x = test_images[:20]
    with torch.no_grad():
        mu, log_sigma = trained_vae.encoder(x)
    coarse = gauss_hermite_elbo(x, trained_vae.decoder, mu, log_sigma, points=16)
    fine = gauss_hermite_elbo(x, trained_vae.decoder, mu, log_sigma, points=48)
    assert (coarse - fine).abs().max() < 0.01
