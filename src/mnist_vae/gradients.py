"""The gradients of the training objectives, written out by hand: the single-sample ELBO
(its KL term weighted, for a warm-up) and the importance-weighted bound IWAE-k.

For a minibatch x (B, 784) and standard normal draws eps (B, Dz), with the encoder
h1 = tanh(x W1ᵀ + b1), [mu, log_sigma] = h1 W2ᵀ + b2, z = mu + exp(log_sigma) * eps, and the
decoder h3 = tanh(z W3ᵀ + b3), logits = h3 W4ᵀ + b4, the ELBO of one image is

    Σ_j [x_j logits_j - softplus(logits_j)] + log p(z) - log q(z | x)
    = Σ_j [x_j logits_j - softplus(logits_j)] - ½|z|² + ½|eps|² + Σ log_sigma   (+ constants,
                                                                            which cancel).

Its gradient takes five large matrix products (two forward, three backward: the encoder
needs no gradient with respect to x) and a few elementwise passes. Autograd computes the
same numbers with more passes over memory and more Python per step; this is the training
loop's fast path, and a test checks it against autograd on the same batch and draws.

The KL term's weight β (a warm-up, Sønderby et al. 2016) scales -½|z|² + ½|eps|² +
Σ log_sigma. IWAE-k (Burda et al. 2016) takes k draws per image with log weights w_k, each
the ELBO's summand above, and maximises log (1/k) Σ_k exp(w_k): its gradient is the
ELBO's gradient at each draw weighted by softmax_k(w_k), through the same five products,
on k times as many rows. The k-sample ELBO, (1/k) Σ_k w_k, weights each draw by 1/k: the
same cost per step as IWAE-k, the control that separates IWAE's bound from its k-fold work.
"""

import math

import torch

from mnist_vae.products import linear, matmul


def encode(vae, x, eps):
    """The forward pass to the decoder's logits at z = mu + sigma * eps.
    x: (B, 784), eps: (..., B, Dz) -> h1 (B, H), log_sigma, sigma (B, Dz), z (..., B, Dz),
    h3 (..., B, H), logits (..., B, 784)"""
    second = vae.encoder.output_layer
    h1 = vae.encoder.hidden_units(x)
    mu, log_sigma = linear(h1, second.weight, second.bias).chunk(2, dim=-1)
    sigma = log_sigma.exp()
    z = torch.addcmul(mu, sigma, eps)
    h3 = vae.decoder.hidden_units(z)
    return h1, log_sigma, sigma, z, h3, vae.decoder.logits(h3)


def decoder_backward(decoder, d_logits, h3, z):
    """The decoder's weight gradients from the loss's gradient at the logits, written into
    .grad, and the likelihood's part of the gradient at z.
    d_logits: (R, 784), h3: (R, H), z: (R, Dz) -> (R, Dz)"""
    third, out = decoder.hidden_layer, decoder.output_layer
    out.weight.grad, out.bias.grad = matmul(d_logits.T, h3), d_logits.sum(0)
    d_a3 = matmul(d_logits, out.weight).mul_(1 - h3 * h3)
    third.weight.grad, third.bias.grad = matmul(d_a3.T, z), d_a3.sum(0)
    return matmul(d_a3, third.weight)


def encoder_backward(encoder, d_out, h1, x):
    """The encoder's weight gradients from the loss's gradient at [mu, log_sigma], written
    into .grad. d_out: (B, 2 Dz), h1: (B, H), x: (B, 784)"""
    first, second = encoder.hidden_layer, encoder.output_layer
    second.weight.grad, second.bias.grad = matmul(d_out.T, h1), d_out.sum(0)
    d_a1 = matmul(d_out, second.weight).mul_(1 - h1 * h1)
    first.weight.grad, first.bias.grad = matmul(d_a1.T, x), d_a1.sum(0)


@torch.no_grad()
def elbo_and_gradients(vae, x, eps, kl_weight=1.0):
    """Sum over the batch of the single-sample ELBO at z = mu + sigma * eps, and the gradient
    of the mean loss -ELBO_β (its KL term weighted by kl_weight) written into every
    parameter's .grad. x: (B, 784), eps: (B, Dz) -> scalar tensors: the summed ELBO and the
    summed ELBO_β, the bound trained on (the same tensor when kl_weight is 1)"""
    n = x.shape[0]
    h1, log_sigma, sigma, z, h3, logits = encode(vae, x, eps)

    elbo = (
        (x * logits).sum()
        - torch.nn.functional.softplus(logits).sum()
        - 0.5 * (z * z).sum()
        + 0.5 * (eps * eps).sum()
        + log_sigma.sum()
    )
    weighted = elbo
    if kl_weight != 1.0:  # ELBO_β = ELBO - (1 - β)(log p(z) - log q(z|x))
        prior_minus_q = 0.5 * (eps * eps).sum() - 0.5 * (z * z).sum() + log_sigma.sum()
        weighted = elbo - (1 - kl_weight) * prior_minus_q

    d_logits = torch.sigmoid(logits).sub_(x).div_(n)
    d_z = decoder_backward(vae.decoder, d_logits, h3, z).add_(z, alpha=kl_weight / n)
    d_out = torch.cat([d_z, d_z * eps * sigma - kl_weight / n], dim=-1)
    encoder_backward(vae.encoder, d_out, h1, x)
    return elbo, weighted


@torch.no_grad()
def k_draw_bound_and_gradients(vae, x, eps, importance_weighted=True):
    """Sum over the batch of a bound from the k draws z_k = mu + sigma * eps_k, and the
    gradient of its mean loss written into every parameter's .grad: IWAE-k,
    log (1/k) Σ_k exp(w_k), when `importance_weighted`, else the k-sample ELBO
    (1/k) Σ_k w_k, each draw's ELBO gradient weighted by softmax_k(w_k) or by 1/k.
    x: (B, 784), eps: (k, B, Dz) -> scalar tensors: the summed bound, and the summed
    single-sample ELBO of the first draw (the encoder's ELBO, estimated on the same draws)"""
    k, n = eps.shape[0], x.shape[0]
    h1, log_sigma, sigma, z, h3, logits = encode(vae, x, eps)
    # the k draws of the batch as k·B rows, draw-major
    z, h3, logits, x_k = z.flatten(0, 1), h3.flatten(0, 1), logits.flatten(0, 1), x.repeat(k, 1)

    log_w = (
        (x_k * logits).sum(-1)
        - torch.nn.functional.softplus(logits).sum(-1)
        - 0.5 * (z * z).sum(-1)
        + 0.5 * (eps * eps).flatten(0, 1).sum(-1)
        + log_sigma.sum(-1).repeat(k)
    ).view(k, n)
    if importance_weighted:
        bound = (torch.logsumexp(log_w, dim=0) - math.log(k)).sum()
        # d loss / d log_w_k = -softmax_k(log_w) / n: each draw's ELBO gradient, so weighted
        draw_weights = torch.softmax(log_w, dim=0)
    else:
        bound = log_w.mean(0).sum()
        draw_weights = torch.full_like(log_w, 1 / k)
    weights = draw_weights.flatten()[:, None] / n

    d_logits = torch.sigmoid(logits).sub_(x_k).mul_(weights)
    d_z = decoder_backward(vae.decoder, d_logits, h3, z).addcmul_(z, weights).view(k, n, -1)
    d_mu = d_z.sum(0)
    d_log_sigma = (d_z * eps).sum(0).mul_(sigma).sub_(1 / n)  # the draws' weights sum to 1
    encoder_backward(vae.encoder, torch.cat([d_mu, d_log_sigma], dim=-1), h1, x)
    return bound, log_w[0].sum()


def iwae_and_gradients(vae, x, eps):
    """IWAE-k (Burda et al. 2016) and its gradient: k_draw_bound_and_gradients."""
    return k_draw_bound_and_gradients(vae, x, eps, importance_weighted=True)


def k_sample_elbo_and_gradients(vae, x, eps):
    """The k-sample ELBO, the mean of k draws' ELBOs (Burda et al.'s "VAE-k", IWAE-k's
    control at the same cost per step), and its gradient: k_draw_bound_and_gradients."""
    return k_draw_bound_and_gradients(vae, x, eps, importance_weighted=False)
