"""The matrix products of the fast paths, through the faster float32 GEMM of torch's CPU build.

torch's CPU wheel carries two: MKL, behind torch.mm and F.linear, and oneDNN, reached through
the op torch.ops.mkldnn._linear_pointwise (private to torch, so tests pin what it computes).
MKL runs its AVX-512 kernels on Intel's CPUs only: on an AMD EPYC with AVX-512 a large
product ran at 198-205 GFLOP/s through MKL and 419-447 through oneDNN; on an AMD EPYC
without AVX-512 the two ran alike (about 150 GFLOP/s, 600 µs for a training step's
100×784 · 784×500). So oneDNN is chosen exactly where MKL leaves the CPU's widest vector
unit idle, a CPU that is not Intel's with AVX-512, and MKL everywhere else, Intel's CPUs
included. The choice follows from what the CPU is, never from a timing, so a machine gives
the same bits run after run; MNIST_VAE_PRODUCTS=onednn or =torch overrides it. On a GPU,
in float64 and under autograd every product is torch's own.
"""

import functools
import logging
import os
import platform
from pathlib import Path

import torch
import torch.nn.functional as F

log = logging.getLogger(__name__)

BACKENDS = ("onednn", "torch")
SETTING = "MNIST_VAE_PRODUCTS"


def cpuinfo(field):
    """A field of Linux's /proc/cpuinfo for the first CPU, or '' where there is none."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.split(":", 1)[0].strip() == field:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def cpu_vendor():
    """The CPU's vendor string (GenuineIntel, AuthenticAMD, ...), or '' where unknown."""
    return cpuinfo("vendor_id")


def cpu_model():
    """The CPU's model name, wherever the system says it."""
    return cpuinfo("model name") or platform.processor() or platform.machine()


def onednn_linear_available():
    try:
        torch.ops.mkldnn._linear_pointwise  # noqa: B018 (looking the op up is the check)
    except (AttributeError, RuntimeError):
        return False
    return torch.backends.mkldnn.is_available()


def choose_backend(vendor, capability, setting=""):
    """The backend for a CPU: `setting` when given ('onednn' or 'torch'), else oneDNN for a
    CPU that is not Intel's with AVX-512 (capability as torch.backends.cpu reports it),
    torch (MKL) for every other."""
    if setting:
        if setting not in BACKENDS:
            raise ValueError(f"{SETTING}={setting!r}: expected one of {', '.join(BACKENDS)}")
        return setting
    avx512 = capability.startswith("AVX512")
    return "onednn" if avx512 and vendor not in ("GenuineIntel", "") else "torch"


@functools.cache
def backend():
    """This process's CPU backend, chosen once; a missing oneDNN op falls back to torch's
    products with one log line."""
    chosen = choose_backend(
        cpu_vendor(), torch.backends.cpu.get_cpu_capability(), os.environ.get(SETTING, "")
    )
    if chosen == "onednn" and not onednn_linear_available():
        log.warning("torch %s has no oneDNN linear op: products through torch", torch.__version__)
        return "torch"
    return chosen


def _through_onednn(*tensors):
    return (
        backend() == "onednn"
        and all(t.device.type == "cpu" and t.dtype == torch.float32 for t in tensors)
        and not (torch.is_grad_enabled() and any(t.requires_grad for t in tensors))
    )


def linear(x, weight, bias=None, out=None):
    """x weightᵀ + bias. x: (..., n_in), weight: (n_out, n_in), bias: (n_out,) or None
    -> (..., n_out). `out`, for a 2-D x with a bias: memory to write the result into,
    where torch's product computes it (oneDNN's op allocates its own)."""
    operands = (x, weight) if bias is None else (x, weight, bias)
    if _through_onednn(*operands):
        # The op reads any strides of x and weight, but the bias as if it were contiguous.
        bias = None if bias is None else bias.contiguous()
        return torch.ops.mkldnn._linear_pointwise(x, weight, bias, "none", [], "")
    if out is not None and bias is not None and x.dim() == 2:
        return torch.addmm(bias, x, weight.T, out=out)
    return F.linear(x, weight, bias)


def matmul(a, b):
    """a b for 2-D a (m, k) and b (k, n) -> (m, n)"""
    return linear(a, b.T)
