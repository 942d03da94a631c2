import math

import torch
from torch.distributions import Bernoulli, Normal

from mnist_vae.densities import joint_log_density, log_likelihood, log_normal, log_prior, log_q
from mnist_vae.model import build_vae
from mnist_vae.settings import ModelSettings


def test_bernoulli_log_likelihood_matches_torch():
    generator = torch.Generator().manual_seed(0)
    x = (torch.rand(100, 784, generator=generator) > 0.5).float()
    mu = torch.rand(784, generator=generator)
    logits = torch.log(mu / (1 - mu)).expand(100, 784)
    expected = Bernoulli(probs=mu).log_prob(x).sum(-1)
    torch.testing.assert_close(log_likelihood(x, logits), expected)


def test_bernoulli_log_likelihood_is_finite_for_extreme_logits():
    x = torch.tensor([[1.0, 0.0, 1.0, 0.0]])
    logits = torch.tensor([[200.0, -200.0, -200.0, 200.0]])
    # The two wrong pixels each cost exactly their logit's magnitude.
    assert log_likelihood(x, logits).item() == -400.0


def test_log_likelihood_broadcasts_samples_over_images():
    x = torch.ones(3, 784)
    logits = torch.zeros(5, 3, 784)
    result = log_likelihood(x, logits)
    assert result.shape == (5, 3)
    torch.testing.assert_close(result, torch.full((5, 3), -784 * math.log(2)))


def test_gaussian_log_density_matches_torch():
    generator = torch.Generator().manual_seed(0)
    z, mu, log_sigma = torch.randn(3, 10, 2, generator=generator)
    expected = Normal(mu, log_sigma.exp()).log_prob(z).sum(-1)
    torch.testing.assert_close(log_normal(z, mu, log_sigma), expected)
    torch.testing.assert_close(log_q(z, mu, log_sigma), expected)


def test_log_prior_is_the_standard_normal():
    z = torch.randn(7, 2, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(log_prior(z), Normal(0.0, 1.0).log_prob(z).sum(-1))


def test_joint_log_density_matches_torchs_normal_prior_and_bernoulli_pixels():
    decoder = build_vae(ModelSettings(hidden_dim=16), seed=0).decoder
    generator = torch.Generator().manual_seed(2)
    z = torch.randn(4, 2, generator=generator)
    x = (torch.rand(4, 784, generator=generator) > 0.5).float()
    with torch.no_grad():
        expected = Normal(0.0, 1.0).log_prob(z).sum(-1) + Bernoulli(logits=decoder(z)).log_prob(
            x
        ).sum(-1)
        torch.testing.assert_close(joint_log_density(x, z, decoder), expected)
