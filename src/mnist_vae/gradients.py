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


def _layers(vae):
    encoder, decoder = vae.encoder.net, vae.decoder
    return (encoder[0], encoder[2], decoder.hidden[0], decoder.out)


@torch.no_grad()
def elbo_and_gradients(vae, x, eps):
    """Sum over the batch of the single-sample ELBO at z = mu + sigma * eps, and the gradient
    of the mean loss -ELBO written into every parameter's .grad (allocated if missing).
    x: (B, 784), eps: (B, Dz) -> scalar tensor (the summed ELBO)"""
    first, second, third, out = _layers(vae)
    n = x.shape[0]
    for p in vae.parameters():
        if p.grad is None:
            p.grad = torch.zeros_like(p)

    h1 = torch.addmm(first.bias, x, first.weight.T).tanh_()
    mu, log_sigma = torch.addmm(second.bias, h1, second.weight.T).chunk(2, dim=-1)
    sigma = log_sigma.exp()
    z = torch.addcmul(mu, sigma, eps)
    h3 = torch.addmm(third.bias, z, third.weight.T).tanh_()
    logits = torch.addmm(out.bias, h3, out.weight.T)

    elbo = (
        (x * logits).sum()
        - torch.nn.functional.softplus(logits).sum()
        - 0.5 * (z * z).sum()
        + 0.5 * (eps * eps).sum()
        + log_sigma.sum()
    )

    d_logits = torch.sigmoid(logits).sub_(x).div_(n)
    torch.mm(d_logits.T, h3, out=out.weight.grad)
    torch.sum(d_logits, 0, out=out.bias.grad)
    d_a3 = torch.mm(d_logits, out.weight).mul_(1 - h3 * h3)
    torch.mm(d_a3.T, z, out=third.weight.grad)
    torch.sum(d_a3, 0, out=third.bias.grad)
    d_z = torch.mm(d_a3, third.weight).add_(z, alpha=1 / n)
    d_out = torch.cat([d_z, d_z * eps * sigma - 1 / n], dim=-1)
    torch.mm(d_out.T, h1, out=second.weight.grad)
    torch.sum(d_out, 0, out=second.bias.grad)
    d_a1 = torch.mm(d_out, second.weight).mul_(1 - h1 * h1)
    torch.mm(d_a1.T, x, out=first.weight.grad)
    torch.sum(d_a1, 0, out=first.bias.grad)
    return elbo
