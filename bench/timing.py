"""Timing side by side: rounds interleaved in a shuffled order, min / median / max rows, the
products backend switched for a block, and the offline MNIST the parts time on."""

import contextlib
import os
import random
import statistics
import time
from pathlib import Path

import torch

from mnist_vae import products
from mnist_vae.data.mnist import binarized_split, split_files

REPO = Path(__file__).resolve().parents[1]
MNIST = REPO / "resources" / "mnist"


def mnist(split, n):
    x, _ = binarized_split(*split_files(MNIST, split), n, 0.5)
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
