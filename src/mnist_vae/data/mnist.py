"""MNIST in the IDX format: reading with verification, binarisation, and the binarized set."""

import gzip
import zlib
from pathlib import Path

import numpy as np

from mnist_vae.errors import DataError
from mnist_vae.storage.files import file_digest, read_npz, write_npz

IMAGE_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABEL_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
IMAGE_SIDE = 28

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def _read_gzip(path):
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: not a complete gzip file ({e})") from None


def read_idx(path, magic):
    """Read a gzipped IDX file of unsigned bytes whose magic number must be `magic`.
    -> array of the shape given in its header"""
    raw = _read_gzip(path)
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise DataError(f"{path}: {len(raw)} bytes is too short for an IDX header")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise DataError(f"{path}: IDX magic number is {found:#010x}, expected {magic:#010x}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    payload = len(raw) - header_size
    if payload != int(np.prod(shape)):
        raise DataError(
            f"{path}: header promises shape {shape} ({int(np.prod(shape))} bytes) "
            f"but {payload} bytes follow (truncated or padded)"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def read_images(path):
    """-> uint8 (N, 28, 28)"""
    images = read_idx(path, IMAGE_MAGIC)
    if images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(f"{path}: images are {images.shape[1:]}, expected (28, 28)")
    return images


def read_labels(path):
    """-> uint8 (N,) with values 0..9"""
    labels = read_idx(path, LABEL_MAGIC)
    if labels.size and labels.max() > 9:
        raise DataError(f"{path}: label {labels.max()} is not a digit 0-9")
    return labels


def read_split(images_path, labels_path):
    """Images and labels of one split, checked to have the same count. -> (N, 28, 28), (N,)"""
    images, labels = read_images(images_path), read_labels(labels_path)
    if len(images) != len(labels):
        raise DataError(
            f"{images_path}: {len(images)} images but {labels_path} has {len(labels)} labels"
        )
    return images, labels


def split_files(directory, split):
    """The images and labels files of a split ("train" or "test") in `directory`."""
    return tuple(Path(directory) / MNIST_FILES[f"{split}_{kind}"] for kind in ("images", "labels"))


def verify_mnist(directory):
    """Check all four MNIST files in `directory`. -> {key: {"file", "sha256", "count"}}"""
    directory = Path(directory)
    summary = {}
    for split in ("train", "test"):
        images, _ = read_split(*split_files(directory, split))
        for kind, path in zip(("images", "labels"), split_files(directory, split), strict=True):
            summary[f"{split}_{kind}"] = {
                "file": path.name,
                "sha256": file_digest(path),
                "count": len(images),
            }
    return summary


def binarize(images, threshold):
    """Pixel intensity / 255 > threshold. images: uint8 (N, 28, 28) -> uint8 (N, 784) of 0/1"""
    return (images.reshape(len(images), -1) / 255.0 > threshold).astype(np.uint8)


def binarized_split(images_path, labels_path, n, threshold, setting="n"):
    """The first n images of a split, binarized. -> x uint8 (n, 784), labels uint8 (n,)

    `setting` names the config key that asked for n, for the error message.
    """
    images, labels = read_split(images_path, labels_path)
    if n > len(images):
        raise DataError(
            f"{images_path}: {setting}={n} but the file holds only {len(images)} images"
        )
    return binarize(images[:n], threshold), labels[:n]


def save_binarized(path, x_train, y_train, x_test, y_test):
    write_npz(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def load_binarized(path):
    """-> dict with x_train, x_test: uint8 (N, 784) of 0/1; y_train, y_test: uint8 (N,)"""
    data = read_npz(path, ("x_train", "y_train", "x_test", "y_test"))
    for split in ("train", "test"):
        x, y = data[f"x_{split}"], data[f"y_{split}"]
        if x.ndim != 2 or x.shape[1] != IMAGE_SIDE * IMAGE_SIDE or x.shape[0] != len(y):
            raise DataError(
                f"{path}: x_{split} is {x.shape} for {len(y)} labels, expected ({len(y)}, 784)"
            )
        if x.size and x.max() > 1:
            raise DataError(f"{path}: x_{split} holds {x.max()}, expected binary pixels 0/1")
    return data
