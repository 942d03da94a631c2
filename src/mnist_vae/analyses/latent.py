"""The training set in latent space: posterior means, projected to two dimensions."""

import torch

from mnist_vae.settings import is_planar


@torch.no_grad()
def posterior_means(encoder, x, batch_size=1000):
    """Means of q(z | x). x: (N, 784) -> (N, Dz)"""
    return torch.cat([encoder(batch)[0] for batch in x.split(batch_size)])


def project_2d(z, projection="pca"):
    """z itself when Dz = 2; else its first two coordinates or its first two principal
    components. z: (N, Dz) -> (N, 2), the two axis names"""
    if is_planar(z.shape[1]):
        return z, ("z₁", "z₂")
    if projection == "first_two":
        return z[:, :2], ("z₁", "z₂")
    centred = z - z.mean(0)
    _, s, v = torch.linalg.svd(centred, full_matrices=False)
    explained = (s**2 / (s**2).sum())[:2]
    names = tuple(f"PC {i + 1} ({100 * e:.0f}% of variance)" for i, e in enumerate(explained))
    return centred @ v[:2].T, names


def scatter_title(n_images, latent_dim, projection):
    """The latent scatter's title, naming the projection when Dz > 2."""
    title = f"Posterior means of all {n_images} training digits"
    if is_planar(latent_dim):
        return title
    plotted = "z₁, z₂" if projection == "first_two" else "first two principal components"
    return f"{title} (Dz = {latent_dim}, plotted: {plotted})"
