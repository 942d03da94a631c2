"""Inpainting's SVI against its autograd version."""

import numpy as np
import torch

from bench.timing import interleaved, row
from mnist_vae import products
from mnist_vae.analyses.inpainting import TOP
from mnist_vae.inference.svi import (
    best_candidates,
    fit_posterior,
    gaussian_elbo,
    per_image_draws,
)
from mnist_vae.settings import IMAGE_CHUNK, SVISettings


def autograd_fit(x, decoder, digits, settings):
    """The SVI fit before the hand-written gradient (revision 8304e41): autograd through
    the ELBO at every step."""
    candidates, step_noise, final_noise = per_image_draws(digits, settings, 2)
    mu = best_candidates(x, decoder, candidates, TOP).requires_grad_()
    log_sigma = torch.full_like(mu, np.log(settings.initial_sigma)).requires_grad_()
    optimizer = torch.optim.Adam([mu, log_sigma], lr=settings.learning_rate)
    for eps in step_noise:
        loss = -gaussian_elbo(x, decoder, mu, log_sigma, eps, TOP).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return gaussian_elbo(x, decoder, mu, log_sigma, final_noise, TOP).max(1).values


def svi_products(x, decoder, digits, settings):
    """The two products of every SVI step, chunk by chunk, and nothing else: the floor of
    any float32 fit at these settings."""
    w = decoder.out.weight[TOP]
    for chunk in digits.split(IMAGE_CHUNK):
        rows = settings.samples * len(chunk) * settings.restarts
        h, d_logits = torch.randn(rows, w.shape[1]), torch.randn(rows, w.shape[0])
        for _ in range(settings.steps):
            _ = h @ w.T, d_logits @ w


def inpainting_rows(vae, x_test, n_digits, rounds):
    settings = SVISettings()
    x, digits = x_test[:n_digits], torch.arange(n_digits)
    results = {}

    def run(name, function):
        return lambda: results.__setitem__(name, function(x, vae.decoder, digits, settings))

    times = interleaved(
        {
            "autograd": run("autograd", autograd_fit),
            "project": run("project", lambda *a: fit_posterior(*a, TOP)[2]),
            "floor": lambda: svi_products(x, vae.decoder, digits, settings),
        },
        rounds,
    )
    difference = (results["autograd"] - results["project"]).abs().mean().item()
    base = times["autograd"]
    return [
        row(
            "inpainting", f"SVI fit before (autograd, 8304e41), {n_digits} digits", base, "s", base
        ),
        row(
            "inpainting",
            f"SVI fit now, products through {products.backend()}",
            times["project"],
            "s",
            base,
        ),
        row(
            "inpainting",
            "its two products per step alone (floor of a float32 fit)",
            times["floor"],
            "s",
            base,
        ),
        row(
            "inpainting",
            "mean absolute difference of the final ELBO, now and before, per digit",
            difference,
            "nats",
        ),
    ]
