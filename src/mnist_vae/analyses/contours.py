"""A posterior over the first two latent axes, on a grid fitted to it, for contour
figures: log p(z, x[pixels]) and the log densities of Gaussians q over the same plane."""

import torch

from mnist_vae.densities import joint_log_density, log_q


@torch.no_grad()
def contour_grid(x, decoder, gaussians, pixels, markers=None, points=200, limit=8.0, drop=12.0):
    """log p(z, x[pixels]) and log q(z) of each Gaussian over the first two latent axes (the
    others held at the first Gaussian's mean), on a range read off the posterior: the box
    where log p is within `drop` nats of its largest value on [-limit, limit]², widened to
    hold each Gaussian's 3σ box and the `markers`.
    x: (784,); gaussians: list of (mu, log_sigma), each (Dz,); markers: None or (M, 2)
    -> z1 (points,), z2 (points,), log_p (points, points), list of log_q (points, points);
    the grids indexed [z2, z1]"""
    centre = gaussians[0][0]

    def plane(z1, z2):
        z = centre.expand(*z1.shape, -1).clone()
        z[..., 0], z[..., 1] = z1, z2
        return z

    axis = torch.linspace(-limit, limit, 161)
    coarse = plane(*torch.meshgrid(axis, axis, indexing="xy"))
    log_p = joint_log_density(x, coarse, decoder, pixels)
    corners = [coarse[log_p > log_p.max() - drop][:, :2]]
    for mu, log_sigma in gaussians:
        sigma = log_sigma[:2].exp()
        corners += [(mu[:2] - 3 * sigma)[None], (mu[:2] + 3 * sigma)[None]]
    if markers is not None:
        corners.append(markers)
    corners = torch.cat(corners)
    low, high = corners.min(0).values, corners.max(0).values
    pad = 0.15 * (high - low).max()
    z1 = torch.linspace(low[0] - pad, high[0] + pad, points)
    z2 = torch.linspace(low[1] - pad, high[1] + pad, points)
    fine = plane(*torch.meshgrid(z1, z2, indexing="xy"))
    log_qs = [log_q(fine, mu, log_sigma) for mu, log_sigma in gaussians]
    return z1, z2, joint_log_density(x, fine, decoder, pixels), log_qs
