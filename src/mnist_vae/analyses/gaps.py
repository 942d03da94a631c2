"""Where the ELBO loses, split exactly (Cremer, Li & Duvenaud, "Inference Suboptimality in
Variational Autoencoders", 2018), for a two-dimensional latent space:

    log p(x) − ELBO(q_φ) = [log p(x) − ELBO(q*)] + [ELBO(q*) − ELBO(q_φ)]
                         =  approximation gap    +  amortization gap

q_φ is the encoder's q(z|x); q* the best factorised Gaussian for x found: Newton's method
on the deterministic Gauss–Hermite ELBO, started in every peak of the grid posterior whose
basin holds a share of its mass, from the Gaussian of that basin's mean and variance; or
the encoder's q itself where every fit ends below it (counted; a fit ending non-finite
counts as below it). No sampling: the same model and images give the same q*. (Earlier
revisions also ran SVI from the encoder's q and the grid's highest node; on the
assignment's 1000 test images it found no q* better than these fits by 10⁻³ nat.)
log p(x) is the quadrature of `evaluate`; the ELBOs are Gauss–Hermite quadratures, free
of Monte Carlo noise. No Gaussian's ELBO exceeds log p(x) in exact
arithmetic; an image where it does by more than the tolerance is flagged, counted and
reported, never dropped.
"""

import logging
import math

import numpy as np
import pandas as pd
import torch

from mnist_vae.analyses.contours import contour_grid
from mnist_vae.densities import ALL_PIXELS
from mnist_vae.inference.gauss_hermite import gauss_hermite_elbo, maximise_gauss_hermite_elbo
from mnist_vae.inference.quadrature import log_marginal_and_starts
from mnist_vae.settings import IMAGE_CHUNK, GapFitSettings
from mnist_vae.stats import summary, summary_and_median

log = logging.getLogger(__name__)


def failed_as_worst(elbo, what):
    """ELBOs with those of fits that ended non-finite (L-BFGS can step into overflow) set
    to -inf, so that a failed fit is never q* and never turns a mean into NaN. -> elbo"""
    failed = elbo.isnan()
    if failed.any():
        log.info("%d %s ended non-finite; discarded", int(failed.sum()), what)
    return elbo.masked_fill(failed, -math.inf)


def best_fits(x, decoder, starts, settings: GapFitSettings):
    """For each image, the Gaussian of highest Gauss–Hermite ELBO among Newton fits from
    each of its starts. The starts of IMAGE_CHUNK images are fitted together, chunks
    starting at multiples of it, so that an image's result does not depend on the images
    of other chunks. x: (N, 784); starts: N tensors (M, 2 Dz) of mean, log σ, M ≥ 1
    -> mu, log_sigma (N, Dz), ELBO (N,) float64"""
    dz = starts[0].shape[1] // 2
    best = []
    for first in range(0, len(x), IMAGE_CHUNK):
        chunk = starts[first : first + IMAGE_CHUNK]
        counts = [len(s) for s in chunk]
        image = torch.repeat_interleave(torch.arange(len(chunk)), torch.tensor(counts))
        x_fits, theta = x[first : first + IMAGE_CHUNK][image.to(x.device)], torch.cat(chunk)
        mu, log_sigma = maximise_gauss_hermite_elbo(
            x_fits,
            decoder,
            theta[:, :dz],
            theta[:, dz:],
            settings.refine_points,
            settings.refine_iterations,
            chunk=len(theta),
        )
        elbo = gauss_hermite_elbo(x_fits, decoder, mu, log_sigma, settings.hermite_points)
        elbo = failed_as_worst(elbo, "Newton fits")
        ends = np.cumsum(counts)
        rows = [
            end - count + int(elbo[end - count : end].argmax())
            for end, count in zip(ends, counts, strict=True)
        ]
        best.append((mu[rows], log_sigma[rows], elbo[rows]))
    return tuple(torch.cat(parts) for parts in zip(*best, strict=True))


def inference_gaps(vae, x, images, log_px, starts, settings: GapFitSettings):
    """The decomposition for each image. x: (N, 784); log_px: (N,) exact log p(x); starts:
    N tensors (M, 2 Dz), the Gaussians of the grid posterior's basins holding
    settings.peak_mass of it (quadrature.log_marginal_and_starts)
    -> DataFrame, one row per image"""
    with torch.no_grad():  # in the chunks shards are made of, as everything below
        encoded = [vae.encoder(chunk) for chunk in x.split(IMAGE_CHUNK)]
        mu_encoder, log_sigma_encoder = (torch.cat(parts) for parts in zip(*encoded, strict=True))
    # q* by Newton from every basin of the posterior that holds a share of it: a fit stays
    # in the peak it starts in, and a basin's Gaussian starts it near its end.
    mu, log_sigma, elbo_fitted = best_fits(x, vae.decoder, starts, settings)
    points = settings.hermite_points
    elbo_encoder = gauss_hermite_elbo(x, vae.decoder, mu_encoder, log_sigma_encoder, points)
    # q* is the best Gaussian found: a fit, or the encoder's q where every fit ended in a
    # lower peak than the encoder's q sits on.
    is_encoder = elbo_encoder > elbo_fitted
    mu = torch.where(is_encoder[:, None], mu_encoder, mu)
    log_sigma = torch.where(is_encoder[:, None], log_sigma_encoder, log_sigma)
    table = pd.DataFrame(
        {
            "image": np.asarray(images),
            "log_px": np.asarray(log_px, dtype=np.float64),
            "elbo_optimal": torch.maximum(elbo_fitted, elbo_encoder).cpu().numpy(),
            "elbo_encoder": elbo_encoder.cpu().numpy(),
        }
    )
    table["approximation_gap"] = table["log_px"] - table["elbo_optimal"]
    table["amortization_gap"] = table["elbo_optimal"] - table["elbo_encoder"]
    table["q_optimal_is_encoder"] = is_encoder.cpu().numpy()
    table["elbo_above_log_px"] = table["approximation_gap"] < -settings.tolerance
    for name, values in (("mu", mu), ("log_sigma", log_sigma)):
        for axis in range(values.shape[1]):
            table[f"q_optimal_{name}_{axis + 1}"] = values[:, axis].cpu().numpy()
    return table


SUMMARISED = ("log_px", "elbo_optimal", "elbo_encoder", "approximation_gap", "amortization_gap")

# The columns of inference_gaps' table besides q*'s parameters.
GAP_COLUMNS = [
    "image",
    "log_px",
    "elbo_optimal",
    "elbo_encoder",
    "approximation_gap",
    "amortization_gap",
    "q_optimal_is_encoder",
    "elbo_above_log_px",
]
# Images breaking an invariant of exact arithmetic by more than the tolerance.
FLAGS = {"elbo_above_log_px": "ELBO(q*) above the exact log p(x)"}


def gap_summary(table):
    """Means ± standard errors over the images, with medians (a few images carry much of a
    gap's mean), of their IWAE bound too where the table has it, and the flagged images
    counted. -> dict for gaps.json"""
    means = {column: summary_and_median(table[column].to_numpy()) for column in SUMMARISED}
    means["total_gap"] = summary_and_median((table["log_px"] - table["elbo_encoder"]).to_numpy())
    if "iwae" in table:
        means["iwae"] = summary(table["iwae"].to_numpy())
    means["n_images"] = len(table)
    means["q_optimal_is_encoder"] = int(table["q_optimal_is_encoder"].sum())
    means["flagged"] = {}
    for flag, meaning in FLAGS.items():
        flagged = table.loc[table[flag], "image"].tolist()
        means["flagged"][flag] = {"count": len(flagged), "images": flagged, "meaning": meaning}
        if flagged:
            log.warning("%d images flagged: %s (images %s)", len(flagged), meaning, flagged[:10])
    return means


def largest_gaps(table, n):
    """Positions in `table` of the n images with the largest log p(x) − ELBO(q_φ), largest
    first. -> (n,) ints"""
    total = (table["log_px"] - table["elbo_encoder"]).to_numpy()
    return np.argsort(-total, kind="stable")[:n]


def optimal_gaussians(table):
    """q*'s parameters from inference_gaps' table. -> mu, log_sigma: (N, Dz)"""
    return tuple(
        torch.from_numpy(table.filter(regex=f"^q_optimal_{name}_").to_numpy(np.float32))
        for name in ("mu", "log_sigma")
    )


def gap_panels(vae, x, table, n):
    """What the per-image figure draws beside each of the n images with the largest gap:
    the exact posterior p(z | x) given all pixels, the encoder's q_φ and q*, on a grid
    that holds all three. x: (N, 784), the images of the table's rows in its order
    -> list of n dicts of arrays and numbers"""
    rows = largest_gaps(table, n)
    with torch.no_grad():
        mu_encoder, log_sigma_encoder = vae.encoder(x[rows])
    mu_optimal, log_sigma_optimal = optimal_gaussians(table.iloc[rows])
    panels = []
    for k, row in enumerate(rows):
        encoder = (mu_encoder[k], log_sigma_encoder[k])
        optimal = (mu_optimal[k], log_sigma_optimal[k])
        z1, z2, log_p, (log_q_optimal, log_q_encoder) = contour_grid(
            x[row], vae.decoder, [optimal, encoder], ALL_PIXELS
        )
        gaps = table.iloc[row]
        panels.append(
            {
                "image": int(gaps["image"]),
                "label": gaps.get("label"),
                "x": x[row].numpy(),
                "z1": z1.numpy(),
                "z2": z2.numpy(),
                "log_p": log_p.numpy(),
                "log_q_optimal": log_q_optimal.numpy(),
                "log_q_encoder": log_q_encoder.numpy(),
                "approximation_gap": float(gaps["approximation_gap"]),
                "amortization_gap": float(gaps["amortization_gap"]),
            }
        )
    return panels


def gaps_over_training(vae, snapshots, x_train, x_test, settings: GapFitSettings):
    """The decomposition at each weight snapshot, for training and test images.
    snapshots: {epoch: state dict}; x_train, x_test: (N, 784)
    -> DataFrame, one row per (epoch, split): means and standard errors, flagged images"""
    rows = []
    grid = settings.quadrature
    # both splits' images in one pass over the grid and one set of fits per snapshot: the
    # grid is decoded once for both
    x = torch.cat([x_train, x_test])
    splits = {"train": slice(0, len(x_train)), "test": slice(len(x_train), len(x))}
    for epoch in sorted(snapshots):
        vae.load_state_dict(snapshots[epoch])
        log_px, half, starts = log_marginal_and_starts(
            x, vae.decoder, grid.limit, grid.points, settings.peak_mass, block_size=IMAGE_CHUNK
        )
        table = inference_gaps(vae, x, range(len(x)), log_px.cpu().numpy(), starts, settings)
        for split, images in splits.items():
            summary = gap_summary(table.iloc[images])
            row = {"epoch": epoch, "split": split, "n_images": len(table.iloc[images])}
            # the convergence check of evaluate: it bounds the grid's error
            row["half_grid_max_abs_change"] = (log_px - half)[images].abs().max().item()
            for column in SUMMARISED:
                row[f"{column}.mean"] = summary[column]["mean"]
                row[f"{column}.sem"] = summary[column]["sem"]
            row["flagged"] = sum(flag["count"] for flag in summary["flagged"].values())
            rows.append(row)
            log.info(
                "epoch %d, %s: approximation gap %.2f, amortization gap %.2f "
                "(log p(x) on the grid of half its resolution differs by up to %.2g nat)",
                epoch,
                split,
                row["approximation_gap.mean"],
                row["amortization_gap.mean"],
                row["half_grid_max_abs_change"],
            )
    return pd.DataFrame(rows)
