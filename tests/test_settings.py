"""One settings path: the schema is the one home of defaults, each rule's settings class
agrees with it, and a rule receives exactly the keys its class reads."""

import ast
import dataclasses

import pytest
import yaml
from helpers import REPO

from mnist_vae.errors import ConfigError
from mnist_vae.runs.catalogue import RULES, rule_settings
from mnist_vae.runs.config import validated
from mnist_vae.settings import (
    EvaluateSettings,
    InpaintingContoursSettings,
    InpaintingSettings,
    QuadratureGrid,
    TrainSettings,
)

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
SCRIPTS = REPO / "workflow/scripts"
RULE_SETTINGS = {rule.name: rule.settings for rule in RULES if rule.settings}
CLASSES = sorted(
    {(section, cls) for sections in RULE_SETTINGS.values() for section, cls in sections.items()},
    key=lambda item: item[1].__name__,
)


@pytest.fixture(scope="module")
def schema_defaults():
    """The config an empty file resolves to: every section, every key, the schema's defaults."""
    return validated({}, SCHEMA)


@pytest.mark.parametrize(
    ("section", "cls"), CLASSES, ids=lambda item: getattr(item, "__name__", item)
)
def test_settings_defaults_are_the_schemas(schema_defaults, section, cls):
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
    section = {**dataclasses.asdict(EvaluateSettings()), "figure": "other rule's"}
    section["quadrature"] = {"limit": 4.0, "points": 11}
    settings = EvaluateSettings.from_config(section)
    assert settings.quadrature == QuadratureGrid(limit=4.0, points=11)
    assert not hasattr(settings, "figure")


def test_a_field_can_read_another_key_of_its_section(schema_defaults):
    section = {**schema_defaults["inpainting"], "contour_examples": 2}
    assert InpaintingContoursSettings.from_config(section).examples == 2


def test_a_field_can_read_a_nested_key(schema_defaults):
    section = {**schema_defaults["inpainting"]}
    section["svi"] = {**section["svi"], "seed": 7}
    assert InpaintingSettings.from_config(section).seed == 7


def test_select_keeps_exactly_the_keys_a_class_reads(schema_defaults):
    selected = InpaintingSettings.select(schema_defaults["inpainting"])
    assert set(selected) == {"digits", "examples", "completion_samples", "svi", "quadrature"}
    assert selected["svi"] == {"seed": 0}


@pytest.mark.parametrize("rule", RULE_SETTINGS)
def test_a_rules_settings_rebuild_its_classes_settings(schema_defaults, rule):
    given = rule_settings(schema_defaults, rule)
    assert given.keys() == RULE_SETTINGS[rule].keys()
    for section, cls in RULE_SETTINGS[rule].items():
        part = given[section]
        assert cls.select(part) == part  # nothing beyond what the class reads
        assert cls.from_config(part) == cls.from_config(schema_defaults[section])


def settings_classes_built_in(script):
    """The classes whose from_config a script calls. -> {name}"""
    tree = ast.parse(script.read_text())
    return {
        node.func.value.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "from_config"
        and isinstance(node.func.value, ast.Name)
    }


@pytest.mark.parametrize("rule", RULE_SETTINGS)
def test_each_script_builds_its_settings_from_its_rules_classes(rule):
    expected = {cls.__name__ for cls in RULE_SETTINGS[rule].values()}
    assert settings_classes_built_in(SCRIPTS / f"{rule}.py") == expected


def test_a_key_of_the_earlier_layout_names_where_it_moved():
    with pytest.raises(
        ConfigError, match=r"^config.inpainting.steps: moved to inpainting.svi.steps$"
    ):
        validated({"inpainting": {"steps": 30}}, SCHEMA)


def test_a_key_of_the_earlier_layout_that_was_removed_says_why():
    with pytest.raises(ConfigError, match=r"^config.gaps.svi: removed: q\* is fitted by Newton"):
        validated({"gaps": {"svi": {"steps": 30}}}, SCHEMA)


def reversed_order(value):
    if isinstance(value, dict):
        return {key: reversed_order(value[key]) for key in reversed(list(value))}
    return value


@pytest.mark.parametrize("rule", RULE_SETTINGS)
def test_a_rules_settings_do_not_depend_on_the_order_keys_were_written_in(schema_defaults, rule):
    """Snakemake compares params as written: a config with its keys in another order (a
    rebuilt config, an edited file) must rerun nothing."""
    reordered = reversed_order(schema_defaults)
    assert repr(rule_settings(reordered, rule)) == repr(rule_settings(schema_defaults, rule))
