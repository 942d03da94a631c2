import torch

from mnist_vae.analyses.generate import ancestral_samples, latent_manifold


def test_ancestral_samples_are_means_and_binary_draws_from_them(trained_vae):
    z, means, x = ancestral_samples(trained_vae.decoder, 10, 2, torch.Generator().manual_seed(0))
    assert z.shape == (10, 2) and means.shape == x.shape == (10, 784)
    torch.testing.assert_close(means, torch.sigmoid(trained_vae.decoder(z)))
    assert set(x.unique().tolist()) <= {0.0, 1.0}


def test_ancestral_samples_repeat_with_the_seed(trained_vae):
    first = ancestral_samples(trained_vae.decoder, 5, 2, torch.Generator().manual_seed(1))
    again = ancestral_samples(trained_vae.decoder, 5, 2, torch.Generator().manual_seed(1))
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))


def test_manifold_grid_is_gaussian_quantiles_with_the_largest_z2_on_top(trained_vae):
    z, means = latent_manifold(trained_vae.decoder, 4)
    quantiles = torch.distributions.Normal(0.0, 1.0).icdf(
        torch.tensor([0.125, 0.375, 0.625, 0.875])
    )
    torch.testing.assert_close(z[0, :, 0], quantiles)
    torch.testing.assert_close(z[:, 0, 1], quantiles.flip(0))
    assert means.shape == (4, 4, 784)
