"""The tests' fixtures; what they share besides is in helpers.py."""

import functools
import http.server
import os
import random
import threading

import numpy as np
import pytest
import torch
from helpers import copy_workflow, mnist_tensor, snakemake, write_idx

from mnist_vae import products
from mnist_vae.data.mnist import IMAGE_MAGIC, LABEL_MAGIC, MNIST_FILES
from mnist_vae.model import build_vae
from mnist_vae.settings import ModelSettings, TrainSettings
from mnist_vae.train import train


def pytest_collection_modifyitems(items):
    """MNIST_VAE_TEST_ORDER=reverse or =shuffle:<seed> runs the tests in another order,
    to check that none depends on what an earlier one left behind. A shuffle keeps each
    module's tests together (the modules in a shuffled order, and the tests within each),
    so that a module's shared fixtures are made once, as in any order pytest runs them."""
    order = os.environ.get("MNIST_VAE_TEST_ORDER", "")
    if order == "reverse":
        items.reverse()
    elif order.startswith("shuffle:"):
        shuffler = random.Random(int(order.removeprefix("shuffle:")))
        modules = {}
        for item in items:
            modules.setdefault(item.module.__name__, []).append(item)
        groups = list(modules.values())
        shuffler.shuffle(groups)
        for group in groups:
            shuffler.shuffle(group)
        items[:] = [item for group in groups for item in group]


@pytest.fixture(params=products.BACKENDS)
def each_backend(request, monkeypatch):
    """Runs a test once under each CPU backend of mnist_vae.products, forced through its
    setting, so that CI on any CPU checks the path a user's CPU may choose as well as the
    one this CPU chooses. A module opts in with pytestmark = usefixtures("each_backend")."""
    if request.param == "onednn" and not products.onednn_linear_available():
        pytest.fail(f"torch {torch.__version__} lacks oneDNN's linear op, which CPUs may choose")
    monkeypatch.setenv(products.SETTING, request.param)
    products.backend.cache_clear()
    assert products.backend() == request.param
    yield request.param
    products.backend.cache_clear()


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The tiny workflow run to the end once per session, in a copy of the repository.
    Read it, or take a copy (helpers.copy_of) to change anything: other tests share it."""
    workdir = copy_workflow(tmp_path_factory.mktemp("tiny_run"))
    snakemake(workdir)
    return workdir


@pytest.fixture
def mnist_dir(tmp_path):
    """A small but well-formed set of the four MNIST files (50 train, 30 test)."""
    rng = np.random.default_rng(0)
    directory = tmp_path / "mnist"
    directory.mkdir()
    for split, n in (("train", 50), ("test", 30)):
        write_idx(
            directory / MNIST_FILES[f"{split}_images"],
            IMAGE_MAGIC,
            rng.integers(0, 256, (n, 28, 28)),
        )
        write_idx(directory / MNIST_FILES[f"{split}_labels"], LABEL_MAGIC, rng.integers(0, 10, n))
    return directory


@pytest.fixture
def serve(tmp_path):
    """Serve directories over HTTP on 127.0.0.1. -> serve(directory, requests=None) returns
    its base URL; the path of every request is appended to `requests` where given."""
    servers = []

    def start(directory, requests=None):
        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format, *args):
                if requests is not None:
                    requests.append(self.path)

        handler = functools.partial(Handler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def test_images():
    """The first 100 real binarized test digits. -> (100, 784)"""
    return mnist_tensor("test", 100)


@pytest.fixture(scope="session")
def trained_vae():
    """A small Dz = 2 VAE trained for a few seconds on 1000 real digits."""
    torch.set_num_threads(2)
    vae = build_vae(ModelSettings(latent_dim=2, hidden_dim=200), seed=0)
    train(vae, mnist_tensor("train", 1000), mnist_tensor("test", 100), TrainSettings(epochs=15))
    return vae.eval()
