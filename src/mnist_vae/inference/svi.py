"""Per-image stochastic variational inference: a factorised Gaussian q(z) fitted to
p(z | the pixels `pixels` of x) for many images at once, without the encoder.

`pixels` selects what is observed: a slice of the 784 (the top half, for inpainting) or
all of them. The variational parameters of every image and restart are one tensor and
the loss is the sum of their ELBOs, so each image's gradient (and Adam's elementwise
update) is independent of the others. Every image draws its noise from its own stream,
seeded by (seed, image index), and images are computed in chunks that start at multiples
of IMAGE_CHUNK, so fitting a batch gives the same answer for an image as fitting it alone.
"""

import logging
import math

import torch

from mnist_vae.densities import ALL_PIXELS, joint_log_density, log_q
from mnist_vae.inference.numerics import fast_tanh
from mnist_vae.inference.streams import image_generator
from mnist_vae.products import linear
from mnist_vae.progress import progress
from mnist_vae.settings import IMAGE_CHUNK, SVISettings

log = logging.getLogger(__name__)

OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}


def per_image_draws(images, settings, latent_dim):
    """Standard normal draws for each image from its own stream.
    -> candidates (N, R, C, Dz), steps (T, K, N, R, Dz), final (F, N, R, Dz)"""
    r, k, t, f = settings.restarts, settings.samples, settings.steps, settings.final_samples
    c = settings.candidates
    sizes = [r * c * latent_dim, t * k * r * latent_dim, f * r * latent_dim]
    draws = [
        torch.randn(sum(sizes), generator=image_generator(settings.seed, int(i))).split(sizes)
        for i in images
    ]
    candidates, steps, final = (torch.stack(parts) for parts in zip(*draws, strict=True))
    return (
        candidates.view(-1, r, c, latent_dim),
        steps.view(-1, t, k, r, latent_dim).permute(1, 2, 0, 3, 4),
        final.view(-1, f, r, latent_dim).permute(1, 0, 2, 3),
    )


@torch.no_grad()
def best_candidates(x, decoder, candidates, pixels=ALL_PIXELS, chunk=IMAGE_CHUNK):
    """For each image and restart, the prior draw with the highest log p(z, x[pixels]):
    starting points near modes of the posterior, different for each restart.
    x: (N, 784), candidates: (N, R, C, Dz) -> (N, R, Dz)"""
    best = []
    for x_chunk, z in zip(x.split(chunk), candidates.split(chunk), strict=True):
        log_p = joint_log_density(x_chunk[:, None, None, :], z, decoder, pixels)
        index = log_p.argmax(-1)[..., None, None].expand(-1, -1, 1, z.shape[-1])
        best.append(z.gather(2, index).squeeze(2))
    return torch.cat(best)


def gaussian_elbo(x, decoder, mu, log_sigma, eps, pixels=ALL_PIXELS):
    """ELBO of q = N(mu, sigma²) for p(z | x[pixels]), from the standard draws eps.
    x: (N, 784), mu, log_sigma: (N, R, Dz), eps: (K, N, R, Dz) -> (N, R)"""
    z = mu + log_sigma.exp() * eps
    x = x[:, None, :]
    return (joint_log_density(x, z, decoder, pixels) - log_q(z, mu, log_sigma)).mean(0)


def image_chunks(x, mu, log_sigma, eps, size):
    """The images in chunks of `size`: x (N, 784), mu, log_sigma (N, R, Dz) and eps
    (K, N, R, Dz) split alike. -> iterator of (x, mu, log_sigma, eps)"""
    return zip(
        x.split(size), mu.split(size), log_sigma.split(size), eps.split(size, dim=1), strict=True
    )


@torch.no_grad()
def elbo_gradient(x, decoder, mu, log_sigma, eps, pixels=ALL_PIXELS, chunk=IMAGE_CHUNK):
    """Gradient of the loss -Σ ELBO (the sum over images and restarts) with respect to
    mu and log_sigma, written out by hand: two large products per chunk of images, through
    the decoder's rows for `pixels` and back, and no pass for the ELBO's value, which the
    steps do not need. x: (N, 784), mu, log_sigma: (N, R, Dz), eps: (K, N, R, Dz)
    -> two (N, R, Dz)"""
    w, w3 = decoder.output_layer.weight[pixels], decoder.hidden_layer.weight
    grads = []
    for x_c, mu_c, log_sigma_c, eps_c in image_chunks(x, mu, log_sigma, eps, chunk):
        sigma_c = log_sigma_c.exp()
        z = mu_c + sigma_c * eps_c
        h = decoder.hidden_units(z, tanh=fast_tanh)
        # d loss / d logits = sigmoid(logits) - x; back through the decoder, and the prior
        d_logits = torch.sigmoid(decoder.logits(h, pixels))
        d_logits.sub_(x_c[:, None, pixels])
        d_z = linear(linear(d_logits, w.T).mul_(1 - h * h), w3.T) + z
        grads.append((d_z.mean(0), (d_z * eps_c).mean(0).mul_(sigma_c).sub_(1)))
    return tuple(torch.cat(parts) for parts in zip(*grads, strict=True))


def fit_posterior(x, decoder, images, settings: SVISettings, pixels=ALL_PIXELS):
    """Fit a factorised Gaussian q(z) to p(z | x[pixels]) for every image at once, from
    settings.restarts starting points each, keeping the restart with the best final ELBO.
    Each restart starts from the best of settings.candidates prior draws by
    log p(z, x[pixels]).
    x: (N, 784) on the decoder's device; images: (N,) dataset indices, which seed each
    image's stream (drawn on the CPU, the same numbers on any device)
    -> mu, log_sigma: (N, Dz), elbo: (N,), all restarts' elbo: (N, R)"""
    draws = per_image_draws(images, settings, decoder.latent_dim)
    candidates, step_noise, final_noise = (d.to(x.device) for d in draws)
    mu = best_candidates(x, decoder, candidates, pixels)
    log_sigma = torch.full_like(mu, math.log(settings.initial_sigma))
    optimizer = OPTIMIZERS[settings.optimizer]([mu, log_sigma], lr=settings.learning_rate)
    for step, eps in enumerate(progress(step_noise, desc="SVI", unit="step"), 1):
        mu.grad, log_sigma.grad = elbo_gradient(x, decoder, mu, log_sigma, eps, pixels)
        optimizer.step()
        if step % max(1, settings.steps // 10) == 0:
            value = gaussian_elbo(x, decoder, mu, log_sigma, eps, pixels)
            log.info("SVI step %d/%d: mean ELBO %.2f", step, settings.steps, value.mean().item())
    with torch.no_grad():
        restarts = torch.cat(
            [
                gaussian_elbo(x_c, decoder, mu_c, log_sigma_c, eps_c, pixels)
                for x_c, mu_c, log_sigma_c, eps_c in image_chunks(
                    x, mu, log_sigma, final_noise, IMAGE_CHUNK
                )
            ]
        )
        best = restarts.argmax(1)
        pick = torch.arange(len(x), device=x.device)
        return mu[pick, best], log_sigma[pick, best], restarts[pick, best], restarts
