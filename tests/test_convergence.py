"""Whether training has stopped improving the model, from its history
(mnist_vae.convergence)."""

import numpy as np
import pandas as pd
import pytest

from mnist_vae.convergence import convergence, rise_per_100_epochs


def history(epochs, log_px_of_epoch, every=10):
    """A history.csv table whose monitor logged log_px_of_epoch(e) every `every` epochs."""
    epoch = np.arange(1, epochs + 1)
    monitored = (epoch % every == 0) | (epoch == 1)
    log_px = np.where(monitored, log_px_of_epoch(epoch.astype(float)), np.nan)
    return pd.DataFrame({"epoch": epoch, "heldout_log_px": log_px})


def test_the_rise_is_the_slope_over_the_last_hundred_epochs_per_hundred_epochs():
    rising = history(300, lambda e: -150 + np.where(e > 200, 0.02 * (e - 200), 0.0))
    assert rise_per_100_epochs(rising) == pytest.approx(2.0)


def test_a_history_still_rising_has_not_stopped_and_a_flat_one_has():
    assert convergence(history(400, lambda e: -200 + 0.01 * e))["stopped_rising"] is False
    flat = convergence(history(400, lambda e: -130 - 40 / e))
    assert flat["stopped_rising"] is True
    assert flat["epochs"] == 400 and flat["peak_epoch"] == 400


def test_a_history_past_its_peak_has_stopped_and_names_the_peak():
    falling = convergence(history(300, lambda e: -130 - ((e - 150) / 50) ** 2))
    assert falling["stopped_rising"] is True and falling["peak_epoch"] == 150
    assert falling["rise_per_100_epochs"] < 0


def test_without_the_monitors_log_px_nothing_is_claimed():
    no_monitor = pd.DataFrame({"epoch": [1, 2, 3], "heldout_log_px": [np.nan] * 3})
    assert convergence(no_monitor)["stopped_rising"] is None
    assert convergence(pd.DataFrame({"epoch": [1, 2]}))["rise_per_100_epochs"] is None


def test_a_run_shorter_than_two_windows_is_judged_on_its_last_half():
    # a steep climb in the first half, 1 nat per 100 epochs in the second
    climb = history(100, lambda e: np.where(e <= 50, -180 + 0.8 * e, -140 + 0.01 * (e - 50)))
    assert rise_per_100_epochs(climb) == pytest.approx(1.0)
