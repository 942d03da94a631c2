"""Whether training has stopped improving the model, read from the history the monitor
writes: the held-out exact log p(x) (Dz = 2), every train.log_px_every epochs. Imports no
torch.

"Stopped rising" means: over the last WINDOW epochs (the last half of a shorter run, so
that its first epochs' climb does not count), a least-squares line through the monitored
values rises by less than STOPPED_RISE nats per 100 epochs, below the standard error of a
mean log p(x) over the test set (about 0.5 nats for 10,000 images) and below its spread
over seeds: more training would move the result by less than the comparison can
resolve.
"""

import math

import numpy as np

WINDOW = 100  # epochs
STOPPED_RISE = 0.5  # nats of held-out log p(x) per 100 epochs


def monitored(history):
    """The epochs whose held-out log p(x) the monitor logged (none in a run without it)."""
    if "heldout_log_px" not in history:
        return history.iloc[:0].assign(heldout_log_px=[])
    return history.dropna(subset=["heldout_log_px"])


def rise_per_100_epochs(history, window=WINDOW):
    """The slope of the held-out log p(x) over the last `window` epochs (the last half of
    a run shorter than twice that), in nats per 100 epochs, or None where fewer than three
    monitored values lie in it (a short run, or a run without the exact log p(x)).
    history: the history.csv table"""
    epochs = history["epoch"].max()
    logged = monitored(history)
    last = logged[logged["epoch"] >= epochs - min(window, epochs // 2)]
    if len(last) < 3:
        return None
    return float(100 * np.polyfit(last["epoch"], last["heldout_log_px"], 1)[0])


def convergence(history, window=WINDOW, stopped_rise=STOPPED_RISE):
    """-> {"epochs", "heldout_log_px" (the last monitored), "peak_epoch" (where it was
    highest), "rise_per_100_epochs", "stopped_rising"}; the last three None without a
    monitored log p(x)"""
    rise = rise_per_100_epochs(history, window)
    logged = monitored(history)
    has_values = len(logged) > 0
    return {
        "epochs": int(history["epoch"].max()),
        "heldout_log_px": float(logged["heldout_log_px"].iloc[-1]) if has_values else math.nan,
        "peak_epoch": int(logged.loc[logged["heldout_log_px"].idxmax(), "epoch"])
        if has_values
        else None,
        "rise_per_100_epochs": rise,
        "stopped_rising": None if rise is None else bool(rise < stopped_rise),
    }
