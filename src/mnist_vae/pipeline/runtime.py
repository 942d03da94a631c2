"""Where the computation runs, and what software it ran with."""

import logging
import platform

import numpy as np
import torch

import mnist_vae
from mnist_vae import products
from mnist_vae.errors import SettingError

log = logging.getLogger(__name__)
# The line start_torch logs; runs.provenance reads the backend back from the rules' logs.
PRODUCTS_LINE = "matrix products through"

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name, setting="device"):
    """'auto' -> CUDA when present, else CPU; 'cuda' without a GPU is an error naming `setting`."""
    if name not in DEVICES:
        raise SettingError(f"{setting}: {name!r} is not one of {', '.join(DEVICES)}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise SettingError(f"{setting}: 'cuda' was asked for but torch sees no CUDA device")
    return torch.device(name)


def start_torch(threads):
    """A job's torch: `threads` threads, and a line in its log saying which GEMM the
    matrix products of the fast paths go through on this machine (mnist_vae.products)."""
    torch.set_num_threads(threads)
    log.info(
        "torch %s, %d threads, CPU %s %s; %s %s",
        torch.__version__,
        threads,
        products.cpu_vendor() or "of unknown vendor",
        torch.backends.cpu.get_cpu_capability(),
        PRODUCTS_LINE,
        products.backend(),
    )


def software_versions():
    return {
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "numpy": np.__version__,
        "mnist_vae": mnist_vae.__version__,
        "products": products.backend(),
    }
