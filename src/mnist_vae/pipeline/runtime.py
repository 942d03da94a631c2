"""Where the computation runs, and what software it ran with."""

import json
import logging
import re

import torch

import mnist_vae
from mnist_vae import products
from mnist_vae.errors import SettingError
from mnist_vae.versions import installed_versions

log = logging.getLogger(__name__)
# The line start_torch logs for the machine's record; runs.provenance reads it back from
# the rules' logs.
RUNTIME_LINE = "runtime"

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


def torch_build():
    """The BLAS and oneDNN that torch was built with, as torch.__config__ names them."""
    shown = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", shown)
    onednn = re.search(r"(?:MKL-DNN|oneDNN) (v[\d.]+)", shown)
    return {"blas": blas.group(1) if blas else None, "onednn": onednn.group(1) if onednn else None}


def runtime_record(threads, device):
    """What a torch job ran on: device, threads, CPU, torch and its build, and the GEMM the
    fast paths' matrix products go through (mnist_vae.products). -> dict"""
    return {
        "device": str(device),
        "threads": threads,
        "cpu": products.cpu_model(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch": str(torch.__version__),
        **torch_build(),
        "products": products.backend(),
    }


def start_torch(threads, device="cpu"):
    """A job's torch: `threads` threads, and a line in its log saying what it runs on
    (runtime_record), which runs.provenance gathers into the run's provenance.json."""
    torch.set_num_threads(threads)
    record = runtime_record(threads, device)
    log.info(
        "torch %s on %s, %d threads, CPU %s (%s); matrix products through %s",
        record["torch"],
        record["device"],
        threads,
        record["cpu"],
        record["cpu_capability"],
        record["products"],
    )
    log.info("%s %s", RUNTIME_LINE, json.dumps(record))


def software_versions():
    """What a model file records it was trained with: the software, this checkout's package
    and the GEMM of its products."""
    return {
        **installed_versions(("torch", "numpy")),
        "mnist_vae": mnist_vae.__version__,
        "products": products.backend(),
    }
