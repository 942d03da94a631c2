import torch

from mnist_vae.adam import Adam
from mnist_vae.model import build_vae
from mnist_vae.settings import ModelSettings


def trained(optimizer_class, steps, seed=0):
    """A small VAE after `steps` updates from the same random gradients -> its parameters"""
    vae = build_vae(ModelSettings(hidden_dim=20), seed)
    optimizer = optimizer_class(vae.parameters())
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        for p in vae.parameters():
            p.grad = torch.randn(p.shape, generator=generator)
        optimizer.step()
    return [p.detach().clone() for p in vae.parameters()], optimizer


def test_each_step_is_torch_fused_adam_bit_for_bit():
    ours, _ = trained(Adam, 5)
    torchs, _ = trained(lambda ps: torch.optim.Adam(ps, fused=True), 5)
    assert all(torch.equal(a, b) for a, b in zip(ours, torchs, strict=True))


def test_a_step_moves_every_parameter_by_about_the_learning_rate():
    before, _ = trained(Adam, 0)
    after, _ = trained(Adam, 1)
    # Adam's first step is lr · g / (|g| + eps): lr in magnitude wherever g is not tiny
    for a, b in zip(before, after, strict=True):
        assert torch.allclose((b - a).abs().median(), torch.tensor(1e-3), rtol=1e-3)


def test_a_loaded_state_continues_as_if_never_stopped():
    straight, _ = trained(Adam, 6)
    vae = build_vae(ModelSettings(hidden_dim=20), 0)
    first_parameters, first = trained(Adam, 3)
    with torch.no_grad():
        for p, saved in zip(vae.parameters(), first_parameters, strict=True):
            p.copy_(saved)
    resumed = Adam(vae.parameters())
    resumed.load_state_dict(first.state_dict())
    generator = torch.Generator().manual_seed(0)
    for step in range(6):
        grads = [torch.randn(p.shape, generator=generator) for p in vae.parameters()]
        if step >= 3:
            for p, g in zip(vae.parameters(), grads, strict=True):
                p.grad = g
            resumed.step()
    assert all(torch.equal(a, b) for a, b in zip(straight, vae.parameters(), strict=True))
