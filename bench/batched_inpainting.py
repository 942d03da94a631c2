"""Time the batched SVI fit against fitting the same digits one at a time.

    python bench/batched_inpainting.py results/assignment/model.pt --digits 50

Both fits see the same per-digit random streams, so they find the same q for each digit
(the script checks); the ratio printed is baseline time / batched time.
"""

import argparse
import time

import torch

from mnist_vae.analyses.inpainting import TOP
from mnist_vae.data.mnist import load_binarized
from mnist_vae.inference.svi import fit_posterior
from mnist_vae.model import load_model
from mnist_vae.settings import SVISettings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--data", default="data/mnist/binarized-train10000-test10000-t0.5.npz")
    parser.add_argument("--digits", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    vae = load_model(args.model)
    x = torch.from_numpy(load_binarized(args.data)["x_test"][: args.digits]).float()
    digits = torch.arange(len(x))
    settings = SVISettings()

    start = time.perf_counter()
    batched = fit_posterior(x, vae.decoder, digits, settings, TOP)
    batched_seconds = time.perf_counter() - start

    start = time.perf_counter()
    alone = [
        fit_posterior(x[i : i + 1], vae.decoder, digits[i : i + 1], settings, TOP) for i in digits
    ]
    loop_seconds = time.perf_counter() - start

    largest_difference = max(
        (together - torch.cat([fit[k] for fit in alone])).abs().max().item()
        for k, together in enumerate(batched[:3])
    )
    print(
        f"{len(x)} digits, {settings.steps} steps, K={settings.samples}, {settings.restarts} restarts"
    )
    print(f"one at a time: {loop_seconds:.2f} s")
    print(f"batched:       {batched_seconds:.2f} s")
    print(f"speed-up:      {loop_seconds / batched_seconds:.1f}x")
    print(f"largest difference in mu, log sigma, ELBO: {largest_difference:.2e}")


if __name__ == "__main__":
    main()
