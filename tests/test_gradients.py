import math

import torch

from mnist_vae.densities import log_likelihood, log_prior, log_q
from mnist_vae.gradients import elbo_and_gradients, iwae_and_gradients
from mnist_vae.inference.bounds import elbo
from mnist_vae.model import build_vae
from mnist_vae.settings import ModelSettings


def autograd_reference(vae, x, seed):
    """-> summed ELBO and the gradient of the mean loss by autograd, eps from `seed`."""
    vae.zero_grad()
    values = elbo(x, vae, torch.Generator().manual_seed(seed))
    (-values.mean()).backward()
    return values.sum(), [p.grad.clone() for p in vae.parameters()]


def test_hand_written_gradient_equals_autograd_on_the_same_batch_and_draws(test_images):
    vae = build_vae(ModelSettings(latent_dim=3, hidden_dim=50), seed=0)
    x = test_images[:40]
    reference_value, reference_grads = autograd_reference(vae, x, seed=7)
    eps = torch.randn((len(x), 3), generator=torch.Generator().manual_seed(7))
    vae.zero_grad(set_to_none=True)
    value, _ = elbo_and_gradients(vae, x, eps)
    torch.testing.assert_close(value, reference_value.detach(), rtol=1e-5, atol=1e-3)
    for grad, reference in zip((p.grad for p in vae.parameters()), reference_grads, strict=True):
        torch.testing.assert_close(grad, reference, rtol=1e-4, atol=1e-6)


def test_hand_written_gradient_overwrites_stale_gradients(test_images):
    vae = build_vae(ModelSettings(hidden_dim=20), seed=0)
    x, eps = test_images[:10], torch.randn(10, 2, generator=torch.Generator().manual_seed(1))
    elbo_and_gradients(vae, x, eps)
    first = [p.grad.clone() for p in vae.parameters()]
    elbo_and_gradients(vae, x, eps)
    for grad, again in zip(first, (p.grad for p in vae.parameters()), strict=True):
        assert torch.equal(grad, again)


def assert_gradients_equal(vae, reference_grads):
    for grad, reference in zip((p.grad for p in vae.parameters()), reference_grads, strict=True):
        torch.testing.assert_close(grad, reference, rtol=1e-4, atol=1e-6)


def test_the_kl_weighted_gradient_equals_autograd_of_the_weighted_elbo(test_images):
    vae = build_vae(ModelSettings(latent_dim=3, hidden_dim=50), seed=0)
    x, beta = test_images[:40], 0.3
    eps = torch.randn((len(x), 3), generator=torch.Generator().manual_seed(7))
    vae.zero_grad()
    mu, log_sigma = vae.encoder(x)
    z = mu + log_sigma.exp() * eps
    kl_term = log_prior(z) - log_q(z, mu, log_sigma)
    (-(log_likelihood(x, vae.decoder(z)) + beta * kl_term).mean()).backward()
    reference_grads = [p.grad.clone() for p in vae.parameters()]
    vae.zero_grad(set_to_none=True)
    value, weighted = elbo_and_gradients(vae, x, eps, kl_weight=beta)
    reconstruction = log_likelihood(x, vae.decoder(z))
    torch.testing.assert_close(
        value, (reconstruction + kl_term).sum().detach(), rtol=1e-5, atol=1e-3
    )
    expected = (reconstruction + beta * kl_term).sum().detach()
    torch.testing.assert_close(weighted, expected, rtol=1e-5, atol=1e-3)
    assert_gradients_equal(vae, reference_grads)


def test_the_iwae_gradient_equals_autograd_of_the_bound_on_the_same_draws(test_images):
    # in float64: the softmax-weighted sums leave float32 rounding of 1e-5 in the first layer
    vae = build_vae(ModelSettings(latent_dim=3, hidden_dim=50), seed=0).double()
    x, k = test_images[:30].double(), 5
    eps = torch.randn((k, len(x), 3), generator=torch.Generator().manual_seed(8)).double()
    vae.zero_grad()
    mu, log_sigma = vae.encoder(x)
    z = mu + log_sigma.exp() * eps
    log_w = log_likelihood(x, vae.decoder(z)) + log_prior(z) - log_q(z, mu, log_sigma)
    bound = torch.logsumexp(log_w, dim=0) - math.log(k)
    (-bound.mean()).backward()
    reference_grads = [p.grad.clone() for p in vae.parameters()]
    vae.zero_grad(set_to_none=True)
    value, first_draw_elbo = iwae_and_gradients(vae, x, eps)
    torch.testing.assert_close(value, bound.sum().detach())
    torch.testing.assert_close(first_draw_elbo, log_w[0].sum().detach())
    for grad, reference in zip((p.grad for p in vae.parameters()), reference_grads, strict=True):
        torch.testing.assert_close(grad, reference, rtol=1e-9, atol=1e-12)


def test_iwae_with_one_draw_has_the_elbos_gradient(test_images):
    vae = build_vae(ModelSettings(hidden_dim=20), seed=0)
    x = test_images[:10]
    eps = torch.randn(1, 10, 2, generator=torch.Generator().manual_seed(3))
    elbo_and_gradients(vae, x, eps[0])
    elbo_grads = [p.grad.clone() for p in vae.parameters()]
    iwae_and_gradients(vae, x, eps)
    assert_gradients_equal(vae, elbo_grads)
