"""CSV tables, written atomically and read with the columns they must have."""

import pandas as pd

from mnist_vae.errors import DataError
from mnist_vae.storage.files import atomic_write


def write_csv(path, frame: pd.DataFrame, **options):
    with atomic_write(path, "w") as f:
        frame.to_csv(f, **options)


def read_csv(path, columns=()):
    """A CSV table that must have `columns`."""
    try:
        table = pd.read_csv(path)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"{path}: not a CSV table ({e})") from None
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise DataError(f"{path}: no column {', '.join(missing)}")
    return table
