import math

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import in_float64

from mnist_vae.densities import log_likelihood, log_prior, log_q
from mnist_vae.evaluate import bounds_per_image, evaluate_images
from mnist_vae.inference.bounds import elbo_terms
from mnist_vae.inference.reference import iwae_bound
from mnist_vae.inference.streams import EVALUATE_TEST, image_normals
from mnist_vae.pipeline.shards import shard_images, shard_number
from mnist_vae.settings import EvaluateSettings, QuadratureGrid

# the fast paths, checked under each product backend (conftest.each_backend)
pytestmark = pytest.mark.usefixtures("each_backend")

SETTINGS = EvaluateSettings(
    elbo_samples=5,
    iwae_samples=200,
    iwae_smaller_samples=(1, 10, 100, 300),
    batch_size=10,
    chunk_size=64,
    quadrature=QuadratureGrid(points=61),
)


def test_scatter_item_names_the_shard_and_their_number():
    assert shard_number("3-of-8") == (3, 8)


@pytest.mark.parametrize("n_shards", [1, 3, 7, 40])
def test_shards_are_whole_blocks_that_cover_every_image_once(n_shards):
    shards = [shard_images(95, i, n_shards, 10) for i in range(1, n_shards + 1)]
    assert [i for shard in shards for i in shard] == list(range(95))
    assert all(shard.start % 10 == 0 for shard in shards if len(shard))


def test_per_image_values_do_not_depend_on_the_number_of_shards(trained_vae, test_images):
    x = test_images[:45]
    whole = evaluate_images(trained_vae, x, range(45), SETTINGS)
    shards = [shard_images(45, i, 3, SETTINGS.batch_size) for i in (1, 2, 3)]
    sharded = pd.concat([evaluate_images(trained_vae, x, images, SETTINGS) for images in shards])
    pd.testing.assert_frame_equal(sharded.reset_index(drop=True), whole, check_exact=True)


def test_per_image_values_agree_across_batch_sizes(trained_vae, test_images):
    # Not bitwise: a block of another size is another matrix shape, for which the BLAS may
    # sum in another order (on this CPU only matrices of fewer than about 50 rows do).
    x = test_images[:40]
    small = evaluate_images(trained_vae, x, range(40), SETTINGS)
    large = evaluate_images(
        trained_vae, x, range(40), EvaluateSettings(**{**SETTINGS.__dict__, "batch_size": 40})
    )
    pd.testing.assert_frame_equal(small, large, check_exact=False, rtol=1e-5, atol=1e-4)


def test_fast_bounds_agree_with_the_reference_bounds_on_average(trained_vae, test_images):
    x = test_images
    values = bounds_per_image(trained_vae, x, range(len(x)), SETTINGS, EVALUATE_TEST)
    with torch.no_grad():
        generator = torch.Generator().manual_seed(1)
        reconstruction, kl = elbo_terms(x, trained_vae, generator, 200)
        iwae = iwae_bound(x, trained_vae, 200, generator)
    elbo = (reconstruction - kl).numpy()
    # Different draws: the means over 100 images agree within their Monte-Carlo error.
    assert abs(values["elbo"].mean() - elbo.mean()) < 0.5
    assert abs(values["iwae"].mean() - iwae.numpy().mean()) < 0.2


def test_fast_bounds_equal_the_densities_on_the_same_draws(trained_vae, test_images):
    x, images = test_images[:20], range(20)
    values = bounds_per_image(trained_vae, x, images, SETTINGS, EVALUATE_TEST)
    draws = SETTINGS.elbo_samples + SETTINGS.iwae_samples
    eps = image_normals((SETTINGS.seed, EVALUATE_TEST), images, (draws, 2)).transpose(0, 1)
    vae, x, eps = in_float64(trained_vae), x.double(), eps.double()
    with torch.no_grad():
        mu, log_sigma = vae.encoder(x)
        z = mu + log_sigma.exp() * eps  # (S, N, 2): the densities' own layout
        log_lik = log_likelihood(x, vae.decoder(z))
        log_prior_minus_q = log_prior(z) - log_q(z, mu, log_sigma)
    elbo_draws, iwae_draws = slice(0, SETTINGS.elbo_samples), slice(SETTINGS.elbo_samples, None)
    reconstruction = log_lik[elbo_draws].mean(0)
    kl = -log_prior_minus_q[elbo_draws].mean(0)
    weights = (log_lik + log_prior_minus_q)[iwae_draws]
    iwae = torch.logsumexp(weights, 0) - math.log(SETTINGS.iwae_samples)
    for name, reference in (("reconstruction", reconstruction), ("kl", kl), ("iwae", iwae)):
        np.testing.assert_allclose(values[name], reference.numpy(), rtol=1e-5, atol=2e-3)
    np.testing.assert_allclose(values["elbo"], (reconstruction - kl).numpy(), rtol=1e-5, atol=2e-3)
    for k in (1, 10, 100):
        groups = weights.reshape(SETTINGS.iwae_samples // k, k, -1)
        mean_over_groups = (torch.logsumexp(groups, 1) - math.log(k)).mean(0)
        np.testing.assert_allclose(values[f"iwae_k{k}"], mean_over_groups.numpy(), atol=2e-3)


def test_the_smaller_bounds_are_those_below_k_and_rise_towards_it(trained_vae, test_images):
    values = bounds_per_image(trained_vae, test_images, range(100), SETTINGS, EVALUATE_TEST)
    assert not any(name.startswith("iwae_k") and name[6:] in ("200", "300") for name in values)
    means = [values[f"iwae_k{k}"].mean() for k in (1, 10, 100)] + [values["iwae"].mean()]
    assert means == sorted(means)


def test_no_images_give_no_rows_but_every_column(trained_vae, test_images):
    empty = evaluate_images(trained_vae, test_images[:10], range(10, 10), SETTINGS)
    some = evaluate_images(trained_vae, test_images[:10], range(10), SETTINGS)
    assert len(empty) == 0 and list(empty.columns) == list(some.columns)
