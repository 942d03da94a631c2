"""Where the ELBO loses, split exactly (Cremer, Li & Duvenaud, "Inference Suboptimality in
Variational Autoencoders", 2018), for a two-dimensional latent space:

    log p(x) − ELBO(q_φ) = [log p(x) − ELBO(q*)] + [ELBO(q*) − ELBO(q_φ)]
                         =  approximation gap    +  amortization gap

q_φ is the encoder's q(z|x); q* the best factorised Gaussian for x found: SVI on all 784
pixels started from the encoder's q and from the posterior's highest node on a grid, its
fit refined by L-BFGS on the deterministic Gauss–Hermite ELBO; L-BFGS alone started in
every other peak of the grid posterior holding a share of its mass; or the encoder's q
itself where all of these end below it (counted; a fit ending non-finite counts as
below it). log p(x) is the quadrature of
`evaluate`; the ELBOs are Gauss–Hermite quadratures, free of Monte Carlo noise. No Gaussian's ELBO exceeds log p(x) in exact
arithmetic; an image where it does by more than the tolerance is flagged, counted and
reported, never dropped.
"""

import logging
import math

import numpy as np
import pandas as pd
import torch

from mnist_vae.analyses.contours import contour_grid
from mnist_vae.inference.gauss_hermite import gauss_hermite_elbo, maximise_gauss_hermite_elbo
from mnist_vae.inference.quadrature import log_marginal_and_modes
from mnist_vae.inference.svi import ALL_PIXELS, IMAGE_CHUNK, fit_posterior
from mnist_vae.settings import GapFitSettings
from mnist_vae.stats import summary

log = logging.getLogger(__name__)


def failed_as_worst(elbo, what):
    """ELBOs with those of fits that ended non-finite (L-BFGS can step into overflow) set
    to -inf, so that a failed fit is never q* and never turns a mean into NaN. -> elbo"""
    failed = elbo.isnan()
    if failed.any():
        log.info("%d %s ended non-finite; discarded", int(failed.sum()), what)
    return elbo.masked_fill(failed, -math.inf)


def fits_from_peaks(x, decoder, peaks, settings: GapFitSettings):
    """For each image, the Gaussian of highest Gauss–Hermite ELBO among L-BFGS fits
    started at each of its peaks (with SVI's initial σ), each fitted alone so that an
    image's result does not depend on the other images'. x: (N, 784); peaks: N tensors
    (M, 2), M ≥ 0 -> mu, log_sigma (N, 2), ELBO (N,) float64, -inf where M = 0"""
    n, counts = len(peaks), [len(p) for p in peaks]
    best = (
        torch.zeros(n, 2, device=x.device),
        torch.zeros(n, 2, device=x.device),
        torch.full((n,), -math.inf, dtype=torch.float64, device=x.device),
    )
    if sum(counts) == 0:
        return best
    image = torch.repeat_interleave(
        torch.arange(n, device=x.device), torch.tensor(counts, device=x.device)
    )
    mu = torch.cat(list(peaks))
    log_sigma = torch.full_like(mu, math.log(settings.svi.initial_sigma))
    mu, log_sigma = maximise_gauss_hermite_elbo(
        x[image],
        decoder,
        mu,
        log_sigma,
        settings.refine_points,
        settings.refine_iterations,
        chunk=1,
    )
    elbo = gauss_hermite_elbo(x[image], decoder, mu, log_sigma, settings.hermite_points)
    elbo = failed_as_worst(elbo, "L-BFGS fits from a peak")
    for i, first in enumerate(np.cumsum([0, *counts[:-1]])):
        if counts[i]:
            row = first + elbo[first : first + counts[i]].argmax()
            best[0][i], best[1][i], best[2][i] = mu[row], log_sigma[row], elbo[row]
    return best


def inference_gaps(vae, x, images, log_px, mode, peaks, settings: GapFitSettings):
    """The decomposition for each image. x: (N, 784); log_px: (N,) exact log p(x); mode:
    (N, 2) the posterior's highest node on the grid, peaks: N tensors (M, 2) its peaks
    holding settings.peak_mass of it (log_marginal_and_modes)
    -> DataFrame, one row per image"""
    with torch.no_grad():  # in the chunks shards are made of, as everything below
        encoded = [vae.encoder(chunk) for chunk in x.split(IMAGE_CHUNK)]
        mu_encoder, log_sigma_encoder = (torch.cat(parts) for parts in zip(*encoded, strict=True))
    # q* by SVI on all pixels, from the encoder's q and from the posterior's highest node on
    # the grid: prior draws alone can miss the main peak and leave q* in a minor one.
    starts = [
        (mu_encoder, log_sigma_encoder),
        (mode, torch.full_like(mode, math.log(settings.svi.initial_sigma))),
    ]
    starts = starts[: settings.svi.restarts]
    mu, log_sigma, _, _ = fit_posterior(x, vae.decoder, images, settings.svi, starts=starts)
    mu, log_sigma = maximise_gauss_hermite_elbo(
        x, vae.decoder, mu, log_sigma, settings.refine_points, settings.refine_iterations
    )
    points = settings.hermite_points
    elbo_encoder = gauss_hermite_elbo(x, vae.decoder, mu_encoder, log_sigma_encoder, points)
    elbo_fitted = failed_as_worst(
        gauss_hermite_elbo(x, vae.decoder, mu, log_sigma, points), "SVI fits refined by L-BFGS"
    )
    mu_peak, log_sigma_peak, elbo_peak = fits_from_peaks(x, vae.decoder, peaks, settings)
    from_peak = elbo_peak > elbo_fitted
    mu = torch.where(from_peak[:, None], mu_peak, mu)
    log_sigma = torch.where(from_peak[:, None], log_sigma_peak, log_sigma)
    elbo_fitted = torch.maximum(elbo_fitted, elbo_peak)
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
    """Means ± standard errors over the images (of their IWAE bound too, where the table
    has it), and the flagged images counted. -> dict for gaps.json"""
    means = {column: summary(table[column].to_numpy()) for column in SUMMARISED}
    means["total_gap"] = summary((table["log_px"] - table["elbo_encoder"]).to_numpy())
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
    for epoch in sorted(snapshots):
        vae.load_state_dict(snapshots[epoch])
        for split, x in (("train", x_train), ("test", x_test)):
            log_px, half, mode, peaks = log_marginal_and_modes(
                x, vae.decoder, grid.limit, grid.points, settings.peak_mass
            )
            table = inference_gaps(
                vae, x, range(len(x)), log_px.cpu().numpy(), mode, peaks, settings
            )
            summary = gap_summary(table)
            row = {"epoch": epoch, "split": split, "n_images": len(x)}
            # the convergence check of evaluate: it bounds the grid's error
            row["half_grid_max_abs_change"] = (log_px - half).abs().max().item()
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
