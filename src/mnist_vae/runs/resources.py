"""What jobs may use where they run: cores, GPUs, a cluster's time limit for training,
and the refusal of CUDA where no GPU is. Imports no torch until a run asks for CUDA."""

import math
import os

from mnist_vae.runs.catalogue import device_sections


def available_cores():
    """The cores this process may run on: its CPU affinity where the system has one
    (Linux), else every core (macOS and Windows have no sched_getaffinity)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def train_minutes(run):
    """The time limit to ask a cluster for at a run's first attempt to train: ten minutes
    for the assignment's 100 epochs of the ELBO on 10,000 images, scaled by epochs and
    images, and for k draws per image (IWAE-k, the k-sample ELBO) by (1 + k) / 2. At
    least five minutes, for a small run's start-up."""
    train, data = run["train"], run["data"]
    draws = train["iwae_samples"] if train["objective"] == "iwae" else train["elbo_samples"]
    work = train["epochs"] / 100 * data["n_train"] / 10_000 * (1 + draws) / 2
    return max(5, math.ceil(10 * work))


def cores_cap(requested, available, local):
    """How many cores local jobs may use at once when --cores asks for more than the machine
    has (4 threads on 2 cores run each job slower than alone), else None: on a cluster
    --cores counts the cluster's cores, not this machine's."""
    if local and requested is not None and requested > available:
        return available
    return None


def gpu_cap(local, given):
    """How many GPU jobs may run at once: one where jobs run on this machine (one GPU, as
    most have) unless --resources gpu=N says otherwise; on a cluster each job gets its own
    GPU from the scheduler, so None (no limit)."""
    return 1 if local and given is None else None


def torch_sees_a_gpu():
    import torch  # only when a run asks for CUDA: torch is slow to import at parse time

    return torch.cuda.is_available()


def cuda_refusal(runs, local, cuda_available=torch_sees_a_gpu):
    """The one-line refusal of a run that asks for CUDA where jobs run on this machine and
    torch sees no GPU here, else None: refused before Snakemake deletes the outputs the
    job would replace. On a cluster the compute node decides, so its job says so."""
    asking = [
        f"config.runs.{run}.{section}.device"
        for run, settings in runs.items()
        for section in device_sections()
        if settings[section]["device"] == "cuda"
    ]
    if not asking or not local or cuda_available():
        return None
    more = f" (and {len(asking) - 1} more)" if len(asking) > 1 else ""
    return (
        f"{asking[0]}{more}: cuda, but torch sees no GPU on this machine, where the jobs "
        "run: use auto or cpu, or run on a cluster node with a GPU"
    )
