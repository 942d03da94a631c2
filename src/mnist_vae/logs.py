"""Logging for workflow scripts: progress to the rule's log, expected errors as one line."""

import contextlib
import logging
import sys

from mnist_vae.errors import InputError


@contextlib.contextmanager
def rule_logging(log_path):
    """Log INFO and above to `log_path`; an expected error ends the script with its one-line
    message (in the log and on stderr) instead of a traceback; an unexpected one is logged
    with its traceback and raised."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[logging.FileHandler(log_path, mode="w")],
        force=True,
    )
    try:
        yield
    except InputError as e:
        logging.getLogger("mnist_vae").error("%s", e)
        sys.exit(f"error: {e}")
    except BaseException:
        logging.getLogger("mnist_vae").exception("unexpected error")
        raise
