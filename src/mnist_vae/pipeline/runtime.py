"""Where the computation runs, and what software it ran with."""

import platform

import numpy as np
import torch

import mnist_vae
from mnist_vae.errors import SettingError

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


def software_versions():
    return {
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "numpy": np.__version__,
        "mnist_vae": mnist_vae.__version__,
    }
