import torch

from mnist_vae.analyses.contours import contour_grid
from mnist_vae.analyses.inpainting import TOP
from mnist_vae.densities import ALL_PIXELS, joint_log_density, log_q


def test_contour_range_holds_the_posterior_peak_q_and_the_markers(trained_vae, test_images):
    mu, log_sigma = torch.tensor([0.5, -0.2]), torch.tensor([-1.5, -1.0])
    marker = torch.tensor([[2.0, 1.0]])
    z1, z2, log_p, (log_q_grid,) = contour_grid(
        test_images[0], trained_vae.decoder, [(mu, log_sigma)], TOP, marker, points=50
    )
    assert log_p.shape == log_q_grid.shape == (50, 50)
    peak = log_p.argmax()
    assert 0 < peak // 50 < 49 and 0 < peak % 50 < 49  # the peak is inside, not on the edge
    assert z1[0] < mu[0] - 3 * 0.223 and z1[-1] > 2.0
    assert z2[0] < mu[1] - 3 * 0.368 and z2[-1] > 1.0


def test_contour_range_holds_every_gaussians_three_sigma_box(trained_vae, test_images):
    near = (torch.tensor([0.0, 0.0]), torch.tensor([-2.0, -2.0]))
    far = (torch.tensor([-4.0, 3.0]), torch.tensor([-1.0, -1.0]))
    z1, z2, _, log_qs = contour_grid(
        test_images[1], trained_vae.decoder, [near, far], ALL_PIXELS, points=40
    )
    assert len(log_qs) == 2
    assert z1[0] < -4.0 - 3 * 0.368 and z2[-1] > 3.0 + 3 * 0.368


def test_contour_grids_are_the_densities_at_their_nodes(trained_vae, test_images):
    x, gaussian = test_images[2], (torch.tensor([0.3, -0.4]), torch.tensor([-1.0, -0.5]))
    z1, z2, log_p, (log_q_grid,) = contour_grid(
        x, trained_vae.decoder, [gaussian], ALL_PIXELS, points=30
    )
    node = torch.stack([z1[7], z2[19]])  # indexed [z2, z1]
    expected_p = joint_log_density(x, node, trained_vae.decoder)
    torch.testing.assert_close(log_p[19, 7], expected_p, rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(log_q_grid[19, 7], log_q(node, *gaussian), rtol=1e-5, atol=1e-5)
