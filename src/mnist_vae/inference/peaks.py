"""The peaks of a two-dimensional posterior on a grid, each with the posterior mass of its
basin (the nodes whose steepest ascent ends there). A fit of q* stays in the peak it starts
in, and the encoder's q and the grid's highest node may both lie in a peak that is not the
best Gaussian's: the fit must start in every peak that holds a share of the posterior."""

import torch
import torch.nn.functional as F


def steepest_ascent_roots(log_density):
    """For each node of each image's grid, the node its steepest ascent over the 3 × 3
    neighbourhoods ends at, a local maximum. log_density: (N, P, P) -> (N, P²) flat indices"""
    n, p, _ = log_density.shape
    _, parent = F.max_pool2d(log_density[:, None], 3, stride=1, padding=1, return_indices=True)
    parent = parent.view(n, p * p)
    while True:  # pointer jumping: each pass halves the remaining path
        jumped = parent.gather(1, parent)
        if torch.equal(jumped, parent):
            return parent
        parent = jumped


def posterior_weights(log_density):
    """Each node's share of the posterior. log_density: (N, P, P) unnormalised log
    posterior -> (N, P²) float64, each row summing to one"""
    return torch.softmax(log_density.reshape(len(log_density), -1).double(), dim=1)


def basin_masses(weights, roots):
    """The posterior mass of each node's basin, at the basin's peak (zero elsewhere).
    weights: (N, P²) posterior_weights; roots: the steepest_ascent_roots of the same
    posterior -> (N, P²) float64"""
    return torch.zeros_like(weights).scatter_add_(1, roots, weights)


def basin_gaussians(log_density, nodes, min_mass, chunk=32):
    """For each image, the Gaussian matching the mean and per-axis variance of the posterior
    within each basin that holds at least `min_mass` of it (the heaviest always), heaviest
    first: starts for fits of q* in every peak that matters, already near the fit's end.
    A variance below the square of half the grid's spacing is raised to it (a peak narrower
    than the grid resolves). log_density: (N, P, P) unnormalised log posterior on the grid
    of nodes (P², Dz), row-major; `chunk` images at a time, whose roots and masses (8 bytes
    a node each) are all that is held -> list of N tensors (M, 2 Dz): mean, log σ"""
    nodes = nodes.double()
    spacing = (nodes[1] - nodes[0]).abs().max()
    starts = []
    for part in log_density.split(chunk):
        starts += _basin_gaussians(part, nodes, spacing, min_mass)
    return starts


def _basin_gaussians(log_density, nodes, spacing, min_mass):
    roots, weights = steepest_ascent_roots(log_density), posterior_weights(log_density)
    starts = []
    masses = basin_masses(weights, roots)
    for root, mass, weight in zip(roots, masses, weights, strict=True):
        heavy = torch.nonzero((mass >= min_mass) | (mass == mass.max())).flatten()
        heavy = heavy[mass[heavy].argsort(descending=True, stable=True)]
        weight = weight[:, None]
        first = torch.zeros_like(nodes).index_add_(0, root, weight * nodes)[heavy]
        second = torch.zeros_like(nodes).index_add_(0, root, weight * nodes**2)[heavy]
        mean = first / mass[heavy, None]
        variance = (second / mass[heavy, None] - mean**2).clamp(min=(spacing / 2) ** 2)
        starts.append(torch.cat([mean, 0.5 * variance.log()], 1).float())
    return starts
