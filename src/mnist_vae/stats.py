"""Summaries of per-image values, and differences between paired runs (seeds) with their
confidence intervals."""

import math

import numpy as np


def summary(values):
    """Mean and its standard error over images."""
    values = np.asarray(values, dtype=np.float64)
    return {"mean": float(values.mean()), "sem": float(values.std(ddof=1) / math.sqrt(len(values)))}


def summary_and_median(values):
    """summary's mean and standard error, with the median beside them (per-image values
    whose mean a few images carry)."""
    return {**summary(values), "median": float(np.median(np.asarray(values, dtype=np.float64)))}


def t_half_width(sd, n, confidence=0.95):
    """Half the width of the Student t interval of a mean of n values of standard deviation
    sd (0 where n < 2: one value has no interval). Arrays broadcast."""
    from scipy import stats  # here, not where the workflow parses: scipy is slow to import

    sd, n = np.asarray(sd, dtype=np.float64), np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf((1 + confidence) / 2, n - 1) * sd / np.sqrt(n)
    return np.where(n >= 2, np.nan_to_num(half), 0.0)


def paired_difference(values, baseline, confidence=0.95, resamples=9999, seed=0, batch=None):
    """The mean of values − baseline over pairs (the same seed, or the same image), with a
    Student t interval and a percentile bootstrap interval over the pairs (seeded, so that
    the same pairs give the same interval; `batch` resamples at a time bound the memory of
    many pairs). With fewer than two pairs the intervals are NaN.
    values, baseline: (n,) -> {"mean", "t_low", "t_high", "boot_low", "boot_high", "pairs"}"""
    from scipy import stats  # here, not where the workflow parses: scipy is slow to import

    differences = np.asarray(values, dtype=np.float64) - np.asarray(baseline, dtype=np.float64)
    n, mean = len(differences), float(differences.mean())
    result = {"mean": mean, "pairs": n}
    if n < 2:
        return result | dict.fromkeys(("t_low", "t_high", "boot_low", "boot_high"), math.nan)
    half = float(t_half_width(differences.std(ddof=1), n, confidence))
    boot = stats.bootstrap(
        (differences,),
        np.mean,
        confidence_level=confidence,
        n_resamples=resamples,
        method="percentile",
        batch=batch,
        rng=np.random.default_rng(seed),
    ).confidence_interval
    return result | {
        "t_low": float(mean - half),
        "t_high": float(mean + half),
        "boot_low": float(boot.low),
        "boot_high": float(boot.high),
    }
