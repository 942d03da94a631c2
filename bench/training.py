"""Training: the project's loop against a textbook PyTorch loop, the train rule against the
JAX peer, the monitor's accuracy and the spread over seeds."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from bench import jax_peer
from bench.timing import REPO, interleaved, median, other_backend, products_backend, row, scaled
from mnist_vae import products
from mnist_vae.evaluate import bounds_per_image
from mnist_vae.inference.bounds import elbo
from mnist_vae.inference.quadrature import log_marginal_quadrature
from mnist_vae.inference.streams import EVALUATE_TEST
from mnist_vae.model import build_vae
from mnist_vae.settings import EvaluateSettings, ModelSettings, TrainSettings
from mnist_vae.train import train, train_epoch


class TextbookVAE(nn.Module):
    """The VAE as pytorch/examples' vae/main.py writes it, with this project's sizes:
    784-500(tanh)-2, Bernoulli decoder on logits, autograd and Adam's defaults."""

    def __init__(self, hidden=500, latent=2):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden)
        self.fc21, self.fc22 = nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.fc3, self.fc4 = nn.Linear(latent, hidden), nn.Linear(hidden, 784)

    def forward(self, x):
        h = torch.tanh(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.fc4(torch.tanh(self.fc3(z))), mu, logvar


def textbook_epoch(model, optimizer, x_train, batch_size=100):
    for batch in torch.randperm(len(x_train)).split(batch_size):
        x = x_train[batch]
        logits, mu, logvar = model(x)
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        loss = (bce + kld) / len(x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def autograd_epoch(vae, optimizer, x_train, generator, batch_size=100):
    """This project's training step before the hand-written gradient (revision 8304e41)."""
    for batch in torch.randperm(len(x_train)).split(batch_size):
        loss = -elbo(x_train[batch], vae, generator).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def step_products(x, w1, w4, h, d_logits):
    """The five large matrix products of a training step on the minibatch x."""
    return x @ w1.T, h @ w4.T, d_logits.T @ h, d_logits @ w4, h.T @ x


def five_products(x_train, hidden=500, batch_size=100):
    """The five large matrix products of a training step and nothing else, per minibatch."""
    w1, w4 = torch.randn(hidden, 784), torch.randn(784, hidden)
    h, d_logits = torch.randn(batch_size, hidden), torch.randn(batch_size, 784)
    for x in x_train.split(batch_size):
        step_products(x, w1, w4, h, d_logits)


def products_and_adam(x_train, parameters, adam, batch_size=100):
    """Five products and a fused Adam step per minibatch, nothing else: the floor of any
    float32 training loop on this CPU. parameters: the VAE's, with their .grad set."""
    w1, w4 = parameters[0], parameters[-2]
    h, d_logits = torch.randn(batch_size, w1.shape[0]), torch.randn(batch_size, 784)
    with torch.no_grad():
        for x in x_train.split(batch_size):
            step_products(x, w1, w4, h, d_logits)
            adam.step()


def training_rows(x_train, rounds, images_per_round=2000):
    """Each code trains on images_per_round images per round (a fifth of an epoch), over
    many short interleaved rounds, and the times are scaled to a whole epoch.
    -> rows, the textbook loop's seconds per epoch"""
    textbook = TextbookVAE()
    textbook_adam = torch.optim.Adam(textbook.parameters())
    old = build_vae(ModelSettings(), 0)
    old_adam, old_noise = torch.optim.Adam(old.parameters()), torch.Generator().manual_seed(1)
    new = build_vae(ModelSettings(), 0)
    new_adam = torch.optim.Adam(new.parameters(), fused=True)
    generators = torch.Generator().manual_seed(0), torch.Generator().manual_seed(1)
    floor = build_vae(ModelSettings(), 0)
    floor_parameters = list(floor.parameters())
    for p in floor_parameters:
        p.grad = torch.randn_like(p) * 1e-3
    floor_adam = torch.optim.Adam(floor_parameters, fused=True)
    other = other_backend()

    def loop_with_other_backend():
        with products_backend(other):
            train_epoch(new, new_adam, part, TrainSettings(batch_size=100), 1, *generators)

    part = x_train[:images_per_round]
    times = interleaved(
        {
            "textbook": lambda: textbook_epoch(textbook, textbook_adam, part),
            "autograd": lambda: autograd_epoch(old, old_adam, part, old_noise),
            "loop": lambda: train_epoch(
                new, new_adam, part, TrainSettings(batch_size=100), 1, *generators
            ),
            "other": loop_with_other_backend,
            "products": lambda: five_products(part),
            "floor": lambda: products_and_adam(part, floor_parameters, floor_adam),
        },
        rounds,
    )
    per_epoch = {name: scaled(t, len(x_train) / len(part)) for name, t in times.items()}
    base = per_epoch["textbook"]
    rows = [
        row("training", "textbook PyTorch loop (baseline)", base, "s/epoch", base),
        row(
            "training",
            "project loop before (autograd, 8304e41)",
            per_epoch["autograd"],
            "s/epoch",
            base,
        ),
        row(
            "training",
            f"project loop, products through {products.backend()} (this CPU's choice)",
            per_epoch["loop"],
            "s/epoch",
            base,
        ),
        row(
            "training",
            f"project loop, products through {other}",
            per_epoch["other"],
            "s/epoch",
            base,
        ),
        row("training", "five matrix products alone", per_epoch["products"], "s/epoch", base),
        row(
            "training",
            "five products and fused Adam alone (floor of a dense float32 loop)",
            per_epoch["floor"],
            "s/epoch",
            base,
        ),
    ]
    return rows, base


def timed_train_rule(workspace, first):
    """Run the real train rule of the default config in `workspace` (a copy of the
    workflow); -> its wall time from Snakemake's benchmark file"""
    # The target before --forcerun, which takes every word after it.
    force = [] if first else ["--forcerun", "train"]
    target = "results/assignment/model.pt"
    command = [sys.executable, "-m", "snakemake", "--cores", "2", target, *force]
    subprocess.run(command, cwd=workspace, check=True, capture_output=True)
    lines = (workspace / "benchmarks/train/assignment.tsv").read_text().splitlines()
    return float(lines[-1].split("\t")[0])


def jax_seconds(x_train, epochs):
    """The JAX peer's training time, in a process of its own (as the rule runs in one)."""
    with tempfile.TemporaryDirectory() as directory:
        images = Path(directory) / "x_train.npy"
        np.save(images, x_train.numpy())
        command = [
            sys.executable,
            str(Path(jax_peer.__file__)),
            str(images),
            "--epochs",
            str(epochs),
        ]
        result = subprocess.run(command, check=True, capture_output=True, text=True)
    return float(result.stdout.strip().splitlines()[-1])


def train_rule_rows(x_train, rounds, textbook_epoch_seconds):
    """The real train rule (Snakemake's benchmark file: 100 epochs, the monitor and the
    per-epoch checkpoint, start-up included) and the JAX peer's 100 epochs, interleaved."""
    epochs = TrainSettings().epochs
    times = {"rule": [], "jax": []}
    with tempfile.TemporaryDirectory() as directory:
        workspace = Path(directory)
        for name in (
            "Snakefile",
            "config.yaml",
            "environment.yml",
            "profiles",
            "workflow",
            "src",
            "resources",
        ):
            source = REPO / name
            copy = shutil.copytree if source.is_dir() else shutil.copy2
            copy(source, workspace / name)
        for i in range(rounds):
            times["rule"].append(timed_train_rule(workspace, first=i == 0))
            if jax_peer.available():
                times["jax"].append(jax_seconds(x_train, epochs))
    textbook = scaled(textbook_epoch_seconds, epochs)
    rows = [
        row(
            "training",
            f"textbook loop, {epochs} epochs (from its s/epoch)",
            textbook,
            "s",
            textbook,
        ),
        row(
            "training",
            f"train rule, {epochs} epochs with monitor and checkpoints (its benchmark file)",
            times["rule"],
            "s",
            textbook,
        ),
    ]
    if times["jax"]:
        rows.append(
            row(
                "training",
                f"JAX peer (jit, lax.scan, optax Adam), {epochs} epochs",
                times["jax"],
                "s",
                textbook,
            )
        )
        rows.append(
            row(
                "training",
                "train rule against the JAX peer",
                [median(times["jax"]) / median(times["rule"])],
                "x",
            )
        )
    else:
        rows.append(
            (
                "training",
                "JAX peer: skipped: jax not installed (pip install -e .[bench])",
                None,
                None,
                None,
                0,
                None,
                "",
            )
        )
    return rows


def monitor_accuracy_rows(x_train, x_heldout, epochs):
    """The held-out log p(x) on the monitor's grid against a fine grid, after `epochs`."""
    settings = TrainSettings(epochs=epochs, log_px_every=epochs)
    vae = build_vae(ModelSettings(), 0)
    history = train(vae, x_train, x_heldout, settings)
    heldout = x_heldout[: settings.heldout_images]
    fine, _ = log_marginal_quadrature(heldout, vae.decoder, 8.0, 801, half_grid=False)
    difference = abs(history[-1]["heldout_log_px"] - fine.mean().item())
    name = f"monitor log p(x) ({settings.quadrature.points}² grid) minus 801² grid, after {epochs} epochs"
    return [row("training", name, difference, "nats")]


def seed_rows(x_train, x_test, epochs):
    """Final test ELBO of the textbook-equivalent autograd loop and of the project's, over
    three seeds each. -> rows: the three values' min / median / max"""
    settings = EvaluateSettings(iwae_samples=1)
    results = {"autograd": [], "project": []}
    for seed in range(3):
        torch.manual_seed(seed)
        old = build_vae(ModelSettings(), seed)
        adam, noise = torch.optim.Adam(old.parameters()), torch.Generator().manual_seed(seed + 1)
        for _ in range(epochs):
            autograd_epoch(old, adam, x_train, noise)
        new = build_vae(ModelSettings(), seed)
        train(new, x_train, x_test, TrainSettings(epochs=epochs, seed=seed, log_px_every=epochs))
        for name, vae in (("autograd", old), ("project", new)):
            values = bounds_per_image(
                vae, x_test, range(len(x_test)), settings, EVALUATE_TEST, False
            )
            results[name].append(float(values["elbo"].mean()))
    return [
        row("training", f"test ELBO after {epochs} epochs, 3 seeds, {name}", v, "nats")
        for name, v in results.items()
    ]
