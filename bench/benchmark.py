"""Speed of the pipeline's hot paths, each against a baseline timed in the same invocation.

    python bench/benchmark.py --quick            # about 3 minutes on 2 cores
    python bench/benchmark.py                    # about 15 minutes, with 3-seed training

Absolute times drift from machine to machine and with the load on a shared one; ratios
between codes timed side by side, interleaved and repeated, do not. Prints a markdown table
and writes it as CSV (bench/results.csv by default). Runs on the CPU with --threads threads.
"""

import argparse
import csv
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mnist_vae.analyses.inpainting import TOP
from mnist_vae.data.mnist import MNIST_FILES, binarized_split
from mnist_vae.evaluate import EvaluateSettings, bounds_per_image
from mnist_vae.inference.bounds import elbo, elbo_terms, iwae_bound
from mnist_vae.inference.quadrature import log_marginal_quadrature
from mnist_vae.inference.streams import EVALUATE_TEST
from mnist_vae.inference.svi import (
    IMAGE_CHUNK,
    SVISettings,
    best_candidates,
    fit_posterior,
    gaussian_elbo,
    per_image_draws,
)
from mnist_vae.model import ModelSettings, build_vae
from mnist_vae.train import TrainSettings, heldout_elbo, heldout_log_px, train, train_epoch

MNIST = Path(__file__).resolve().parents[1] / "resources" / "mnist"


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
    in the machine's speed fall on all alike. -> {name: median seconds}"""
    times = {name: [] for name in functions}
    order = list(functions)
    shuffler = random.Random(0)
    for _ in range(rounds):
        shuffler.shuffle(order)
        for name in order:
            times[name].append(seconds(functions[name]))
    return {name: statistics.median(values) for name, values in times.items()}


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


def training_rows(x_train, x_heldout, rounds, images_per_round=2000):
    """Each code trains on images_per_round images per round (a fifth of an epoch), over
    many short interleaved rounds, and the medians are scaled to a whole epoch."""
    settings = TrainSettings()
    textbook = TextbookVAE()
    textbook_adam = torch.optim.Adam(textbook.parameters())
    old = build_vae(ModelSettings(), 0)
    old_adam, old_noise = torch.optim.Adam(old.parameters()), torch.Generator().manual_seed(1)
    new = build_vae(ModelSettings(), 0)
    new_adam = torch.optim.Adam(new.parameters(), fused=True)
    generators = torch.Generator().manual_seed(0), torch.Generator().manual_seed(1)
    heldout = x_heldout[: settings.heldout_images]
    floor = build_vae(ModelSettings(), 0)
    floor_parameters = list(floor.parameters())
    for p in floor_parameters:
        p.grad = torch.randn_like(p) * 1e-3
    floor_adam = torch.optim.Adam(floor_parameters, fused=True)

    part = x_train[:images_per_round]
    times = interleaved(
        {
            "textbook": lambda: textbook_epoch(textbook, textbook_adam, part),
            "autograd": lambda: autograd_epoch(old, old_adam, part, old_noise),
            "loop": lambda: train_epoch(new, new_adam, part, 100, *generators),
            "products": lambda: five_products(part),
            "floor": lambda: products_and_adam(part, floor_parameters, floor_adam),
        },
        rounds,
    )
    per_epoch = {name: t * len(x_train) / len(part) for name, t in times.items()}
    monitor = interleaved(
        {
            "heldout_elbo": lambda: heldout_elbo(new, heldout, 0),
            "heldout_log_px": lambda: heldout_log_px(new, heldout, settings, 1),
        },
        3,
    )
    per_epoch.update(monitor)
    # The rule as configured: every epoch the held-out ELBO, every log_px_every-th epoch
    # (and the first and last) the held-out log p(x).
    log_px_epochs = len(
        {
            1,
            settings.epochs,
            *range(settings.log_px_every, settings.epochs + 1, settings.log_px_every),
        }
    )
    monitor = (
        settings.epochs * per_epoch["heldout_elbo"] + log_px_epochs * per_epoch["heldout_log_px"]
    )
    rule = settings.epochs * per_epoch["loop"] + monitor
    textbook_run = settings.epochs * per_epoch["textbook"]
    return [
        ("training", "textbook PyTorch loop (baseline)", per_epoch["textbook"], 1.0, "s/epoch"),
        (
            "training",
            "project loop before (autograd, 8304e41)",
            per_epoch["autograd"],
            per_epoch["textbook"] / per_epoch["autograd"],
            "s/epoch",
        ),
        (
            "training",
            "project loop (hand-written gradient, fused Adam)",
            per_epoch["loop"],
            per_epoch["textbook"] / per_epoch["loop"],
            "s/epoch",
        ),
        (
            "training",
            "five matrix products alone",
            per_epoch["products"],
            per_epoch["textbook"] / per_epoch["products"],
            "s/epoch",
        ),
        (
            "training",
            "five products and fused Adam alone (floor of a dense float32 loop)",
            per_epoch["floor"],
            per_epoch["textbook"] / per_epoch["floor"],
            "s/epoch",
        ),
        (
            "training",
            f"train rule, {settings.epochs} epochs with monitor",
            rule,
            textbook_run / rule,
            "s",
        ),
        ("training", "monitor share of the train rule", monitor / rule, None, "fraction"),
    ]


def monitor_accuracy_rows(x_train, x_heldout, epochs):
    """The held-out log p(x) on the monitor's grid against a fine grid, after 1 epoch and
    after `epochs`."""
    settings = TrainSettings(epochs=epochs, log_px_every=epochs)
    rows = []
    vae = build_vae(ModelSettings(), 0)
    history = train(vae, x_train, x_heldout, settings)
    heldout = x_heldout[: settings.heldout_images]
    fine, _ = log_marginal_quadrature(heldout, vae.decoder, 8.0, 801, half_grid=False)
    grid = settings.quadrature
    rows.append(
        (
            "training",
            f"monitor log p(x) ({grid.points}² grid) minus 801² grid, after {epochs} epochs",
            abs(history[-1]["heldout_log_px"] - fine.mean().item()),
            None,
            "nats",
        )
    )
    return rows


def seed_rows(x_train, x_test, epochs):
    """Final test ELBO of the textbook-equivalent autograd loop and of the project's, over
    three seeds each. -> rows with mean ± sd"""
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
            results[name].append(values["elbo"].mean())
    return [
        (
            "training",
            f"test ELBO after {epochs} epochs, 3 seeds, {name}",
            float(np.mean(v)),
            None,
            f"± {np.std(v, ddof=1):.2f} nats (sd)",
        )
        for name, v in results.items()
    ]


# --- evaluation -----------------------------------------------------------------------


def decoder_flops(n_decodes, hidden=500, latent=2):
    return n_decodes * 2 * (latent * hidden + hidden * 784 + hidden)


def evaluation_rows(vae, x_test, x_train, n_iwae, rounds):
    settings = EvaluateSettings()
    k = settings.iwae_samples
    x = x_test[:n_iwae]
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    old_generator = torch.Generator().manual_seed(0)

    def old_iwae():
        for batch in x.split(settings.batch_size):
            iwae_bound(batch, vae, k, old_generator, 500)

    def old_elbo():
        for batch in x_train.split(settings.batch_size):
            elbo_terms(batch, vae, old_generator, settings.elbo_samples)

    images = range(len(x))
    times = interleaved(
        {
            "matmul": lambda: [a @ b for _ in range(10)],
            "iwae": lambda: bounds_per_image(vae, x, images, settings, EVALUATE_TEST),
            "old_iwae": old_iwae,
        },
        rounds,
    )
    matmul = 10 * 2 * 2048**3 / times["matmul"] / 1e9
    iwae_flops = decoder_flops(len(x) * (k + settings.elbo_samples))
    new, old = iwae_flops / times["iwae"] / 1e9, iwae_flops / times["old_iwae"] / 1e9
    elbo_times = interleaved(
        {
            "old": old_elbo,
            "new": lambda: bounds_per_image(
                vae, x_train, range(len(x_train)), settings, EVALUATE_TEST, iwae=False
            ),
        },
        rounds,
    )
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
            "old_check": lambda: log_marginal_quadrature(
                heldout, vae.decoder, grid.limit, 2 * grid.points - 1, half_grid=False
            ),
        },
        rounds,
    )
    return [
        ("evaluation", "large torch.mm (2048³), baseline", matmul, 1.0, "GFLOP/s"),
        ("evaluation", f"IWAE-{k} before (8304e41), {len(x)} images", old, old / matmul, "GFLOP/s"),
        ("evaluation", f"IWAE-{k} now, {len(x)} images", new, new / matmul, "GFLOP/s"),
        (
            "evaluation",
            f"ELBO pass before, {len(x_train)} images x {settings.elbo_samples}",
            elbo_times["old"],
            1.0,
            "s",
        ),
        (
            "evaluation",
            "ELBO pass now (per-image streams)",
            elbo_times["new"],
            elbo_times["old"] / elbo_times["new"],
            "s",
        ),
        (
            "evaluation",
            f"quadrature {grid.points}², 500 images, no check",
            quadrature["plain"],
            1.0,
            "s",
        ),
        (
            "evaluation",
            "convergence check before (801² grid), share of the quadrature",
            quadrature["old_check"],
            quadrature["old_check"] / quadrature["plain"],
            "s",
        ),
        (
            "evaluation",
            "convergence check now (half grid), share of the quadrature",
            quadrature["with_check"] - quadrature["plain"],
            (quadrature["with_check"] - quadrature["plain"]) / quadrature["plain"],
            "s",
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
    return [
        (
            "inpainting",
            f"SVI fit before (autograd, 8304e41), {n_digits} digits",
            times["autograd"],
            1.0,
            "s",
        ),
        (
            "inpainting",
            "SVI fit now (hand-written gradient)",
            times["project"],
            times["autograd"] / times["project"],
            "s",
        ),
        (
            "inpainting",
            "its two products per step alone (floor of a float32 fit)",
            times["floor"],
            times["autograd"] / times["floor"],
            "s",
        ),
        (
            "inpainting",
            "mean absolute difference of the final ELBO, now and before, per digit",
            difference,
            None,
            "nats",
        ),
    ]


def table(rows):
    lines = [
        "| part | measurement | value | ratio to baseline | unit |",
        "| --- | --- | --- | --- | --- |",
    ]
    for part, name, value, ratio, unit in rows:
        ratio_text = "" if ratio is None else f"{ratio:.2f}x"
        lines.append(f"| {part} | {name} | {value:.4g} | {ratio_text} | {unit} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs, images, rounds")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", help="a trained model.pt for evaluation and inpainting")
    parser.add_argument("--csv", default=str(Path(__file__).with_name("results.csv")))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    quick = args.quick
    x_train, x_test = mnist("train", 10000), mnist("test", 10000)

    rows = training_rows(x_train, x_test, rounds=15 if quick else 50)
    print(table(rows), flush=True)
    rows += monitor_accuracy_rows(x_train, x_test, epochs=5 if quick else 100)
    if not quick:
        rows += seed_rows(x_train, x_test, epochs=100)
    if args.model:
        from mnist_vae.model import load_model

        vae = load_model(args.model)
    else:  # trained briefly: the speed does not depend on the weights, the SVI a little
        vae = build_vae(ModelSettings(), 0)
        train(vae, x_train, x_test, TrainSettings(epochs=5, log_px_every=5))
        vae.eval().requires_grad_(False)
    rows += evaluation_rows(vae, x_test, x_train, n_iwae=20 if quick else 100, rounds=3)
    rows += inpainting_rows(vae, x_test, n_digits=50 if quick else 200, rounds=1 if quick else 3)

    print(
        f"\n{table(rows)}\n\ntorch {torch.__version__}, {args.threads} threads, "
        f"CPU capability {torch.backends.cpu.get_cpu_capability()}"
    )
    with open(args.csv, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["part", "measurement", "value", "ratio", "unit"])
        writer.writerows(rows)
    print(f"written to {args.csv}", file=sys.stderr)


if __name__ == "__main__":
    main()
