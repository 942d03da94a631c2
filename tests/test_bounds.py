import math

import pytest
import torch
from helpers import in_float64

from mnist_vae.densities import log_likelihood, log_prior, log_q
from mnist_vae.inference.bounds import (
    elbo,
    iwae_of_groups,
    log_likelihood_of_draws,
    log_prior_minus_log_q,
    sample_diag_gaussian,
)
from mnist_vae.inference.reference import _log_mean_exp, iwae_bound, log_marginal_prior_sampling
from mnist_vae.model import build_vae
from mnist_vae.settings import ModelSettings

# the fast paths, checked under each product backend (conftest.each_backend)
pytestmark = pytest.mark.usefixtures("each_backend")


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def test_reparameterised_samples_have_the_given_mean_and_std():
    mu, log_sigma = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.0, -1.0]])
    z = sample_diag_gaussian(mu, log_sigma, generator(), n_samples=100_000)
    assert z.shape == (100_000, 1, 2)
    torch.testing.assert_close(z.mean(0), mu, atol=0.02, rtol=0)
    torch.testing.assert_close(z.std(0), log_sigma.exp(), atol=0.02, rtol=0)


def test_elbo_is_one_value_per_image_and_differentiable():
    vae = build_vae(ModelSettings(hidden_dim=20), seed=0)
    x = torch.ones(6, 784)
    values = elbo(x, vae, generator())
    assert values.shape == (6,)
    values.mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in vae.parameters())


def test_iwae_with_one_sample_is_the_elbo_with_the_same_draw(test_images):
    vae = build_vae(ModelSettings(hidden_dim=20), seed=0)
    with torch.no_grad():
        single = elbo(test_images, vae, generator(3))
        iwae = iwae_bound(test_images, vae, 1, generator(3))
    # The same terms summed in another order: equal to float32 precision.
    torch.testing.assert_close(iwae.float(), single)


@pytest.mark.parametrize("draws", [3, 70], ids=["images share a chunk", "chunks split images"])
def test_draws_are_decoded_to_the_likelihood_of_the_reference_decoder(
    trained_vae, test_images, draws
):
    x = test_images[:10]
    z = torch.randn(10, draws, 2, generator=generator(5)) * 2
    with torch.no_grad():
        decoder = in_float64(trained_vae).decoder
        reference = log_likelihood(x[:, None, :].double(), decoder(z.double()))
        fast = log_likelihood_of_draws(x, z, trained_vae.decoder, chunk_size=32)
    torch.testing.assert_close(fast, reference.float(), rtol=1e-6, atol=1e-3)


def test_prior_minus_q_from_the_standard_draws_equals_the_densities_at_the_same_z(
    trained_vae, test_images
):
    x = test_images[:10]
    eps = torch.randn(10, 50, 2, generator=generator(6))
    with torch.no_grad():
        mu, log_sigma = trained_vae.encoder(x)
    z = mu[:, None] + log_sigma.exp()[:, None] * eps
    reference = log_prior(z) - log_q(z, mu[:, None], log_sigma[:, None])
    torch.testing.assert_close(log_prior_minus_log_q(z, eps, log_sigma), reference)


def test_iwae_is_above_the_elbo_on_average(trained_vae, test_images):
    with torch.no_grad():
        lower = elbo(test_images, trained_vae, generator(), n_samples=100).mean()
        iwae = iwae_bound(test_images, trained_vae, 100, generator()).mean()
    assert iwae > lower + 0.5


def test_iwae_rises_and_levels_off_as_k_grows(trained_vae, test_images):
    with torch.no_grad():
        bounds = [
            iwae_bound(test_images, trained_vae, k, generator()).mean() for k in (1, 10, 100, 1000)
        ]
    steps = torch.diff(torch.stack(bounds))
    assert (steps > 0).all()
    assert steps[-1] < steps[0]


def test_log_mean_exp_does_not_depend_on_the_chunk_size():
    weights = torch.randn(64, 5, generator=generator()) * 50

    def from_stream(chunk_size):
        drawn = iter(weights.split(chunk_size))
        return _log_mean_exp(lambda n: next(drawn), 64, chunk_size)

    expected = torch.logsumexp(weights.double(), 0) - math.log(64)
    assert from_stream(64).dtype == torch.float64
    torch.testing.assert_close(from_stream(64), expected)
    torch.testing.assert_close(from_stream(7), expected)


def test_prior_sampling_with_a_constant_decoder_gives_its_likelihood():
    def decoder(z):  # p(x | z) = 2^-784 for every z
        return torch.zeros(*z.shape[:-1], 784)

    log_px = log_marginal_prior_sampling(torch.ones(3, 784), decoder, 50, 2, generator())
    expected = torch.full((3,), -784 * math.log(2), dtype=torch.float64)
    torch.testing.assert_close(log_px, expected, rtol=1e-6, atol=0)  # float32 sum of 784 terms


def test_iwae_of_groups_averages_the_bound_over_disjoint_groups_of_k_draws():
    # two images, 5 draws: groups of 2 use draws (0, 1) and (2, 3), the fifth left out
    log_weights = torch.log(torch.tensor([[1.0, 3.0, 2.0, 2.0, 100.0], [4.0, 4.0, 4.0, 4.0, 4.0]]))
    expected = torch.tensor(
        [(math.log(2.0) + math.log(2.0)) / 2, math.log(4.0)], dtype=torch.float64
    )
    torch.testing.assert_close(iwae_of_groups(log_weights, 2), expected)


def test_iwae_of_groups_of_every_draw_is_the_bound_on_all_of_them():
    log_weights = torch.randn(3, 12, generator=generator())
    whole = torch.logsumexp(log_weights.double(), 1) - math.log(12)
    torch.testing.assert_close(iwae_of_groups(log_weights, 12), whole)


def test_iwae_of_groups_refuses_more_draws_than_there_are():
    with pytest.raises(ValueError, match="IWAE-8 needs k draws; there are 5"):
        iwae_of_groups(torch.zeros(1, 5), 8)
