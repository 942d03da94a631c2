import gzip

import numpy as np
import pytest
from helpers import idx_bytes, write_idx

from mnist_vae.data.mnist import (
    IMAGE_MAGIC,
    LABEL_MAGIC,
    MNIST_FILES,
    binarize,
    binarized_split,
    load_binarized,
    read_images,
    read_labels,
    save_binarized,
    verify_mnist,
)
from mnist_vae.errors import DataError


def test_reads_images_and_labels_as_written(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    assert np.array_equal(read_images(write_idx(tmp_path / "i.gz", IMAGE_MAGIC, images)), images)
    labels = np.array([3, 9], dtype=np.uint8)
    assert np.array_equal(read_labels(write_idx(tmp_path / "l.gz", LABEL_MAGIC, labels)), labels)


def test_the_shipped_copy_has_ten_thousand_digits_per_split():
    from helpers import MNIST

    summary = verify_mnist(MNIST)
    assert {entry["count"] for entry in summary.values()} == {10_000}


def test_wrong_magic_number_names_the_file(tmp_path):
    path = write_idx(tmp_path / "labels.gz", LABEL_MAGIC, np.zeros(30))
    with pytest.raises(
        DataError, match=r"labels\.gz: IDX magic number is 0x00000801, expected 0x00000803"
    ):
        read_images(path)


def test_truncated_payload_is_an_error(tmp_path):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(idx_bytes(IMAGE_MAGIC, np.zeros((4, 28, 28)))[:-10]))
    with pytest.raises(DataError, match=r"images\.gz: header promises shape \(4, 28, 28\)"):
        read_images(path)


def test_truncated_gzip_is_an_error(tmp_path):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(idx_bytes(IMAGE_MAGIC, np.zeros((4, 28, 28))))[:-20])
    with pytest.raises(DataError, match=r"images\.gz: not a complete gzip file"):
        read_images(path)


def test_corrupt_gzip_is_an_error(tmp_path):
    path = tmp_path / "images.gz"
    data = bytearray(gzip.compress(idx_bytes(IMAGE_MAGIC, np.zeros((4, 28, 28)))))
    data[-8] ^= 0xFF  # the CRC
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"images\.gz: not a complete gzip file"):
        read_images(path)


def test_images_of_the_wrong_size_are_an_error(tmp_path):
    path = write_idx(tmp_path / "images.gz", IMAGE_MAGIC, np.zeros((2, 32, 32)))
    with pytest.raises(DataError, match=r"images are \(32, 32\), expected \(28, 28\)"):
        read_images(path)


def test_labels_must_be_digits(tmp_path):
    path = write_idx(tmp_path / "labels.gz", LABEL_MAGIC, np.array([1, 10]))
    with pytest.raises(DataError, match="label 10 is not a digit"):
        read_labels(path)


def test_image_and_label_counts_must_agree(mnist_dir):
    write_idx(mnist_dir / MNIST_FILES["test_labels"], LABEL_MAGIC, np.zeros(29))
    with pytest.raises(
        DataError, match=r"30 images but .*t10k-labels-idx1-ubyte\.gz has 29 labels"
    ):
        verify_mnist(mnist_dir)


def test_binarize_thresholds_intensity_over_255():
    images = np.array([[0, 127, 128, 255]], dtype=np.uint8).reshape(1, 1, 4)
    assert binarize(images, 0.5).tolist() == [[0, 0, 1, 1]]
    assert binarize(images, 0.0).tolist() == [[0, 1, 1, 1]]


def test_binarized_split_keeps_the_first_n_images(mnist_dir):
    x, labels = binarized_split(
        mnist_dir / MNIST_FILES["train_images"], mnist_dir / MNIST_FILES["train_labels"], 20, 0.5
    )
    assert x.shape == (20, 784) and labels.shape == (20,)
    full = binarize(read_images(mnist_dir / MNIST_FILES["train_images"]), 0.5)
    assert np.array_equal(x, full[:20])


def test_asking_for_more_images_than_the_file_holds_names_the_setting(mnist_dir):
    with pytest.raises(
        DataError, match=r"train-images-idx3-ubyte\.gz: data\.n_train=51 but the file holds only 50"
    ):
        binarized_split(
            mnist_dir / MNIST_FILES["train_images"],
            mnist_dir / MNIST_FILES["train_labels"],
            51,
            0.5,
            setting="data.n_train",
        )


def test_binarized_file_round_trips(tmp_path):
    arrays = [np.ones((2, 784), np.uint8), np.array([1, 2], np.uint8)] * 2
    save_binarized(tmp_path / "b.npz", *arrays)
    loaded = load_binarized(tmp_path / "b.npz")
    assert list(loaded) == ["x_train", "y_train", "x_test", "y_test"]
    assert all(np.array_equal(a, b) for a, b in zip(loaded.values(), arrays, strict=True))
