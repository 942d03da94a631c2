"""Deterministic log p(x) for a two-dimensional latent space, by quadrature on a grid.

p(x) = ∫ p(x | z) p(z) dz ≈ h² Σ_g p(x | z_g) p(z_g) over a regular grid of spacing h.
The integrand is smooth and vanishes at the border of a wide enough grid, where this rule
converges geometrically in 1/h: the error at spacing h is about the square of the (relative)
error at spacing 2h. The grid's every other node is such a 2h grid, so the same sums give
the check for free: the change from spacing 2h to h estimates the 2h grid's error, and
bounds the h grid's, which is far smaller once that change is small.
"""

import math

import torch

from mnist_vae.densities import ALL_PIXELS, log_prior
from mnist_vae.inference.numerics import exp_without_underflow_, softplus_sum_
from mnist_vae.inference.peaks import basin_gaussians
from mnist_vae.inference.sigmoid_form import SigmoidDecoder
from mnist_vae.products import linear


def latent_grid(limit, points):
    """Regular grid over [-limit, limit]²: z (points², 2) float64, and log h²."""
    axis = torch.linspace(-limit, limit, points, dtype=torch.float64)
    spacing = 2 * limit / (points - 1)
    return torch.cartesian_prod(axis, axis), 2 * math.log(spacing)


def every_other_node(points, step=2):
    """Mask of the grid's nodes whose indices on both axes are multiples of `step`: for
    step 2 the grid of spacing 2h. -> (points²,) bool"""
    kept = torch.arange(points) % step == 0
    return (kept[:, None] & kept[None, :]).flatten()


def image_constant(x, decoder, pixels=ALL_PIXELS):
    """x[pixels] · d, the term of log p(z, x[pixels]) that is the same at every node, which
    log_joint_on_grid leaves for its caller to add once. x: (N, 784) -> (N,)"""
    return x.float()[:, pixels] @ SigmoidDecoder.of(decoder, pixels).output_bias


@torch.no_grad()
def log_joint_on_grid(x, decoder, grid, pixels=ALL_PIXELS, block_size=100, grid_chunk=4096):
    """log p(z_g, x[pixels]) − x[pixels] · d for every image and grid node (the image's
    constant term is left out, for the caller to add once), a block of images against a
    chunk of nodes at a time. The grid is decoded once, chunk by chunk, through the
    decoder's sigmoid form (inference.sigmoid_form), and each block is scored with one
    matrix product, x · logits(z) = (x V) · s(z) + x · d. Blocks start at
    multiples of block_size, so an image's values do not depend on how many images are
    scored with it. x: (N, 784), grid: (G, 2)
    -> iterator of (first node of the chunk, the block's image indices, values (B, chunk))"""
    units = SigmoidDecoder.of(decoder, pixels)
    x = x.float()[:, pixels]
    blocks = [
        (block, x[block] @ units.output_weight)
        for block in torch.arange(x.shape[0], device=x.device).split(block_size)
    ]
    for first in range(0, len(grid), grid_chunk):
        z = grid[first : first + grid_chunk]
        hidden = units.hidden_units(z.float())
        logits = units.logits(hidden)
        node_terms = log_prior(z).float() - softplus_sum_(logits)
        for block, x_dot_v in blocks:
            yield first, block, linear(x_dot_v, hidden, node_terms)


def _scan_grid(x, decoder, limit, points, half_grid, keep_every, block_size, grid_chunk, pixels):
    """One pass over the grid: log p(x[pixels]), the same on the half grid (NaN unless
    half_grid), and where keep_every is 1 or 2 (else None) log p(z, x[pixels]) on every
    node or on the half grid's nodes, up to a constant per image. Both sums come from one set of
    exponentials, each chunk's shifted by the highest value seen so far (a running
    log-sum-exp), and one product of them with the two grids' masks.
    -> (N,), (N,) float64, (N, P_kept, P_kept)"""
    grid, log_cell_area = latent_grid(limit, points)
    grid, coarse_nodes = grid.to(x.device), every_other_node(points).to(x.device)
    masks = torch.stack([torch.ones_like(coarse_nodes), coarse_nodes], 1).float()
    keep = keep_every in (1, 2)
    kept_nodes = every_other_node(points, keep_every).to(x.device) if keep else None
    kept_index = kept_nodes.cumsum(0) - 1 if keep else None
    kept_points = (points - 1) // keep_every + 1 if keep else 0
    shift = torch.full((x.shape[0],), -math.inf, device=x.device)
    sums = torch.zeros(x.shape[0], 2, dtype=torch.float64, device=x.device)
    on_kept = torch.empty(x.shape[0] if keep else 0, kept_points**2, device=x.device)
    for first, block, log_joint in log_joint_on_grid(
        x, decoder, grid, pixels, block_size, grid_chunk
    ):
        nodes = slice(first, first + log_joint.shape[1])
        if keep:
            kept = kept_nodes[nodes]
            on_kept[block[:, None], kept_index[nodes][kept]] = log_joint[:, kept]
        new_shift = torch.maximum(shift[block], log_joint.amax(1))
        sums[block] *= (shift[block] - new_shift).double().exp()[:, None]
        exps = exp_without_underflow_(log_joint.sub_(new_shift[:, None]))
        sums[block] += (exps @ masks[nodes]).double()
        shift[block] = new_shift
    offset = image_constant(x, decoder, pixels)
    log_px = sums.log() + (shift + offset).double()[:, None] + log_cell_area
    fine, half = log_px.unbind(1)
    half = half + math.log(4) if half_grid else torch.full_like(half, math.nan)
    if not keep:
        return fine, half, None
    return fine, half, on_kept.view(-1, kept_points, kept_points)


@torch.no_grad()
def log_marginal_quadrature(
    x, decoder, limit, points, block_size=100, grid_chunk=4096, half_grid=True, pixels=ALL_PIXELS
):
    """log p(x[pixels]) by quadrature over [-limit, limit]² with points² nodes, and (when
    `half_grid`, else NaN) the same on the subgrid of every other node.
    x: (N, 784) -> (N,), (N,) float64"""
    fine, half, _ = _scan_grid(
        x, decoder, limit, points, half_grid, 0, block_size, grid_chunk, pixels
    )
    return fine, half


@torch.no_grad()
def log_marginal_and_starts(
    x, decoder, limit, points, min_mass=0.01, block_size=100, grid_chunk=4096
):
    """log_marginal_quadrature's two values and, from the same pass over the grid, starts
    for fits of the posterior found without sampling: the Gaussian of each peak of the
    half grid whose basin holds at least `min_mass` of the posterior, heaviest first
    (mnist_vae.inference.peaks.basin_gaussians).
    x: (N, 784) -> (N,), (N,) float64, list of N tensors (M, 2 Dz): mean, log σ"""
    fine, half, on_half_grid = _scan_grid(
        x, decoder, limit, points, True, 2, block_size, grid_chunk, ALL_PIXELS
    )
    half_nodes = latent_grid(limit, (points + 1) // 2)[0].float().to(x.device)
    return fine, half, basin_gaussians(on_half_grid, half_nodes, min_mass)


@torch.no_grad()
def posterior_starts(x, decoder, limit, points, min_mass=0.01, block_size=100, grid_chunk=4096):
    """The starts of log_marginal_and_starts alone, for images whose log p(x) is known: a
    pass over the half grid only, a quarter of the nodes.
    x: (N, 784) -> list of N tensors (M, 2 Dz): mean, log σ"""
    half_points = (points + 1) // 2
    _, _, on_half_grid = _scan_grid(
        x, decoder, limit, half_points, False, 1, block_size, grid_chunk, ALL_PIXELS
    )
    half_nodes = latent_grid(limit, half_points)[0].float().to(x.device)
    return basin_gaussians(on_half_grid, half_nodes, min_mass)


@torch.no_grad()
def posterior_predictive(
    x, decoder, limit, points, observed, predicted, block_size=100, grid_chunk=4096
):
    """The exact Bayes completion for Dz = 2: p(x[predicted] = 1 | x[observed]) pixel by
    pixel, Σ_g p(z_g | x[observed]) sigmoid(logits(z_g)[predicted]) over the grid, and
    log p(x[observed]). x: (N, 784) -> probabilities (N, P), log p(x[observed]) (N,)"""
    log_p_observed, _ = log_marginal_quadrature(
        x, decoder, limit, points, block_size, grid_chunk, half_grid=False, pixels=observed
    )
    grid, log_cell_area = latent_grid(limit, points)
    grid = grid.to(x.device)
    predicting = SigmoidDecoder.of(decoder, predicted)
    offset = image_constant(x, decoder, observed)
    # decoded as log_marginal_quadrature decodes it, so the weights below sum to one
    shift = (offset.double() + log_cell_area - log_p_observed)[:, None]
    n_predicted = predicting.output_bias.shape[0]
    probabilities = torch.zeros(len(x), n_predicted, dtype=torch.float64, device=x.device)
    chunk_first, p_predicted = None, None
    for first, block, log_joint in log_joint_on_grid(
        x, decoder, grid, observed, block_size, grid_chunk
    ):
        if first != chunk_first:
            z = grid[first : first + log_joint.shape[1]].float()
            p_predicted = torch.sigmoid(predicting.logits(predicting.hidden_units(z))).double()
            chunk_first = first
        posterior = exp_without_underflow_(log_joint.double() + shift[block])
        probabilities[block] += posterior @ p_predicted
    return probabilities, log_p_observed
