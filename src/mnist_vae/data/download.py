"""Fetch the four MNIST files from HTTP mirrors or a local directory, verified."""

import logging
import os
import time
import urllib.request
from pathlib import Path

from mnist_vae.data.mnist import MNIST_FILES, verify_mnist
from mnist_vae.errors import DataError, DownloadError, OutputError
from mnist_vae.storage.files import atomic_write, file_digest

log = logging.getLogger(__name__)


CHUNK = 1 << 16


def download(url, destination, timeout):
    """Copy `url` to `destination`, the whole file within `timeout` seconds: a mirror that
    trickles is abandoned at the first read after the deadline (each read waits at most
    `timeout`), leaving no partial file."""
    deadline = time.monotonic() + timeout
    with urllib.request.urlopen(url, timeout=timeout) as response, atomic_write(destination) as f:
        while chunk := response.read1(CHUNK):
            if time.monotonic() > deadline:
                raise TimeoutError(f"not complete after {timeout:g} s (data.timeout)")
            f.write(chunk)


def download_from_mirrors(name, mirrors, expected_md5, destination, timeout=60):
    """Try each mirror in turn until one serves `name` with the expected MD5. -> URL used"""
    tried = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        try:
            download(url, destination, timeout)
        except OutputError:
            raise  # a full disk here is full for every mirror
        except OSError as e:
            log.warning("%s: %s", url, e)
            tried.append(f"{url} ({e})")
            continue
        found = file_digest(destination, "md5")
        if found == expected_md5:
            log.info("%s: downloaded, MD5 %s verified", url, found)
            return url
        os.unlink(destination)
        log.warning("%s: MD5 %s, expected %s; trying the next mirror", url, found, expected_md5)
        tried.append(f"{url} (MD5 {found})")
    raise DownloadError(
        f"{name}: no mirror served a file with MD5 {expected_md5}; tried: {'; '.join(tried)}"
    )


def copy_from_directory(name, directory, destination):
    source = Path(directory) / name
    if not source.is_file():
        raise DataError(f"{source}: file not found (data.local_dir)")
    with atomic_write(destination) as f:
        f.write(source.read_bytes())
    return str(source)


def fetch_mnist(destination, local_dir=None, mirrors=(), md5s=None, timeout=60):
    """Bring the four MNIST files into `destination` from `local_dir` if given, else from
    `mirrors` (checked against `md5s`, keyed like MNIST_FILES), then verify their IDX
    structure. Files are removed again if verification fails. -> manifest dict"""
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    if local_dir is not None:
        verify_mnist(local_dir)  # so that an error names the file to mend
    sources = {}
    try:
        for key, name in MNIST_FILES.items():
            if local_dir is not None:
                sources[key] = copy_from_directory(name, local_dir, destination / name)
            else:
                sources[key] = download_from_mirrors(
                    name, mirrors, md5s[key], destination / name, timeout
                )
        summary = verify_mnist(destination)
    except BaseException:
        for name in MNIST_FILES.values():
            (destination / name).unlink(missing_ok=True)
        raise
    for key, entry in summary.items():
        entry["source"] = sources[key]
    return summary
