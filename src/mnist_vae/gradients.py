"""The gradient of the single-sample ELBO, written out by hand.

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
"""

import torch

from mnist_vae.products import linear, matmul


@torch.no_grad()
def elbo_and_gradients(vae, x, eps):
    """Sum over the batch of the single-sample ELBO at z = mu + sigma * eps, and the gradient
    of the mean loss -ELBO written into every parameter's .grad.
    x: (B, 784), eps: (B, Dz) -> scalar tensor (the summed ELBO)"""
    encoder, decoder = vae.encoder, vae.decoder
    first, second = encoder.hidden_layer, encoder.output_layer
    third, out = decoder.hidden_layer, decoder.output_layer
    n = x.shape[0]

    h1 = encoder.hidden_units(x)
    mu, log_sigma = linear(h1, second.weight, second.bias).chunk(2, dim=-1)
    sigma = log_sigma.exp()
    z = torch.addcmul(mu, sigma, eps)
    h3 = decoder.hidden_units(z)
    logits = decoder.logits(h3)

    elbo = (
        (x * logits).sum()
        - torch.nn.functional.softplus(logits).sum()
        - 0.5 * (z * z).sum()
        + 0.5 * (eps * eps).sum()
        + log_sigma.sum()
    )

    d_logits = torch.sigmoid(logits).sub_(x).div_(n)
    out.weight.grad, out.bias.grad = matmul(d_logits.T, h3), d_logits.sum(0)
    d_a3 = matmul(d_logits, out.weight).mul_(1 - h3 * h3)
    third.weight.grad, third.bias.grad = matmul(d_a3.T, z), d_a3.sum(0)
    d_z = matmul(d_a3, third.weight).add_(z, alpha=1 / n)
    d_out = torch.cat([d_z, d_z * eps * sigma - 1 / n], dim=-1)
    second.weight.grad, second.bias.grad = matmul(d_out.T, h1), d_out.sum(0)
    d_a1 = matmul(d_out, second.weight).mul_(1 - h1 * h1)
    first.weight.grad, first.bias.grad = matmul(d_a1.T, x), d_a1.sum(0)
    return elbo
