"""The encoder and decoder MLPs of Kingma & Welling, Appendix C (Bernoulli decoder).

This module is the one place that knows the layers: the fast paths (the hand-written
gradients, the bounds, SVI, the quadratures) reach the weights through `hidden_layer` and
`output_layer` and compute through `hidden_units` and `logits`, whose products go through
mnist_vae.products.
"""

from dataclasses import asdict

import torch
from torch import nn

from mnist_vae.densities import ALL_PIXELS
from mnist_vae.errors import DataError
from mnist_vae.products import linear
from mnist_vae.settings import ModelSettings
from mnist_vae.storage.torch_files import read_torch, write_torch

N_PIXELS = 28 * 28


class Encoder(nn.Module):
    """x: (..., 784) -> mean, log-std of q(z | x): (..., Dz) each."""

    def __init__(self, settings: ModelSettings):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(N_PIXELS, settings.hidden_dim),
            nn.Tanh(),
            nn.Linear(settings.hidden_dim, 2 * settings.latent_dim),
        )

    @property
    def hidden_layer(self) -> nn.Linear:
        return self.net[0]

    @property
    def output_layer(self) -> nn.Linear:
        return self.net[2]

    def hidden_units(self, x):
        """tanh(x W1ᵀ + b1). x: (..., 784) -> (..., H)"""
        return torch.tanh(linear(x, self.hidden_layer.weight, self.hidden_layer.bias))

    def forward(self, x):
        out = self.output_layer
        mu, log_sigma = linear(self.hidden_units(x), out.weight, out.bias).chunk(2, dim=-1)
        return mu, log_sigma


class Decoder(nn.Module):
    """z: (..., Dz) -> Bernoulli logits of p(x | z): (..., 784), or of the pixels selected
    by `pixels` (a slice of the 784), computing only those."""

    def __init__(self, settings: ModelSettings):
        super().__init__()
        self.latent_dim = settings.latent_dim
        self.hidden = nn.Sequential(nn.Linear(settings.latent_dim, settings.hidden_dim), nn.Tanh())
        self.out = nn.Linear(settings.hidden_dim, N_PIXELS)

    @property
    def hidden_layer(self) -> nn.Linear:
        return self.hidden[0]

    @property
    def output_layer(self) -> nn.Linear:
        return self.out

    def hidden_units(self, z, tanh=torch.tanh):
        """tanh(z W3ᵀ + b3), with `tanh` any function computing it.
        z: (..., Dz) -> (..., H)"""
        return tanh(linear(z, self.hidden_layer.weight, self.hidden_layer.bias))

    def logits(self, h, pixels=ALL_PIXELS):
        """The logits of the pixels `pixels` from the hidden units, h W4ᵀ + b4.
        h: (..., H) -> (..., P)"""
        return linear(h, self.out.weight[pixels], self.out.bias[pixels])

    def forward(self, z, pixels=ALL_PIXELS):
        return self.logits(self.hidden_units(z), pixels)


class VAE(nn.Module):
    def __init__(self, settings: ModelSettings):
        super().__init__()
        self.settings = settings
        self.encoder = Encoder(settings)
        self.decoder = Decoder(settings)

    @property
    def latent_dim(self):
        return self.settings.latent_dim


def weights_finite(vae):
    """Whether every weight and bias is a finite number."""
    return all(p.isfinite().all() for p in vae.parameters())


def build_vae(settings: ModelSettings, seed) -> VAE:
    """A freshly initialised VAE whose weights depend on `seed` alone (global RNG untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return VAE(settings)


def save_model(vae: VAE, path, **metadata):
    """Write weights, the model settings and any metadata (training settings, versions)."""
    write_torch(
        path, {"settings": asdict(vae.settings), "state_dict": vae.state_dict(), **metadata}
    )


def load_model(path, device="cpu") -> VAE:
    """Rebuild a trained VAE from a file written by save_model, on `device`, frozen: in
    eval mode with its parameters' gradients off."""
    saved = read_torch(path, map_location=device)
    try:
        vae = VAE(ModelSettings(**saved["settings"]))
        vae.load_state_dict(saved["state_dict"])
    except (TypeError, KeyError, RuntimeError) as e:
        reason = str(e).strip().splitlines()[0]
        raise DataError(f"{path}: not a model this pipeline wrote ({reason})") from None
    if not weights_finite(vae):
        raise DataError(f"{path}: the model's weights are not all finite")
    return vae.to(device).eval().requires_grad_(False)
