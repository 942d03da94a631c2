import math

import numpy as np
import pytest
import torch
from torch.distributions import Bernoulli, Normal

from mnist_vae.analyses.inpainting import (
    BOTTOM,
    TOP,
    bottom_log_likelihood,
    completion,
    completion_metrics,
    exact_completion_metrics,
    fit_digits,
    pixel_accuracy,
)
from mnist_vae.densities import (
    ALL_PIXELS,
    joint_log_density,
    log_likelihood,
    log_likelihood_of_pixels,
)
from mnist_vae.inference.gauss_hermite import gauss_hermite_elbo
from mnist_vae.inference.quadrature import log_marginal_quadrature
from mnist_vae.inference.svi import elbo_gradient, fit_posterior, gaussian_elbo
from mnist_vae.settings import QuadratureGrid, SVISettings

# the fast paths, checked under each product backend (conftest.each_backend)
pytestmark = pytest.mark.usefixtures("each_backend")

FAST = SVISettings(samples=4, steps=60, restarts=3, final_samples=50)


def fit_top_half_posterior(x, decoder, digits, settings):
    return fit_posterior(x, decoder, digits, settings, TOP)


def test_top_half_is_the_first_fourteen_rows():
    image = torch.arange(784).view(28, 28)
    assert torch.equal(image.flatten()[TOP], image[:14].flatten())
    assert torch.equal(image.flatten()[BOTTOM], image[14:].flatten())


def test_log_likelihood_top_scores_only_the_top_half(trained_vae, test_images):
    x = test_images[:5]
    z = torch.randn(5, 2, generator=torch.Generator().manual_seed(0))
    flipped = x.clone()
    flipped[:, BOTTOM] = 1 - flipped[:, BOTTOM]
    expected = log_likelihood(x[:, TOP], trained_vae.decoder(z)[:, TOP])
    torch.testing.assert_close(log_likelihood_of_pixels(x, z, trained_vae.decoder, TOP), expected)
    torch.testing.assert_close(
        log_likelihood_of_pixels(flipped, z, trained_vae.decoder, TOP), expected
    )


def test_joint_log_density_of_the_top_half_matches_torchs_distributions(trained_vae, test_images):
    z = torch.randn(5, 2, generator=torch.Generator().manual_seed(0))
    x = test_images[:5]
    with torch.no_grad():
        top_logits = trained_vae.decoder(z)[:, TOP]
    expected = Normal(0.0, 1.0).log_prob(z).sum(-1) + Bernoulli(logits=top_logits).log_prob(
        x[:, TOP]
    ).sum(-1)
    torch.testing.assert_close(joint_log_density(x, z, trained_vae.decoder, TOP), expected)


def test_batched_fit_gives_each_digit_what_fitting_it_alone_gives(trained_vae, test_images):
    batch = fit_top_half_posterior(test_images[:6], trained_vae.decoder, torch.arange(6), FAST)
    alone = fit_top_half_posterior(test_images[3:4], trained_vae.decoder, torch.tensor([3]), FAST)
    for together, single in zip(batch, alone, strict=True):
        torch.testing.assert_close(together[3:4], single, atol=1e-4, rtol=1e-4)


def test_fit_keeps_the_restart_with_the_best_elbo(trained_vae, test_images):
    _, _, elbo, restarts = fit_top_half_posterior(
        test_images[:6], trained_vae.decoder, torch.arange(6), FAST
    )
    assert restarts.shape == (6, 3)
    torch.testing.assert_close(elbo, restarts.max(1).values)


def test_fitting_raises_the_elbo(trained_vae, test_images):
    x, digits = test_images[:6], torch.arange(6)
    untrained = SVISettings(**{**FAST.__dict__, "steps": 1})
    before = fit_top_half_posterior(x, trained_vae.decoder, digits, untrained)[2]
    after = fit_top_half_posterior(x, trained_vae.decoder, digits, FAST)[2]
    assert (after > before).all()


def test_completion_keeps_the_true_top_half():
    x = torch.ones(2, 784)
    completed = completion(x, torch.full((2, 392), 0.3))
    assert torch.equal(completed[:, TOP], x[:, TOP])
    assert torch.equal(completed[:, BOTTOM], torch.full((2, 392), 0.3))


def test_bottom_log_likelihood_is_the_bernoulli_log_likelihood_of_the_bottom():
    generator = torch.Generator().manual_seed(0)
    x = (torch.rand(3, 784, generator=generator) > 0.5).float()
    bottom = torch.rand(3, 392, generator=generator) * 0.9 + 0.05
    expected = Bernoulli(probs=bottom).log_prob(x[:, BOTTOM]).sum(1)
    torch.testing.assert_close(bottom_log_likelihood(x, bottom), expected)


def test_certain_wrong_pixel_costs_a_bounded_amount():
    x = torch.ones(1, 784)
    bottom = torch.ones(1, 392)
    bottom[0, 0] = 0.0
    assert bottom_log_likelihood(x, bottom).item() == pytest.approx(math.log(1e-6), rel=1e-3)


def test_pixel_accuracy_counts_thresholded_agreement():
    x = torch.zeros(1, 784)
    x[0, 392:492] = 1
    bottom = torch.zeros(1, 392)
    bottom[0, :50] = 0.9  # 50 of the 100 on-pixels found, no false ones
    assert pixel_accuracy(x, bottom).item() == pytest.approx(342 / 392)


def test_inpainting_beats_the_pixel_mean_baseline(trained_vae, test_images):
    from helpers import mnist_tensor

    x = test_images[:40]
    fit, _ = fit_digits(trained_vae, x, range(40), FAST)
    metrics, bottom = completion_metrics(trained_vae, x, mnist_tensor("train", 1000), fit, 0, 50)
    assert fit["mu"].shape == (40, 2) and bottom.shape == (40, 392)
    svi, mean = metrics["svi"], metrics["pixel_mean"]
    assert svi["bottom_log_likelihood"]["mean"] > mean["bottom_log_likelihood"]["mean"]
    assert svi["pixel_accuracy"]["mean"] > mean["pixel_accuracy"]["mean"]


@pytest.mark.parametrize("pixels", [TOP, ALL_PIXELS], ids=["top half", "whole image"])
def test_hand_written_svi_gradient_equals_autograd(trained_vae, test_images, pixels):
    x = test_images[:5]
    generator = torch.Generator().manual_seed(0)
    mu = torch.randn(5, 3, 2, generator=generator)
    log_sigma = torch.randn(5, 3, 2, generator=generator) * 0.3 - 1
    eps = torch.randn(4, 5, 3, 2, generator=generator)
    mu_ref, log_sigma_ref = mu.clone().requires_grad_(), log_sigma.clone().requires_grad_()
    (-gaussian_elbo(x, trained_vae.decoder, mu_ref, log_sigma_ref, eps, pixels).sum()).backward()
    d_mu, d_log_sigma = elbo_gradient(x, trained_vae.decoder, mu, log_sigma, eps, pixels, chunk=2)
    torch.testing.assert_close(d_mu, mu_ref.grad, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(d_log_sigma, log_sigma_ref.grad, rtol=1e-4, atol=1e-4)


def test_a_digit_fit_does_not_depend_on_the_shard_that_holds_it(trained_vae, test_images):
    x = test_images[:80]
    together, _ = fit_digits(trained_vae, x, range(80), FAST)
    apart = [fit_digits(trained_vae, x, range(start, 80), FAST)[0] for start in (0, 48)]
    for key in ("mu", "log_sigma", "elbo"):
        assert np.array_equal(together[key][48:], apart[1][key])


def test_the_exact_posterior_is_no_further_than_a_kl_of_zero_from_any_fitted_q(
    trained_vae, test_images
):
    x = test_images[:8]
    fit, _ = fit_digits(trained_vae, x, np.arange(8), SVISettings(steps=50, restarts=2))
    mu, log_sigma = torch.from_numpy(fit["mu"]), torch.from_numpy(fit["log_sigma"])
    log_p_top, _ = log_marginal_quadrature(x, trained_vae.decoder, 8.0, 201, pixels=TOP)
    kl = log_p_top - gauss_hermite_elbo(x, trained_vae.decoder, mu, log_sigma, pixels=TOP)
    assert (kl > -0.01).all()


def test_the_exact_completion_is_scored_like_the_others(trained_vae, test_images):
    x = test_images[:8]
    fit, _ = fit_digits(trained_vae, x, np.arange(8), SVISettings(steps=20, restarts=1))
    metrics = exact_completion_metrics(trained_vae, x, fit, QuadratureGrid(8.0, 101))
    assert 0.5 < metrics["exact"]["pixel_accuracy"]["mean"] <= 1
    assert metrics["exact"]["joint_bottom_log_likelihood"]["mean"] < 0
    assert metrics["svi_kl_to_exact_posterior"]["mean"] > 0
