import torch

from mnist_vae.gradients import elbo_and_gradients
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
    value = elbo_and_gradients(vae, x, eps)
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
