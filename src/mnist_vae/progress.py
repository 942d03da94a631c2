"""Progress where a person watches: a bar with rate and ETA on the terminal, none in logs."""

import os

from tqdm import tqdm


def progress(iterable, **options):
    """`iterable` with a tqdm bar on stderr when stderr is a terminal (a job run from one
    inherits it), and no bar fragments when it is a log file."""
    return tqdm(iterable, disable=not os.isatty(2), dynamic_ncols=True, **options)
