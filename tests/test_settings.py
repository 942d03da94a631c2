"""The schema is the one home of defaults: the settings classes and config.yaml agree with it."""

import dataclasses

import pytest
import yaml
from conftest import REPO

from mnist_vae.analyses.gaps import GapSettings
from mnist_vae.evaluate import EvaluateSettings
from mnist_vae.inference.quadrature import QuadratureGrid
from mnist_vae.inference.svi import SVISettings
from mnist_vae.model import ModelSettings
from mnist_vae.runs.config import validated
from mnist_vae.train import TrainSettings

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
SETTINGS = {
    "model": ModelSettings,
    "train": TrainSettings,
    "evaluate": EvaluateSettings,
    "inpainting": SVISettings,
    "gaps": GapSettings,
}


@pytest.fixture(scope="module")
def schema_defaults():
    """The config an empty file resolves to: every section, every key, the schema's defaults."""
    return validated({}, SCHEMA)


@pytest.mark.parametrize("section", SETTINGS)
def test_settings_defaults_are_the_schemas(schema_defaults, section):
    cls = SETTINGS[section]
    assert cls() == cls.from_config(schema_defaults[section])


def test_the_training_grid_default_is_the_schemas(schema_defaults):
    grid = QuadratureGrid.from_config(schema_defaults["train"]["quadrature"])
    assert TrainSettings().quadrature == grid


def test_config_yaml_shows_the_schemas_defaults_and_names_one_run(schema_defaults):
    """So a config file that replaces config.yaml (--replace-workflow-config) loses none
    of its settings, only its run."""
    shown = yaml.safe_load((REPO / "config.yaml").read_text())
    assert shown.pop("runs") == {"assignment": {}}
    assert shown == {key: value for key, value in schema_defaults.items() if key != "runs"}


def test_from_config_reads_nested_settings_and_leaves_out_other_keys():
    section = {**dataclasses.asdict(EvaluateSettings()), "device": "cuda"}
    section["quadrature"] = {"limit": 4.0, "points": 11}
    settings = EvaluateSettings.from_config(section)
    assert settings.quadrature == QuadratureGrid(limit=4.0, points=11)
    assert not hasattr(settings, "device")
