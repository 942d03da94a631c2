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


def basin_masses(log_density, roots):
    """The posterior mass of each node's basin, at the basin's peak (zero elsewhere).
    log_density: (N, P, P) unnormalised log posterior; roots: its steepest_ascent_roots
    -> (N, P²) float64"""
    weights = torch.softmax(log_density.reshape(len(log_density), -1).double(), dim=1)
    return torch.zeros_like(weights).scatter_add_(1, roots, weights)


def heavy_peaks(log_density, nodes, min_mass, beside=None):
    """The peaks whose basins hold at least `min_mass` of the posterior, heaviest first (the
    heaviest always), but for the peak of the basin holding the node nearest `beside`
    where given (a start already tried).
    log_density: (N, P, P); nodes: (P², 2) the grid's z, row-major; beside: (N, 2)
    -> list of N tensors (M, 2)"""
    roots = steepest_ascent_roots(log_density)
    peaks = []
    for i, mass in enumerate(basin_masses(log_density, roots)):
        heavy = torch.nonzero((mass >= min_mass) | (mass == mass.max())).flatten()
        heavy = heavy[mass[heavy].argsort(descending=True, stable=True)]
        if beside is not None:
            nearest = ((nodes - beside[i]) ** 2).sum(-1).argmin()
            heavy = heavy[heavy != roots[i, nearest]]
        peaks.append(nodes[heavy])
    return peaks
