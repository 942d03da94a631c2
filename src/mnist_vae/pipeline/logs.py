"""How a workflow script runs: progress to the rule's log, warnings also to the terminal,
expected errors and interruptions as one line, and no script outliving its scheduler."""

import contextlib
import ctypes
import logging
import signal
import sys

from mnist_vae.errors import InputError

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def stop_with_parent():
    """Treat SIGTERM like Ctrl-C, and on Linux have it sent when the process that started
    this one (snakemake) dies, as after kill -9 or a lost SSH session: the script then
    stops cleanly instead of running on as an orphan. Training's checkpoint is kept."""
    signal.signal(signal.SIGTERM, _interrupt)
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def interruption(error):
    """The KeyboardInterrupt (Ctrl-C, or SIGTERM as _interrupt raises it) behind `error`,
    if any: a library may raise its own error while cleaning up after one, as torch.save
    does when interrupted mid-file. -> KeyboardInterrupt or None"""
    while error is not None:
        if isinstance(error, KeyboardInterrupt):
            return error
        error = error.__cause__ or error.__context__
    return None


@contextlib.contextmanager
def rule_logging(log_path):
    """Log INFO and above to `log_path` and WARNING and above to stderr too; an expected
    error, Ctrl-C or SIGTERM ends the script with one line (in the log and on stderr)
    instead of a traceback; an unexpected error is logged with its traceback and raised."""
    stop_with_parent()
    terminal = logging.StreamHandler(sys.stderr)
    terminal.setLevel(logging.WARNING)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[logging.FileHandler(log_path, mode="w"), terminal],
        force=True,
    )
    log = logging.getLogger("mnist_vae")
    try:
        yield
    except BaseException as e:
        interrupt = interruption(e)
        if isinstance(e, InputError):
            message = str(e)
        elif interrupt is not None:
            message = f"interrupted ({str(interrupt) or 'SIGINT'})"
        else:
            log.exception("unexpected error")
            raise
        terminal.setLevel(logging.CRITICAL + 1)  # sys.exit prints the line on stderr
        log.error("%s", message)
        sys.exit(f"error: {message}")
