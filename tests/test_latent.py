import torch

from mnist_vae.analyses.latent import posterior_means, project_2d, scatter_title


def test_posterior_means_are_the_encoder_means(trained_vae, test_images):
    expected, _ = trained_vae.encoder(test_images)
    torch.testing.assert_close(
        posterior_means(trained_vae.encoder, test_images, batch_size=30), expected
    )


def test_two_dimensional_means_are_plotted_as_they_are():
    z = torch.randn(10, 2)
    points, names = project_2d(z, "pca")
    assert torch.equal(points, z) and names == ("z₁", "z₂")


def test_pca_projects_onto_the_directions_of_most_variance():
    generator = torch.Generator().manual_seed(0)
    z = torch.randn(2000, 3, generator=generator) * torch.tensor([0.1, 5.0, 1.0])
    points, names = project_2d(z, "pca")
    assert points.shape == (2000, 2)
    variances = points.var(0)
    assert variances[0] > variances[1] > 0.5
    torch.testing.assert_close(variances.sum(), z[:, 1:].var(0).sum(), rtol=0.02, atol=0)
    assert names[0].startswith("PC 1 (")


def test_first_two_coordinates_on_request():
    z = torch.randn(10, 5)
    points, _ = project_2d(z, "first_two")
    assert torch.equal(points, z[:, :2])


def test_the_scatter_title_names_the_projection_only_when_there_is_one():
    assert "plotted" not in scatter_title(100, 2, "pca")
    assert "Dz = 5, plotted: first two principal components" in scatter_title(100, 5, "pca")
    assert "plotted: z₁, z₂" in scatter_title(100, 5, "first_two")
