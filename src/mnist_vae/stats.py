"""Summaries of per-image values."""

import math

import numpy as np


def summary(values):
    """Mean and its standard error over images."""
    values = np.asarray(values, dtype=np.float64)
    return {"mean": float(values.mean()), "sem": float(values.std(ddof=1) / math.sqrt(len(values)))}
