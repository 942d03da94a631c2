"""The deterministic ELBO of a Gaussian q by Gauss–Hermite quadrature (Dz = 2)."""

import copy
import math

import pytest
import torch

from mnist_vae.inference.gauss_hermite import (
    elbo_gradient_and_hessian,
    gauss_hermite_elbo,
    gaussian_entropy,
    hermite_nodes,
    log_joint_at_nodes,
    maximise_gauss_hermite_elbo,
)
from mnist_vae.inference.svi import gaussian_elbo

# the fast paths, checked under each product backend (conftest.each_backend)
pytestmark = pytest.mark.usefixtures("each_backend")


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


def test_maximising_raises_the_elbo_of_the_encoders_q_to_its_optimum(trained_vae, test_images):
    x = test_images[:20]
    with torch.no_grad():
        mu, log_sigma = trained_vae.encoder(x)
    fitted = maximise_gauss_hermite_elbo(x, trained_vae.decoder, mu, log_sigma)
    before = gauss_hermite_elbo(x, trained_vae.decoder, mu, log_sigma, points=8)
    after = gauss_hermite_elbo(x, trained_vae.decoder, *fitted, points=8)
    assert (after >= before - 1e-4).all() and (after - before).mean() > 0.1
    again = maximise_gauss_hermite_elbo(x, trained_vae.decoder, *fitted, iterations=100)
    further = gauss_hermite_elbo(x, trained_vae.decoder, *again, points=8)
    assert (further - after).abs().max() < 1e-3


def test_a_maximised_q_depends_only_on_the_images_of_its_chunk(trained_vae, test_images):
    x = test_images[:40]
    with torch.no_grad():
        mu, log_sigma = trained_vae.encoder(x)
    together = maximise_gauss_hermite_elbo(x, trained_vae.decoder, mu, log_sigma)
    apart = maximise_gauss_hermite_elbo(x[16:], trained_vae.decoder, mu[16:], log_sigma[16:])
    for whole, part in zip(together, apart, strict=True):
        assert torch.equal(whole[16:], part)


def test_the_hand_written_gradient_and_hessian_of_the_elbo_equal_autograds(
    trained_vae, test_images
):
    x = test_images[:6]
    nodes, log_weights = hermite_nodes(8, 2)
    nodes, weights = nodes.double(), log_weights.exp()
    with torch.no_grad():
        theta = torch.cat(trained_vae.encoder(x), 1).double()
    decoder = copy.deepcopy(trained_vae.decoder).double()

    def elbo(theta_i, x_i):
        mu, log_sigma = theta_i[None, :2], theta_i[None, 2:]
        log_joint = log_joint_at_nodes(x_i[None].double(), decoder, mu, log_sigma, nodes)
        return (log_joint @ weights + gaussian_entropy(log_sigma))[0]

    value, gradient, hessian = elbo_gradient_and_hessian(
        x, trained_vae.decoder, theta, nodes.float(), weights.float()
    )
    for i in range(len(x)):
        expected = torch.autograd.functional.hessian(lambda t, i=i: elbo(t, x[i]), theta[i])
        expected_gradient = torch.autograd.functional.jacobian(
            lambda t, i=i: elbo(t, x[i]), theta[i]
        )
        torch.testing.assert_close(value[i], elbo(theta[i], x[i]), rtol=1e-5, atol=1e-3)
        torch.testing.assert_close(gradient[i], expected_gradient, rtol=1e-4, atol=1e-3)
        torch.testing.assert_close(hessian[i], expected, rtol=1e-3, atol=1e-2)
