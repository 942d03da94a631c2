"""A run's config from its folder alone (mnist-vae config)."""

import json

import pytest

from mnist_vae.errors import DataError
from mnist_vae.runs.rebuild import rebuild_config


def test_the_config_is_the_recorded_settings_shards_and_the_run_alone(tmp_path):
    folder = tmp_path / "results/a"
    folder.mkdir(parents=True)
    settings = {"train": {"epochs": 3}, "model": {"latent_dim": 2}}
    shards = {"evaluate": 2}
    record = {"run": "a", "settings": settings, "shards": shards}
    (folder / "provenance.json").write_text(json.dumps(record))
    config = rebuild_config("a", results=tmp_path / "results")
    assert config == {**settings, "shards": shards, "runs": {"a": {}}}


def test_a_folder_without_provenance_is_one_error_naming_it(tmp_path):
    with pytest.raises(DataError, match="nope: no provenance.json there or under"):
        rebuild_config("nope", results=tmp_path)


def test_provenance_from_before_settings_were_recorded_says_so(tmp_path):
    (tmp_path / "provenance.json").write_text(json.dumps({"run": "a"}))
    with pytest.raises(DataError, match="holds no settings"):
        rebuild_config(tmp_path)
