"""Reading and writing the pipeline's files: every read checked, every write atomic (JSON and
.npz here; CSV tables in tables.py, PyTorch files in torch_files.py).

A file is written to a temporary file beside it and renamed into place only when the
writing succeeded, so a failure or a kill never leaves a half-written file under the
real name; the temporary file is removed on any error. Files get the mode the user's
umask gives. A full disk or an unreadable file is an error naming the file.
"""

import contextlib
import errno
import hashlib
import json
import math
import os
import shutil
import zipfile
import zlib
from pathlib import Path

import numpy as np

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
    """Strict JSON (RFC 8259), keys sorted so that diffs stay small: a value that is not a
    finite number is written as null."""
    with atomic_write(path, "w") as f:
        json.dump(finite_or_none(data), f, indent=2, sort_keys=True, allow_nan=False)
        f.write("\n")


def write_text(path, text):
    """`text` as UTF-8, whatever the locale."""
    with atomic_write(path) as f:
        f.write(text.encode("utf-8"))


def write_npz(path, **arrays):
    with atomic_write(path) as f:
        np.savez_compressed(f, **arrays)


def read_json(path):
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"{path}: not a JSON file ({e})") from None


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


def remove(path):
    """Delete a file, or a folder with everything in it."""
    path = Path(path)
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def file_digest(path, algorithm="sha256"):
    """Hex digest of a file's contents."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, algorithm).hexdigest()
