"""Splitting per-image work into shards, as Snakemake's scatter/gather names them, and
gathering them back."""

from pathlib import Path

import numpy as np
import pandas as pd

from mnist_vae.errors import DataError
from mnist_vae.settings import IMAGE_CHUNK
from mnist_vae.storage.files import read_npz
from mnist_vae.storage.tables import read_csv


def shard_number(scatteritem):
    """Snakemake's scatter item 'i-of-n' -> (i, n)"""
    shard, n_shards = scatteritem.split("-of-")
    return int(shard), int(n_shards)


def shard_images(n_images, shard, n_shards, block_size):
    """The images of shard `shard` (1-based) of n_shards: a run of whole blocks of
    block_size images, as even as the blocks allow (empty when there are fewer blocks
    than shards). -> range"""
    n_blocks = -(-n_images // block_size)
    first, last = ((shard - 1) * n_blocks) // n_shards, (shard * n_blocks) // n_shards
    return range(first * block_size, min(last * block_size, n_images))


def gather_shards(paths, read, column, n_images, block_size, what="images"):
    """The shards' parts in shard order, each checked to hold exactly the images it was
    given (shard_images), so that a shard cut short or written for other settings is never
    averaged in. paths: files named <i>-of-<n>.<ext>; read: path -> part;
    column: where a part lists its images -> [part]; DataError naming the shard otherwise"""
    parts = []
    for path in paths:
        shard, n_shards = shard_number(Path(path).name.split(".")[0])
        given = shard_images(n_images, shard, n_shards, block_size)
        part = read(path)
        held = [int(image) for image in part[column]]
        if held != list(given):
            span = f"{given.start} to {given.stop - 1}" if len(given) else "none"
            raise DataError(
                f"{path}: holds {len(held)} {what} where its shard has {len(given)} "
                f"({span}); delete it to have it rebuilt"
            )
        parts.append(part)
    return parts


def concatenated(paths, column, columns=()):
    """The shards' rows as one, in the order of the item `column`, from files check_shards
    has checked: a table from CSV shards (with `columns` besides, checked), or {key: array}
    from .npz shards, their scalars (a shard's own seconds, say) added up."""
    if all(Path(path).suffix == ".npz" for path in paths):
        parts = [read_npz(path) for path in paths]
        return {
            key: sum(part[key] for part in parts)
            if parts[0][key].ndim == 0
            else np.concatenate([part[key] for part in parts])
            for key in parts[0]
        }
    tables = [read_csv(path, [column, *columns]) for path in paths]
    table = pd.concat([table for table in tables if len(table)], ignore_index=True)
    return table.sort_values(column, ignore_index=True)


def read_items(path, column):
    """The items a shard file lists in `column`: a CSV table's column or an .npz array.
    -> {column: values}"""
    if Path(path).suffix == ".npz":
        return read_npz(path, [column])
    return read_csv(path, [column])


def check_shards(paths, column, n_items, block_size, what="images"):
    """Every shard holds exactly the items it was given (gather_shards' check, on the item
    column alone), checked before a gather is started so that a damaged shard fails here
    and the gather's outputs of the last good run stay. -> {shard file name: its items}"""
    parts = gather_shards(
        paths, lambda path: read_items(path, column), column, n_items, block_size, what
    )
    return {Path(path).name: len(part[column]) for path, part in zip(paths, parts, strict=True)}


def shard_layout(stage, settings):
    """What the shards of a run's `stage` must hold (check_shards' arguments but the paths):
    how many items, in blocks of how many, listed in which column. settings: the run's"""
    return {
        "evaluate": dict(
            column="image",
            n_items=settings["data"]["n_test"],
            block_size=settings["evaluate"]["batch_size"],
        ),
        "inpainting": dict(
            column="digit",
            n_items=settings["inpainting"]["digits"],
            block_size=IMAGE_CHUNK,
            what="digits",
        ),
        "gaps": dict(column="image", n_items=settings["gaps"]["images"], block_size=IMAGE_CHUNK),
    }[stage]
