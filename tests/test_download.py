import hashlib
import shutil
import socket

import pytest
from helpers import full_disk

from mnist_vae.data.download import download_from_mirrors, fetch_mnist
from mnist_vae.data.mnist import MNIST_FILES
from mnist_vae.errors import DataError, DownloadError, OutputError
from mnist_vae.storage.files import file_digest


@pytest.fixture
def corrupt_dir(tmp_path, mnist_dir):
    """The same file names as mnist_dir, each with one byte flipped."""
    directory = tmp_path / "corrupt"
    directory.mkdir()
    for name in MNIST_FILES.values():
        data = bytearray((mnist_dir / name).read_bytes())
        data[len(data) // 2] ^= 0xFF
        (directory / name).write_bytes(bytes(data))
    return directory


def md5(path):
    return file_digest(path, "md5")


def md5s(directory):
    return {key: md5(directory / name) for key, name in MNIST_FILES.items()}


def dead_url():
    """A loopback port with nothing listening."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def test_downloads_a_good_file(tmp_path, mnist_dir, serve):
    name = MNIST_FILES["train_labels"]
    url = download_from_mirrors(name, [serve(mnist_dir)], md5(mnist_dir / name), tmp_path / name)
    assert url.endswith(name)
    assert (tmp_path / name).read_bytes() == (mnist_dir / name).read_bytes()


def test_corrupt_file_is_refused_and_removed(tmp_path, mnist_dir, corrupt_dir, serve):
    name = MNIST_FILES["train_labels"]
    with pytest.raises(DownloadError, match=f"{name}: no mirror served a file with MD5"):
        download_from_mirrors(name, [serve(corrupt_dir)], md5(mnist_dir / name), tmp_path / name)
    assert list(tmp_path.glob("train-labels*")) == []


def test_dead_or_corrupt_mirrors_are_skipped_for_a_good_one(
    tmp_path, mnist_dir, corrupt_dir, serve
):
    name = MNIST_FILES["test_images"]
    good = serve(mnist_dir)
    mirrors = [dead_url(), serve(corrupt_dir), good]
    url = download_from_mirrors(name, mirrors, md5(mnist_dir / name), tmp_path / name, timeout=5)
    assert url == good + name


def test_missing_file_on_every_mirror_is_an_error(tmp_path, serve):
    with pytest.raises(DownloadError, match="404"):
        download_from_mirrors("absent.gz", [serve(tmp_path)], "0" * 32, tmp_path / "absent.gz")


def test_fetch_from_mirrors_writes_all_files_with_a_manifest(tmp_path, mnist_dir, serve):
    manifest = fetch_mnist(tmp_path / "raw", mirrors=[serve(mnist_dir)], md5s=md5s(mnist_dir))
    assert set(manifest) == set(MNIST_FILES)
    assert manifest["test_images"]["count"] == 30
    assert all(entry["source"].startswith("http://127.0.0.1:") for entry in manifest.values())


def test_fetch_from_a_directory_records_sha256_and_source(tmp_path, mnist_dir):
    manifest = fetch_mnist(tmp_path / "raw", local_dir=mnist_dir)
    entry = manifest["train_images"]
    assert entry["count"] == 50
    assert entry["source"] == str(mnist_dir / MNIST_FILES["train_images"])
    assert (
        entry["sha256"]
        == hashlib.sha256((tmp_path / "raw" / entry["file"]).read_bytes()).hexdigest()
    )


def test_fetch_removes_everything_when_a_downloaded_file_fails_verification(
    tmp_path, mnist_dir, serve
):
    # served with its own MD5, so all four download and the IDX check fails afterwards
    (mnist_dir / MNIST_FILES["test_images"]).write_bytes(b"not gzip")
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte\.gz: not a complete gzip file"):
        fetch_mnist(tmp_path / "raw", mirrors=[serve(mnist_dir)], md5s=md5s(mnist_dir))
    assert list((tmp_path / "raw").iterdir()) == []


def test_a_full_disk_stops_the_download_instead_of_trying_the_next_mirror(
    tmp_path, mnist_dir, serve
):
    mount = tmp_path / "raw"
    mount.mkdir()
    name = MNIST_FILES["train_images"]
    second = tmp_path / "second"
    second.mkdir()
    requests = []
    with full_disk(mount, size="8k"):
        with pytest.raises(OutputError, match=rf"{name}: no space left on device"):
            download_from_mirrors(
                name,
                [serve(mnist_dir), serve(second, requests)],
                md5(mnist_dir / name),
                mount / name,
            )
        assert list(mount.iterdir()) == []
    assert requests == []  # the second mirror was never asked


def test_fetch_from_a_directory_without_the_files_names_the_file(tmp_path):
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz: file not found"):
        fetch_mnist(tmp_path / "raw", local_dir=tmp_path)
    shutil.rmtree(tmp_path / "raw")
