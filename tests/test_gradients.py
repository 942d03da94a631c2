import math

import pytest
import torch
from helpers import in_float64

from mnist_vae.densities import log_likelihood, log_prior, log_q
from mnist_vae.gradients import (
    elbo_and_gradients,
    iwae_and_gradients,
    k_sample_elbo_and_gradients,
)
from mnist_vae.inference.bounds import elbo
from mnist_vae.model import build_vae
from mnist_vae.settings import ModelSettings

# the fast paths, checked under each product backend (conftest.each_backend)
pytestmark = pytest.mark.usefixtures("each_backend")


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


# Each k-draw bound, as autograd computes it from the draws' log weights (k, B) -> (B,).
K_DRAW_BOUNDS = {
    "iwae": (iwae_and_gradients, lambda log_w: torch.logsumexp(log_w, 0) - math.log(len(log_w))),
    "k-sample elbo": (k_sample_elbo_and_gradients, lambda log_w: log_w.mean(0)),
}


@pytest.mark.parametrize("bound", K_DRAW_BOUNDS)
def test_a_k_draw_gradient_equals_autograd_of_its_bound_on_the_same_draws(test_images, bound):
    # in float64: the softmax-weighted sums leave float32 rounding of 1e-5 in the first layer
    hand_written, of_log_weights = K_DRAW_BOUNDS[bound]
    vae = build_vae(ModelSettings(latent_dim=3, hidden_dim=50), seed=0).double()
    x, k = test_images[:30].double(), 5
    eps = torch.randn((k, len(x), 3), generator=torch.Generator().manual_seed(8)).double()
    vae.zero_grad()
    mu, log_sigma = vae.encoder(x)
    z = mu + log_sigma.exp() * eps
    log_w = log_likelihood(x, vae.decoder(z)) + log_prior(z) - log_q(z, mu, log_sigma)
    value = of_log_weights(log_w)
    (-value.mean()).backward()
    reference_grads = [p.grad.clone() for p in vae.parameters()]
    vae.zero_grad(set_to_none=True)
    hand_value, first_draw_elbo = hand_written(vae, x, eps)
    torch.testing.assert_close(hand_value, value.sum().detach())
    torch.testing.assert_close(first_draw_elbo, log_w[0].sum().detach())
    for grad, reference in zip((p.grad for p in vae.parameters()), reference_grads, strict=True):
        torch.testing.assert_close(grad, reference, rtol=1e-9, atol=1e-12)


def test_the_k_sample_elbo_of_k_copies_of_one_draw_has_the_elbos_gradient(test_images):
    vae = build_vae(ModelSettings(hidden_dim=20), seed=0)
    x = test_images[:10]
    eps = torch.randn(10, 2, generator=torch.Generator().manual_seed(3))
    elbo_and_gradients(vae, x, eps)
    elbo_grads = [p.grad.clone() for p in vae.parameters()]
    k_sample_elbo_and_gradients(vae, x, eps.expand(4, 10, 2))
    assert_gradients_equal(vae, elbo_grads)


def test_iwae_with_one_draw_has_the_elbos_gradient(test_images):
    vae = build_vae(ModelSettings(hidden_dim=20), seed=0)
    x = test_images[:10]
    eps = torch.randn(1, 10, 2, generator=torch.Generator().manual_seed(3))
    elbo_and_gradients(vae, x, eps[0])
    elbo_grads = [p.grad.clone() for p in vae.parameters()]
    iwae_and_gradients(vae, x, eps)
    assert_gradients_equal(vae, elbo_grads)


def float64_autograd_of_the_bound(vae, x, eps, k):
    """The gradient of the mean loss -IWAE-k (the ELBO for k = 0: eps (B, Dz)) by autograd,
    on a float64 copy of `vae` with the same draws: a reference in torch's own products."""
    vae = in_float64(vae)
    x, eps = x.double(), eps.double()
    mu, log_sigma = vae.encoder(x)
    z = mu + log_sigma.exp() * eps
    log_w = log_likelihood(x, vae.decoder(z)) + log_prior(z) - log_q(z, mu, log_sigma)
    bound = torch.logsumexp(log_w, dim=0) - math.log(k) if k else log_w
    (-bound.mean()).backward()
    return [p.grad.float() for p in vae.parameters()]


@pytest.mark.parametrize("k", [0, 5], ids=["elbo", "iwae-5"])
def test_the_float32_gradients_equal_float64_autograd_to_float32_rounding(test_images, k):
    vae = build_vae(ModelSettings(latent_dim=2, hidden_dim=500), seed=0)
    x = test_images[:100]
    shape = (k, len(x), 2) if k else (len(x), 2)
    eps = torch.randn(shape, generator=torch.Generator().manual_seed(9))
    reference = float64_autograd_of_the_bound(vae, x, eps, k)
    vae.zero_grad(set_to_none=True)
    if k:
        iwae_and_gradients(vae, x, eps)
    else:
        elbo_and_gradients(vae, x, eps)
    # Seen: 5e-7 of each gradient's largest entry for the ELBO, 2e-5 for IWAE (its softmax
    # weights in float32); a product off by 1e-3 moves them by about 1e-3.
    for p, expected in zip(vae.parameters(), reference, strict=True):
        assert (p.grad - expected).abs().max() <= 1e-4 * expected.abs().max()
