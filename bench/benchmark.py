"""Speed of the pipeline's hot paths, each against a baseline timed in the same invocation.

    python bench/benchmark.py --quick            # about 8 minutes on 2 cores
    python bench/benchmark.py --smoke --csv C --page P   # every part once on a tiny
                                                 # budget (the tests' check that it runs)
    python bench/benchmark.py                    # about 35 minutes, 3 rounds of the train
                                                 # rule and 3-seed training

Absolute times drift from machine to machine and with the load on a shared one; ratios
between codes timed side by side, interleaved and repeated, do not. Every row gives the
min / median / max over its rounds and its ratio (of medians) to its baseline. Writes the
table to docs/performance.md and as CSV to bench/results.csv. Runs on the CPU with
--threads threads. The JAX peer's row needs `pip install -e .[bench]`.
"""

import argparse
import contextlib
import csv
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mnist_vae import products
from mnist_vae.analyses.gaps import best_fits
from mnist_vae.analyses.inpainting import TOP
from mnist_vae.data.mnist import MNIST_FILES, binarized_split
from mnist_vae.densities import log_prior
from mnist_vae.evaluate import bounds_per_image
from mnist_vae.inference.bounds import elbo
from mnist_vae.inference.gauss_hermite import gauss_hermite_elbo, gaussian_entropy, hermite_nodes
from mnist_vae.inference.numerics import fast_tanh, softplus_sum
from mnist_vae.inference.quadrature import log_marginal_and_starts, log_marginal_quadrature
from mnist_vae.inference.reference import iwae_bound
from mnist_vae.inference.streams import EVALUATE_TEST
from mnist_vae.inference.svi import (
    IMAGE_CHUNK,
    SVISettings,
    best_candidates,
    elbo_gradient,
    fit_posterior,
    gaussian_elbo,
    per_image_draws,
)
from mnist_vae.model import build_vae
from mnist_vae.settings import EvaluateSettings, GapsShardSettings, ModelSettings, TrainSettings
from mnist_vae.train import train, train_epoch

REPO = Path(__file__).resolve().parents[1]
MNIST = REPO / "resources" / "mnist"
# What was tried and why, copied below the table into docs/performance.md.
NOTES = Path(__file__).with_name("performance_notes.md")
sys.path.insert(0, str(Path(__file__).parent))
import jax_peer  # noqa: E402 (bench/ is not a package)


def mnist(split, n):
    x, _ = binarized_split(
        MNIST / MNIST_FILES[f"{split}_images"], MNIST / MNIST_FILES[f"{split}_labels"], n, 0.5
    )
    return torch.from_numpy(x).float()


def seconds(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def interleaved(functions, rounds):
    """Time each function once per round, in turn and in a shuffled order, so that drifts
    in the machine's speed fall on all alike. -> {name: [seconds of each round]}"""
    times = {name: [] for name in functions}
    order = list(functions)
    shuffler = random.Random(0)
    for _ in range(rounds):
        shuffler.shuffle(order)
        for name in order:
            times[name].append(seconds(functions[name]))
    return times


def median(values):
    return statistics.median(values)


def scaled(values, factor):
    return [v * factor for v in values]


def row(part, name, values, unit, baseline=None, faster="lower"):
    """A table row: min / median / max of `values` and the ratio of medians to `baseline`
    (a speed-up: baseline / value for times, value / baseline for rates)."""
    values = values if isinstance(values, list) else [values]
    ratio = None
    if baseline is not None:
        ratio = (
            median(baseline) / median(values)
            if faster == "lower"
            else median(values) / median(baseline)
        )
    return (part, name, min(values), median(values), max(values), len(values), ratio, unit)


@contextlib.contextmanager
def products_backend(name):
    """mnist_vae.products set to `name` ('onednn' or 'torch') inside the block."""
    before = os.environ.get(products.SETTING)
    os.environ[products.SETTING] = name
    products.backend.cache_clear()
    try:
        yield
    finally:
        if before is None:
            del os.environ[products.SETTING]
        else:
            os.environ[products.SETTING] = before
        products.backend.cache_clear()


def other_backend():
    return "torch" if products.backend() == "onednn" else "onednn"


# --- the GEMMs ------------------------------------------------------------------------


def gemm_rows(rounds):
    """torch.mm (MKL) against oneDNN's linear op on a large product and on a training
    step's first product. -> rows, the best large-product rate (GFLOP/s, median)"""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    x, w = torch.randn(100, 784), torch.randn(500, 784)
    onednn = torch.ops.mkldnn._linear_pointwise
    times = interleaved(
        {
            "mm": lambda: [a @ b for _ in range(5)],
            "onednn": lambda: [onednn(a, b.T, None, "none", [], "") for _ in range(5)],
            "step_mm": lambda: [x @ w.T for _ in range(200)],
            "step_onednn": lambda: [onednn(x, w, None, "none", [], "") for _ in range(200)],
        },
        rounds,
    )
    rate = {k: [5 * 2 * 2048**3 / t / 1e9 for t in times[k]] for k in ("mm", "onednn")}
    step = {k: scaled(times[k], 1e6 / 200) for k in ("step_mm", "step_onednn")}
    rows = [
        row(
            "products",
            "large product (2048³), torch.mm (MKL), baseline",
            rate["mm"],
            "GFLOP/s",
            rate["mm"],
            "higher",
        ),
        row("products", "the same through oneDNN", rate["onednn"], "GFLOP/s", rate["mm"], "higher"),
        row(
            "products",
            "a step's 100×784 · 784×500, torch.mm (MKL)",
            step["step_mm"],
            "µs",
            step["step_mm"],
        ),
        row("products", "the same through oneDNN", step["step_onednn"], "µs", step["step_mm"]),
    ]
    return rows, max(median(rate["mm"]), median(rate["onednn"]))


# --- training -------------------------------------------------------------------------


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


# --- evaluation -----------------------------------------------------------------------


def decoder_flops(n_decodes, hidden=500, latent=2):
    return n_decodes * 2 * (latent * hidden + hidden * 784 + hidden)


def encoder_flops(n_images, hidden=500, latent=2):
    return n_images * 2 * (784 * hidden + hidden * 2 * latent)


def quadrature_flops(n_images, points, hidden=500):
    """The grid decoded once, and each image's x · logits against every node."""
    nodes = points * points
    return decoder_flops(nodes, hidden) + n_images * nodes * 2 * hidden


def evaluation_rows(vae, x_test, x_train, n_iwae, rounds, best_rate):
    """IWAE, the ELBO pass and the quadrature as GFLOP/s, against the best large-product
    rate reachable from torch measured in this run (gemm_rows), and against the code
    before; IWAE also with the other backend."""
    settings = EvaluateSettings()
    k = settings.iwae_samples
    x = x_test[:n_iwae]
    old_generator = torch.Generator().manual_seed(0)
    other = other_backend()

    def old_iwae():
        for batch in x.split(settings.batch_size):
            iwae_bound(batch, vae, k, old_generator, 500)

    def iwae_other():
        with products_backend(other):
            bounds_per_image(vae, x, images, settings, EVALUATE_TEST)

    images = range(len(x))
    times = interleaved(
        {
            "iwae": lambda: bounds_per_image(vae, x, images, settings, EVALUATE_TEST),
            "other": iwae_other,
            "old_iwae": old_iwae,
        },
        rounds,
    )
    iwae_flops = decoder_flops(len(x) * (k + settings.elbo_samples)) + encoder_flops(len(x))
    rate = {name: [iwae_flops / t / 1e9 for t in values] for name, values in times.items()}
    elbo_times = interleaved(
        {
            "elbo": lambda: bounds_per_image(
                vae, x_train, range(len(x_train)), settings, EVALUATE_TEST, iwae=False
            ),
        },
        rounds,
    )
    elbo_flops = decoder_flops(len(x_train) * settings.elbo_samples) + encoder_flops(len(x_train))
    grid = settings.quadrature
    heldout = x_test[:500]
    quadrature = interleaved(
        {
            "plain": lambda: log_marginal_quadrature(
                heldout, vae.decoder, grid.limit, grid.points, half_grid=False
            ),
            "with_check": lambda: log_marginal_quadrature(
                heldout, vae.decoder, grid.limit, grid.points
            ),
        },
        rounds,
    )
    best = [best_rate]
    q_flops = quadrature_flops(len(heldout), grid.points)
    check = [w - p for w, p in zip(quadrature["with_check"], quadrature["plain"], strict=True)]
    return [
        row(
            "evaluation",
            "best large float32 product from torch, this run (baseline)",
            best,
            "GFLOP/s",
            best,
            "higher",
        ),
        row(
            "evaluation",
            f"IWAE-{k} before (8304e41), {len(x)} images",
            rate["old_iwae"],
            "GFLOP/s",
            best,
            "higher",
        ),
        row(
            "evaluation",
            f"IWAE-{k} now, products through {products.backend()}",
            rate["iwae"],
            "GFLOP/s",
            best,
            "higher",
        ),
        row(
            "evaluation",
            f"IWAE-{k} now, products through {other}",
            rate["other"],
            "GFLOP/s",
            best,
            "higher",
        ),
        row(
            "evaluation",
            f"ELBO pass, {len(x_train)} images x {settings.elbo_samples}",
            [elbo_flops / t / 1e9 for t in elbo_times["elbo"]],
            "GFLOP/s",
            best,
            "higher",
        ),
        row(
            "evaluation",
            f"quadrature {grid.points}², 500 images, no check",
            [q_flops / t / 1e9 for t in quadrature["plain"]],
            "GFLOP/s",
            best,
            "higher",
        ),
        row(
            "evaluation",
            "its convergence check (half grid), share of the quadrature",
            [c / median(quadrature["plain"]) for c in check],
            "fraction",
        ),
    ]


# --- inpainting -----------------------------------------------------------------------


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


# --- the gap split's q* ---------------------------------------------------------------


def hand_elbo_and_gradients(x, decoder, mu, log_sigma, nodes, weights):
    """c40c2af's Gauss–Hermite ELBO with its gradient by hand (two products through the
    decoder and back), for the L-BFGS of the split before. -> ELBO (N,), two (N, Dz)"""
    offsets = math.sqrt(2) * log_sigma.exp()[:, None, :] * nodes
    z = mu[:, None, :] + offsets
    h = decoder.hidden_units(z, tanh=fast_tanh)
    logits = decoder.logits(h)
    log_joint = (x[:, None] * logits).sum(-1) - softplus_sum(logits) + log_prior(z)
    d_logits = x[:, None] - torch.sigmoid(logits)
    d_h = (d_logits @ decoder.output_layer.weight).mul_(1 - h * h)
    weighted = (d_h @ decoder.hidden_layer.weight - z) * weights[:, None]
    elbo = log_joint @ weights + gaussian_entropy(log_sigma)
    return elbo, weighted.sum(1), (weighted * offsets).sum(1) + 1


def lbfgs_refinement(x, decoder, mu, log_sigma, points=8, iterations=30, chunk=16):
    """c40c2af's refinement: L-BFGS on the Gauss–Hermite ELBO, one run per chunk of images
    (their ELBOs summed)."""
    nodes, log_weights = hermite_nodes(points, mu.shape[-1])
    nodes, weights = nodes.float(), log_weights.exp().float()
    fitted_mu, fitted_log_sigma = mu.detach().clone(), log_sigma.detach().clone()
    for first in range(0, len(x), chunk):
        rows = slice(first, first + chunk)
        q = [fitted_mu[rows].contiguous(), fitted_log_sigma[rows].contiguous()]
        optimizer = torch.optim.LBFGS(q, max_iter=iterations, line_search_fn="strong_wolfe")

        def loss(x=x[rows], q=q):
            elbo, d_mu, d_log_sigma = hand_elbo_and_gradients(x, decoder, *q, nodes, weights)
            q[0].grad, q[1].grad = -d_mu, -d_log_sigma
            return -elbo.sum()

        optimizer.step(loss)
        fitted_mu[rows], fitted_log_sigma[rows] = q
    return fitted_mu, fitted_log_sigma


def svi_from_starts(x, decoder, images, starts, settings):
    """c40c2af's SVI of the split: one restart from each start (mu, log_sigma), the best
    by its final ELBO. -> mu, log_sigma (N, Dz)"""
    _, step_noise, final_noise = per_image_draws(images, settings, decoder.latent_dim)
    mu = torch.stack([start[0] for start in starts], 1)
    log_sigma = torch.stack([start[1] for start in starts], 1)
    optimizer = torch.optim.Adam([mu, log_sigma], lr=settings.learning_rate)
    for eps in step_noise:
        mu.grad, log_sigma.grad = elbo_gradient(x, decoder, mu, log_sigma, eps)
        optimizer.step()
    with torch.no_grad():
        best = gaussian_elbo(x, decoder, mu, log_sigma, final_noise).argmax(1)
    pick = torch.arange(len(x))
    return mu[pick, best], log_sigma[pick, best]


def split_before(x, decoder, encoder_q, starts):
    """q* as c40c2af fitted it, but for its L-BFGS fits from the posterior's lesser peaks
    (most images have none): SVI on all pixels (100 steps, K = 10) from the encoder's q
    and from the top of the grid posterior (here: the heaviest basin's mean, σ = 0.1),
    then L-BFGS on the Gauss–Hermite ELBO."""
    settings = SVISettings(restarts=2, steps=100)
    peak = torch.stack([start[0, :2] for start in starts])
    mode_q = (peak, torch.full_like(peak, math.log(settings.initial_sigma)))
    images = torch.arange(len(x))
    mu, log_sigma = svi_from_starts(x, decoder, images, [encoder_q, mode_q], settings)
    return lbfgs_refinement(x, decoder, mu, log_sigma)


def gap_split_rows(vae, x_test, n_images, rounds):
    """The fit of the split's q*, before (c40c2af's SVI and L-BFGS) and now (Newton from
    the grid posterior's basins), from the same grid pass, and how the two q* compare
    in the ELBO the split reports (Gauss–Hermite, 16² nodes)."""
    x = x_test[:n_images]
    settings = GapsShardSettings()
    grid = settings.quadrature
    _, _, starts = log_marginal_and_starts(x, vae.decoder, grid.limit, grid.points)
    with torch.no_grad():
        encoder_q = vae.encoder(x)
    results = {}
    times = interleaved(
        {
            "before": lambda: results.__setitem__(
                "before", split_before(x, vae.decoder, encoder_q, starts)
            ),
            "now": lambda: results.__setitem__(
                "now", best_fits(x, vae.decoder, starts, settings)[:2]
            ),
        },
        rounds,
    )
    elbos = {
        name: gauss_hermite_elbo(x, vae.decoder, *fitted, points=16)
        for name, fitted in results.items()
    }
    gain = elbos["now"] - elbos["before"]
    base = times["before"]
    return [
        row(
            "gaps",
            f"q* before (c40c2af: SVI from two starts, then L-BFGS), {n_images} images",
            base,
            "s",
            base,
        ),
        row("gaps", "q* now (Newton from the grid posterior's basins)", times["now"], "s", base),
        row("gaps", "ELBO(q*) now minus before, mean per image", gain.mean().item(), "nats"),
        row("gaps", "ELBO(q*) now minus before, worst image", gain.min().item(), "nats"),
    ]


def table(rows):
    lines = [
        "| part | measurement | min | median | max | rounds | ratio to baseline | unit |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for part, name, low, middle, high, rounds, ratio, unit in rows:
        numbers = ["", "", ""] if middle is None else [f"{v:.4g}" for v in (low, middle, high)]
        ratio_text = "" if ratio is None else f"{ratio:.2f}x"
        lines.append(
            f"| {part} | {name} | {' | '.join(numbers)} | {rounds or ''} | {ratio_text} | {unit} |"
        )
    return "\n".join(lines)


def machine():
    return (
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU "
        f"{products.cpu_vendor() or 'of unknown vendor'} ({platform.machine()}), capability "
        f"{torch.backends.cpu.get_cpu_capability()}, {os.cpu_count()} cores; products through "
        f"{products.backend()} by this CPU's choice"
    )


def rows_from_csv(path):
    def number(text):
        return float(text) if text else None

    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)
        return [
            (
                part,
                name,
                number(low),
                number(mid),
                number(high),
                int(rounds or 0),
                number(ratio),
                unit,
            )
            for part, name, low, mid, high, rounds, ratio, unit in reader
        ]


def write_page(path, rows, command):
    text = f"""# Performance

Written by `{command}` (bench/benchmark.py); do not edit by hand. Every row: min / median /
max over its rounds, timed interleaved with its baseline in the same invocation, and the
ratio of medians to that baseline (a speed-up: higher is better). Absolute numbers drift
from machine to machine; the ratios are what to compare.

{machine()}.

{table(rows)}

{NOTES.read_text()}"""
    Path(path).write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer epochs, images, rounds")
    mode.add_argument(
        "--smoke",
        action="store_true",
        help="every part once on a few images, without the train rule and the JAX peer: "
        "checks that the benchmark runs; its times mean little",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", help="a trained model.pt for evaluation and inpainting")
    parser.add_argument("--csv", default=str(Path(__file__).with_name("results.csv")))
    parser.add_argument("--page", default=str(REPO / "docs" / "performance.md"))
    parser.add_argument(
        "--page-only",
        metavar="COMMAND",
        help="rewrite the page from --csv and the notes, measuring nothing; COMMAND is the "
        "benchmark command that wrote the CSV",
    )
    args = parser.parse_args()
    if args.page_only:
        write_page(args.page, rows_from_csv(args.csv), args.page_only)
        return
    torch.set_num_threads(args.threads)
    quick, smoke = args.quick, args.smoke
    x_train, x_test = mnist("train", 10000), mnist("test", 10000)

    def budget(full, short, tiny):
        return tiny if smoke else short if quick else full

    rows, best_rate = gemm_rows(rounds=budget(15, 5, 1))
    training, textbook_epoch_seconds = training_rows(
        x_train, rounds=budget(30, 9, 1), images_per_round=budget(2000, 2000, 200)
    )
    rows += training
    print(table(rows), flush=True)
    if not smoke:
        rows += train_rule_rows(
            x_train, rounds=1 if quick else 3, textbook_epoch_seconds=textbook_epoch_seconds
        )
    rows += monitor_accuracy_rows(x_train[: budget(10000, 10000, 500)], x_test, budget(100, 5, 1))
    if not (quick or smoke):
        rows += seed_rows(x_train, x_test, epochs=100)
    if args.model:
        from mnist_vae.model import load_model

        vae = load_model(args.model)
    else:  # trained briefly: the speed does not depend on the weights, the SVI a little
        vae = build_vae(ModelSettings(), 0)
        epochs = budget(5, 5, 1)
        train(vae, x_train, x_test, TrainSettings(epochs=epochs, log_px_every=epochs))
        vae.eval().requires_grad_(False)
    rounds = budget(3, 3, 1)
    rows += evaluation_rows(
        vae, x_test, x_train, n_iwae=budget(100, 20, 2), rounds=rounds, best_rate=best_rate
    )
    rows += inpainting_rows(vae, x_test, n_digits=budget(200, 50, 4), rounds=rounds)
    rows += gap_split_rows(vae, x_test, n_images=budget(256, 64, 16), rounds=rounds)

    print(f"\n{table(rows)}\n\n{machine()}")
    with open(args.csv, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["part", "measurement", "min", "median", "max", "rounds", "ratio", "unit"])
        writer.writerows(rows)
    command = "python bench/benchmark.py" + (" --quick" if quick else " --smoke" if smoke else "")
    write_page(args.page, rows, command)
    print(f"written to {args.csv} and {args.page}", file=sys.stderr)


if __name__ == "__main__":
    main()
