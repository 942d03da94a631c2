"""Stochastic gradient ascent with Adam on the training objective (the ELBO, its KL term
warmed up, the k-sample ELBO, or IWAE-k), resumable from a per-epoch checkpoint."""

import hashlib
import json
import logging
import math
import os
import time
from dataclasses import asdict
from pathlib import Path

import torch

from mnist_vae.adam import Adam
from mnist_vae.errors import DataError, DivergenceError
from mnist_vae.gradients import elbo_and_gradients, iwae_and_gradients, k_sample_elbo_and_gradients
from mnist_vae.inference.bounds import elbo
from mnist_vae.inference.quadrature import log_marginal_quadrature
from mnist_vae.model import VAE, weights_finite
from mnist_vae.progress import progress
from mnist_vae.settings import TrainSettings, is_planar
from mnist_vae.storage.torch_files import read_torch, write_torch

log = logging.getLogger(__name__)


def checkpoint_key(settings, vae, x_train, code_digest=""):
    """What a checkpoint must agree with to be resumed: settings, model, data and code."""
    digest = hashlib.sha256()
    digest.update(json.dumps([asdict(settings), asdict(vae.settings)], sort_keys=True).encode())
    digest.update(x_train.cpu().numpy().tobytes())
    digest.update(code_digest.encode())
    return digest.hexdigest()


def _load_checkpoint(path, key):
    """The checkpoint at `path` if it was written for `key`; an unreadable one is set aside
    (renamed *.unreadable, with a warning) so that it never blocks a run."""
    if path is None or not Path(path).exists():
        return None
    try:
        state = read_torch(path)
    except DataError as e:
        aside = Path(path).with_name(Path(path).name + ".unreadable")
        os.replace(path, aside)
        log.warning("%s; set aside as %s, training starts afresh", e, aside)
        return None
    if not isinstance(state, dict) or state.get("key") != key:
        log.info("Checkpoint %s is from other settings, data or code: starting afresh", path)
        return None
    return state


def snapshots_path(checkpoint):
    """Where the snapshots taken so far are kept beside `checkpoint`, written only when
    one is taken rather than with every epoch's checkpoint."""
    return Path(checkpoint).with_name(Path(checkpoint).stem + ".snapshots.pt")


def remove_checkpoint(checkpoint):
    """Delete the checkpoint and its snapshots, once training's outputs are written."""
    Path(checkpoint).unlink(missing_ok=True)
    snapshots_path(checkpoint).unlink(missing_ok=True)


def _load_snapshots(path, epochs_done, snapshot_epochs):
    """The snapshots kept at `path` up to epoch `epochs_done` (the file may hold one taken
    in an epoch whose checkpoint was not written), or None if any is missing."""
    due = {epoch for epoch in snapshot_epochs if epoch <= epochs_done}
    try:
        kept = read_torch(path) if due else {}
    except DataError as e:
        log.info("%s: training starts afresh", e)
        return None
    if not isinstance(kept, dict) or not due <= set(kept):
        log.info("%s lacks snapshots of epochs %s: training starts afresh", path, sorted(due))
        return None
    return {epoch: kept[epoch] for epoch in due}


@torch.no_grad()
def heldout_elbo(vae, x, seed, batch_size=1000):
    """Mean single-sample ELBO on held-out images, with the same noise every call."""
    generator = torch.Generator(device=x.device).manual_seed(seed)
    return torch.cat([elbo(batch, vae, generator) for batch in x.split(batch_size)]).mean().item()


@torch.no_grad()
def heldout_log_px(vae, x, settings, epoch):
    """Mean exact log p(x) on held-out images by quadrature (Dz = 2) every
    settings.log_px_every epochs and after the first and the last, else NaN. With the held-out ELBO it
    measures KL(q(z|x) || p(z|x)) = log p(x) - ELBO as training goes."""
    due = epoch % settings.log_px_every == 0 or epoch in (1, settings.epochs)
    if not is_planar(vae.latent_dim) or not due:
        return math.nan
    grid = settings.quadrature
    log_px, _ = log_marginal_quadrature(x, vae.decoder, grid.limit, grid.points, half_grid=False)
    return log_px.mean().item()


def train_epoch(vae, optimizer, x_train, settings, epoch, shuffle_generator, noise_generator):
    """One pass over the shuffled training set, one Adam step per minibatch on the bound
    settings.objective names (the KL term weighted as settings.kl_weight(epoch) says).
    x_train: (N, 784) -> the mean single-sample ELBO of the minibatches as they were trained
    (of the first draw, for IWAE and the k-sample ELBO), and the mean of the bound trained on"""
    elbo, bound = torch.zeros((), device=x_train.device), torch.zeros((), device=x_train.device)
    order = torch.randperm(len(x_train), generator=shuffle_generator).to(x_train.device)
    iwae, kl_weight = settings.objective == "iwae", settings.kl_weight(epoch)
    draws = settings.iwae_samples if iwae else settings.elbo_samples
    k_draws = iwae_and_gradients if iwae else k_sample_elbo_and_gradients
    # One gather for the epoch, then views: a gather per minibatch costs more.
    for x in x_train[order].split(settings.batch_size):
        if iwae or draws > 1:
            shape = (draws, len(x), vae.latent_dim)
            eps = torch.randn(shape, generator=noise_generator, device=x.device)
            batch_bound, batch_elbo = k_draws(vae, x, eps)
        else:
            eps = torch.randn((len(x), vae.latent_dim), generator=noise_generator, device=x.device)
            batch_elbo, batch_bound = elbo_and_gradients(vae, x, eps, kl_weight)
        elbo += batch_elbo
        bound += batch_bound
        optimizer.step()
    return elbo.item() / len(x_train), bound.item() / len(x_train)


def train(
    vae: VAE,
    x_train,
    x_heldout,
    settings: TrainSettings,
    checkpoint=None,
    code_digest="",
    snapshots=None,
):
    """Maximise the bound settings.objective names (the single-sample ELBO, its KL term
    weighted during a warm-up, or IWAE-k) over shuffled minibatches with Adam's defaults
    (torch's fused kernel, mnist_vae.adam), the gradient written out by hand
    (mnist_vae.gradients).

    x_train: (N, 784), x_heldout: (M, 784) float tensors on the training device.
    After every epoch the model, optimiser, generator states and history are written to
    `checkpoint`; a later call with the same settings, data and code resumes from it.
    snapshots: None or a dict, filled with the weights after each of settings.snapshot_epochs
    ({epoch: state dict on the CPU}; kept beside the checkpoint too, snapshots_path).
    -> history: list of {"epoch", "train_elbo", "heldout_elbo", "heldout_log_px", "seconds"}
    """
    snapshots = {} if snapshots is None else snapshots
    device = x_train.device
    optimizer = Adam(vae.parameters())
    shuffle_generator = torch.Generator().manual_seed(settings.seed)
    noise_generator = torch.Generator(device=device).manual_seed(settings.seed + 1)
    history = []
    key = checkpoint_key(settings, vae, x_train, code_digest)

    state = _load_checkpoint(checkpoint, key)
    if state is not None:
        kept = _load_snapshots(
            snapshots_path(checkpoint), len(state["history"]), settings.snapshot_epochs
        )
        state = None if kept is None else {**state, "snapshots": kept}
    if state is not None:
        vae.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        shuffle_generator.set_state(state["shuffle_generator"])
        noise_generator.set_state(state["noise_generator"])
        history = state["history"]
        snapshots.update(state["snapshots"])
        log.info("Resuming from checkpoint %s after epoch %d", checkpoint, len(history))

    x_heldout = x_heldout[: settings.heldout_images]
    epochs = progress(
        range(len(history) + 1, settings.epochs + 1),
        initial=len(history),
        total=settings.epochs,
        unit="epoch",
    )
    for epoch in epochs:
        start = time.perf_counter()
        generators = shuffle_generator, noise_generator
        train_elbo, train_bound = train_epoch(vae, optimizer, x_train, settings, epoch, *generators)
        if not (math.isfinite(train_elbo) and weights_finite(vae)):
            kept = f"; the checkpoint after epoch {epoch - 1} is kept" if epoch > 1 else ""
            raise DivergenceError(
                f"train: the ELBO or the weights became non-finite in epoch {epoch}{kept}"
            )
        record = {
            "epoch": epoch,
            "train_elbo": train_elbo,
            "heldout_elbo": heldout_elbo(vae, x_heldout, settings.seed),
            "heldout_log_px": heldout_log_px(vae, x_heldout, settings, epoch),
            "seconds": time.perf_counter() - start,
        }
        if settings.objective_name(epoch) != "ELBO" or settings.kl_warmup_epochs:
            # the bound trained on, where it is not the ELBO the other columns report
            record["objective"] = settings.objective_name(epoch)
            record["train_objective"] = train_bound
        history.append(record)
        if epoch in settings.snapshot_epochs:
            snapshots[epoch] = {
                name: value.cpu().clone() for name, value in vae.state_dict().items()
            }
            if checkpoint is not None:
                write_torch(snapshots_path(checkpoint), snapshots)
        log.info(
            "epoch %d/%d  train ELBO %.2f  held-out ELBO %.2f  log p(x) %.2f  (%.1f s)",
            epoch,
            settings.epochs,
            record["train_elbo"],
            record["heldout_elbo"],
            record["heldout_log_px"],
            record["seconds"],
        )
        epochs.set_postfix(train_elbo=f"{record['train_elbo']:.2f}")
        if checkpoint is not None:
            write_torch(
                checkpoint,
                {
                    "key": key,
                    "model": vae.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "shuffle_generator": shuffle_generator.get_state(),
                    "noise_generator": noise_generator.get_state(),
                    "history": history,
                },
            )
    return history
