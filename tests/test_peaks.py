"""The peaks of a posterior on a grid and the mass of their basins (mnist_vae.inference.peaks)."""

import math

import torch

from mnist_vae.inference.peaks import (
    basin_gaussians,
    basin_masses,
    posterior_weights,
    steepest_ascent_roots,
)
from mnist_vae.inference.quadrature import latent_grid

LIMIT, POINTS = 4.0, 81


def bumps(*bumps):
    """log Σ mass · N(z; centre, width²) on the grid, for bumps (mass, (z1, z2), width).
    -> (1, P, P) and the grid's nodes (P², 2)"""
    nodes, _ = latent_grid(LIMIT, POINTS)
    density = sum(
        mass
        * torch.exp(-((nodes - torch.tensor(centre)) ** 2).sum(-1) / (2 * width**2))
        / (2 * math.pi * width**2)
        for mass, centre, width in bumps
    )
    return density.log().float().view(1, POINTS, POINTS), nodes.float()


def test_each_peak_holds_the_mass_of_its_bump():
    log_density, _ = bumps((0.7, (1.0, 1.0), 0.3), (0.3, (-2.0, 0.0), 0.3))
    roots = steepest_ascent_roots(log_density)
    masses = basin_masses(posterior_weights(log_density), roots)[0]
    held = masses[masses > 0].sort().values
    assert torch.allclose(held, torch.tensor([0.3, 0.7], dtype=torch.float64), atol=1e-3)


def means(starts):
    return starts[:, :2]


def test_each_basins_gaussian_has_the_mean_and_width_of_its_bump():
    log_density, nodes = bumps((0.7, (1.0, 1.0), 0.3), (0.3, (-2.0, 0.0), 0.5))
    starts = basin_gaussians(log_density, nodes, min_mass=0.01)[0]
    expected = torch.tensor(
        [[1.0, 1.0, math.log(0.3), math.log(0.3)], [-2.0, 0.0, *[math.log(0.5)] * 2]]
    )
    assert torch.allclose(starts, expected, atol=0.01)


def test_a_broad_low_peak_with_more_mass_comes_before_a_tall_narrow_one():
    log_density, nodes = bumps((0.3, (-2.0, 0.0), 0.1), (0.7, (1.0, 0.0), 0.8))
    assert (
        log_density.flatten().argmax()
        == ((nodes - torch.tensor([-2.0, 0.0])) ** 2).sum(-1).argmin()
    )
    starts = basin_gaussians(log_density, nodes, min_mass=0.01)[0]
    assert torch.allclose(means(starts), torch.tensor([[1.0, 0.0], [-2.0, 0.0]]), atol=0.01)


def test_a_peak_holding_less_than_the_threshold_is_left_out():
    log_density, nodes = bumps((0.995, (1.0, 1.0), 0.3), (0.005, (-2.0, 0.0), 0.3))
    starts = basin_gaussians(log_density, nodes, min_mass=0.01)[0]
    assert torch.allclose(means(starts), torch.tensor([[1.0, 1.0]]), atol=0.01)


def test_the_heaviest_peak_is_kept_whatever_the_threshold():
    log_density, nodes = bumps((1.0, (0.5, -0.5), 0.3))
    starts = basin_gaussians(log_density, nodes, min_mass=1.0)[0]
    assert torch.allclose(means(starts), torch.tensor([[0.5, -0.5]]), atol=0.01)


def test_a_peak_narrower_than_the_grid_starts_half_a_grid_step_wide():
    log_density, nodes = bumps((1.0, (0.5, -0.5), 0.01))
    step = 2 * LIMIT / (POINTS - 1)
    starts = basin_gaussians(log_density, nodes, min_mass=0.01)[0]
    assert torch.allclose(starts[0, 2:].exp(), torch.full((2,), step / 2))
