"""Ancestral sampling from the generative model, and the decoded latent manifold."""

import torch


@torch.no_grad()
def ancestral_samples(decoder, n, latent_dim, generator):
    """z ~ p(z), the Bernoulli means of p(x | z), and a binary x ~ p(x | z).
    -> z (n, Dz), means (n, 784), x (n, 784)"""
    z = torch.randn(n, latent_dim, generator=generator)
    means = torch.sigmoid(decoder(z))
    return z, means, torch.bernoulli(means, generator=generator)


@torch.no_grad()
def latent_manifold(decoder, points):
    """Bernoulli means over a grid of z = Φ⁻¹(u) for u evenly spaced in (0, 1)² (Kingma &
    Welling, Fig. 4), so the grid covers the prior's mass evenly. Row 0 has the largest z₂.
    -> z (points, points, 2), means (points, points, 784)"""
    u = (torch.arange(points) + 0.5) / points
    axis = torch.distributions.Normal(0.0, 1.0).icdf(u)
    z2, z1 = torch.meshgrid(axis.flip(0), axis, indexing="ij")
    z = torch.stack([z1, z2], dim=-1)
    return z, torch.sigmoid(decoder(z))
