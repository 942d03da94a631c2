"""Per-image work split into shards and gathered back, each shard checked whole."""

import numpy as np
import pandas as pd
import pytest
from helpers import runs_of

from mnist_vae.errors import DataError
from mnist_vae.pipeline.shards import (
    check_shards,
    concatenated,
    gather_shards,
    shard_images,
    shard_layout,
)


def write_shards(directory, n_images, n_shards, block_size):
    paths = []
    for shard in range(1, n_shards + 1):
        path = directory / f"{shard}-of-{n_shards}.csv"
        images = shard_images(n_images, shard, n_shards, block_size)
        pd.DataFrame({"image": list(images)}).to_csv(path, index=False)
        paths.append(path)
    return paths


def test_shards_cover_every_image_once_in_whole_blocks():
    shards = [shard_images(250, shard, 4, 50) for shard in range(1, 5)]
    assert [image for shard in shards for image in shard] == list(range(250))
    assert all(shard.start % 50 == 0 for shard in shards)


def test_more_shards_than_blocks_leaves_some_empty():
    assert [len(shard_images(100, shard, 3, 50)) for shard in (1, 2, 3)] == [0, 50, 50]


def test_gathering_gives_the_shards_in_order(tmp_path):
    paths = write_shards(tmp_path, 120, 3, 20)
    parts = gather_shards(paths, pd.read_csv, "image", 120, 20)
    assert pd.concat(parts)["image"].tolist() == list(range(120))


def test_a_shard_cut_short_is_refused_naming_it(tmp_path):
    paths = write_shards(tmp_path, 120, 3, 20)
    table = pd.read_csv(paths[1])
    table.iloc[: len(table) // 2].to_csv(paths[1], index=False)
    with pytest.raises(
        DataError, match=r"2-of-3.csv: holds 20 images where its shard has 40 \(40 to 79\)"
    ):
        gather_shards(paths, pd.read_csv, "image", 120, 20)


def test_a_shard_of_other_settings_is_refused(tmp_path):
    paths = write_shards(tmp_path, 120, 3, 20)
    with pytest.raises(DataError, match="1-of-3.csv"):
        gather_shards(paths, pd.read_csv, "image", 100, 20)


def test_the_check_before_a_gather_lists_each_shards_items(tmp_path):
    paths = write_shards(tmp_path, 120, 3, 20)
    assert check_shards(paths, "image", 120, 20) == {
        "1-of-3.csv": 40,
        "2-of-3.csv": 40,
        "3-of-3.csv": 40,
    }


def test_the_check_before_a_gather_reads_npz_shards_and_refuses_a_short_one(tmp_path):
    paths = [tmp_path / f"{i}-of-2.npz" for i in (1, 2)]
    np.savez(paths[0], digit=np.arange(16), mu=np.zeros((16, 2)))
    np.savez(paths[1], digit=np.arange(16, 20), mu=np.zeros((4, 2)))
    assert check_shards(paths, "digit", 20, 16, "digits") == {"1-of-2.npz": 16, "2-of-2.npz": 4}
    np.savez(paths[1], digit=np.arange(16, 18), mu=np.zeros((2, 2)))
    with pytest.raises(DataError, match=r"2-of-2.npz: holds 2 digits where its shard has 4"):
        check_shards(paths, "digit", 20, 16, "digits")


def test_table_shards_are_concatenated_in_item_order_empty_ones_left_out(tmp_path):
    paths = write_shards(tmp_path, 100, 3, 50)  # the first shard is empty
    table = concatenated(list(reversed(paths)), "image")
    assert table["image"].tolist() == list(range(100))
    assert table.index.tolist() == list(range(100))


def test_a_table_shard_without_a_column_asked_for_is_named(tmp_path):
    paths = write_shards(tmp_path, 100, 2, 50)
    with pytest.raises(DataError, match="1-of-2.csv"):
        concatenated(paths, "image", ["elbo"])


def test_array_shards_are_concatenated_and_their_scalars_added_up(tmp_path):
    for shard, (digits, seconds) in enumerate([([0, 1], 1.5), ([2, 3, 4], 2.0)], start=1):
        np.savez(tmp_path / f"{shard}-of-2.npz", digit=np.array(digits), seconds=seconds)
    fit = concatenated([tmp_path / "1-of-2.npz", tmp_path / "2-of-2.npz"], "digit")
    assert fit["digit"].tolist() == [0, 1, 2, 3, 4]
    assert fit["seconds"] == 3.5


def test_a_stages_layout_reads_its_count_and_block_from_the_runs_settings():
    settings = runs_of(a=2)["a"]
    assert shard_layout("evaluate", settings) == {
        "column": "image",
        "n_items": settings["data"]["n_test"],
        "block_size": settings["evaluate"]["batch_size"],
    }
    assert shard_layout("inpainting", settings)["what"] == "digits"
