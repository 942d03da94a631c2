import numpy as np
import pytest
import torch

from mnist_vae.analyses.interpolation import (
    choose_pairs,
    interpolate,
    interpolation_pairs,
    interpolation_path,
)
from mnist_vae.errors import SettingError
from mnist_vae.settings import InterpolationSettings


def test_interpolate_gives_z_a_at_one_and_z_b_at_zero():
    z_a, z_b = torch.tensor([1.0, 2.0]), torch.tensor([-1.0, 0.0])
    assert torch.equal(interpolate(z_a, z_b, 1.0), z_a)
    assert torch.equal(interpolate(z_a, z_b, 0.0), z_b)
    assert torch.equal(interpolate(z_a, z_b, 0.5), torch.tensor([0.0, 1.0]))


def test_pairs_have_different_labels_and_no_label_pair_twice():
    labels = np.repeat(np.arange(10), 20)
    pairs = choose_pairs(labels, 5, torch.Generator().manual_seed(0))
    label_pairs = [frozenset(labels[p].tolist()) for p in pairs]
    assert all(len(pair) == 2 for pair in label_pairs)
    assert len(set(label_pairs)) == 5


def test_path_endpoints_decode_the_encoded_means(trained_vae, test_images):
    x_a, x_b = test_images[:3], test_images[3:6]
    alphas, z, means = interpolation_path(trained_vae, x_a, x_b, 10)
    assert alphas[0] == 1 and alphas[-1] == 0 and means.shape == (3, 10, 784)
    mu_a, _ = trained_vae.encoder(x_a)
    mu_b, _ = trained_vae.encoder(x_b)
    torch.testing.assert_close(z[:, 0], mu_a)
    torch.testing.assert_close(z[:, -1], mu_b)
    torch.testing.assert_close(means[:, 0], torch.sigmoid(trained_vae.decoder(mu_a)))


def test_more_pairs_than_the_labels_offer_is_an_error_not_a_hang():
    labels = np.array([0, 0, 1, 1, 2])  # three classes give three pairs
    with pytest.raises(SettingError, match="interpolation.pairs: 4 is more than the 3 pairs"):
        choose_pairs(labels, 4, torch.Generator().manual_seed(0))


def test_configured_indices_are_used_as_given():
    settings = InterpolationSettings(pairs=5, indices=((3, 7), (1, 2)))
    assert interpolation_pairs(np.zeros(10), settings).tolist() == [[3, 7], [1, 2]]
