"""PyTorch files (models, checkpoints), written atomically and read without unpickling
anything but tensors and plain data."""

import pickle

import torch

from mnist_vae.errors import DataError
from mnist_vae.storage.files import atomic_write


def write_torch(path, data):
    """Tensors, numbers, strings and containers of them: what read_torch reads back."""
    with atomic_write(path) as f:
        torch.save(data, f)


def _first_sentence(error):
    text = str(error).strip()
    return text.split(". ")[0].splitlines()[0].rstrip(".") if text else type(error).__name__


def read_torch(path, map_location="cpu"):
    """A file written by write_torch, unpickling nothing but tensors and plain data
    (weights_only): a crafted file cannot run code."""
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except pickle.UnpicklingError as e:
        if "Weights only load failed" in str(e):
            raise DataError(
                f"{path}: holds objects other than tensors and plain data; not loaded"
            ) from None
        raise DataError(f"{path}: not a PyTorch file ({_first_sentence(e)})") from None
    except Exception as e:  # torch.load fails on damaged bytes in many ways
        raise DataError(f"{path}: not a complete PyTorch file ({_first_sentence(e)})") from None
