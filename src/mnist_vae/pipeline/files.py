"""Reading and writing the pipeline's files: every read checked, every write atomic.

A file is written to a temporary file beside it and renamed into place only when the
writing succeeded, so a failure or a kill never leaves a half-written file under the
real name; the temporary file is removed on any error. Files get the mode the user's
umask gives. A full disk or an unreadable file is an error naming the file.
"""

import contextlib
import errno
import json
import math
import os
import pickle
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from mnist_vae.errors import DataError, OutputError

_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def _disk_full(error):
    """Whether `error` or an error it arose from is a full disk (torch.save reports one as
    a RuntimeError raised while handling the OSError)."""
    while error is not None:
        if isinstance(error, OSError) and error.errno in _DISK_FULL:
            return True
        error = error.__cause__ or error.__context__
    return False


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Yield a file object to write `path` through; see the module docstring."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        # os.open with 0o666 leaves the mode to the umask (mkstemp would force 0600).
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666), mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if _disk_full(e):
            raise OutputError(f"{path}: no space left on device") from None
        raise


def finite_or_none(value):
    """Non-finite floats as None, recursively, so that JSON stays strict (null, not NaN)."""
    if isinstance(value, dict):
        return {key: finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_none(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path, data):
    """Strict JSON (RFC 8259): a value that is not a finite number is written as null."""
    with atomic_write(path, "w") as f:
        json.dump(finite_or_none(data), f, indent=2, allow_nan=False)
        f.write("\n")


def write_csv(path, frame: pd.DataFrame, **options):
    with atomic_write(path, "w") as f:
        frame.to_csv(f, **options)


def write_npz(path, **arrays):
    with atomic_write(path) as f:
        np.savez_compressed(f, **arrays)


def write_torch(path, data):
    """Tensors, numbers, strings and containers of them: what read_torch reads back."""
    with atomic_write(path) as f:
        torch.save(data, f)


def read_json(path):
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"{path}: not a JSON file ({e})") from None


def read_csv(path, columns=()):
    """A CSV table that must have `columns`."""
    try:
        table = pd.read_csv(path)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"{path}: not a CSV table ({e})") from None
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise DataError(f"{path}: no column {', '.join(missing)}")
    return table


def read_npz(path, keys=None):
    """The arrays `keys` (default all) of an .npz file, read into memory. -> {key: array}"""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in (data.files if keys is None else keys)}
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except KeyError as e:
        raise DataError(f"{path}: no array {e}") from None
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as e:
        raise DataError(f"{path}: not a complete .npz file ({e})") from None


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
