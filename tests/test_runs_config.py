"""Config resolution (mnist_vae.runs.config), as a tool outside Snakemake would use it."""

import copy
import re
import subprocess
import sys

import pytest
import yaml
from helpers import REPO, TINY_CONFIG

from mnist_vae.errors import ConfigError, SettingError
from mnist_vae.runs.config import (
    changed_settings,
    data_key,
    merged,
    raw_sources,
    resolve_runs,
    runs_changed_unasked,
    runs_named_in,
    shipped_with_the_workflow,
    sweep_runs,
)

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"


def config(**sections):
    """The tiny config with `sections` merged over it, as Snakemake would give it."""
    base = yaml.safe_load(TINY_CONFIG.read_text())
    base["data"]["local_dir"] = str(REPO / "resources/mnist")
    return merged(base, sections)


def test_a_run_gets_the_shared_settings_under_its_own_overrides():
    runs = resolve_runs(
        config(train={"epochs": 5}, runs={"a": {}, "b": {"train": {"seed": 3}}}), SCHEMA
    )
    assert runs["a"]["train"]["epochs"] == runs["b"]["train"]["epochs"] == 5
    assert (runs["a"]["train"]["seed"], runs["b"]["train"]["seed"]) == (0, 3)


def test_the_schema_fills_every_default():
    runs = resolve_runs(config(), SCHEMA)
    assert runs["tiny"]["inpainting"]["svi"]["learning_rate"] == 0.05
    assert runs["tiny"]["evaluate"]["device"] == "auto"


def test_strings_from_the_command_line_are_read_as_the_declared_types():
    runs = resolve_runs(config(train={"epochs": "3", "seed": "7"}), SCHEMA)
    assert (runs["tiny"]["train"]["epochs"], runs["tiny"]["train"]["seed"]) == (3, 7)


def test_a_number_in_exponent_notation_is_read_as_a_number():
    runs = resolve_runs(config(inpainting={"svi": {"learning_rate": "1e-3"}}), SCHEMA)
    assert runs["tiny"]["inpainting"]["svi"]["learning_rate"] == 0.001


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"train": {"epochs": "1e3"}}, "config.train.epochs: '1e3' is not of type 'integer'"),
        ({"evaluate": {"quadrature": {"limit": "nan"}}}, "'nan' is not of type 'number'"),
    ],
)
def test_exponent_notation_gives_no_integer_and_no_infinite_value(override, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        resolve_runs(config(**override), SCHEMA)


def test_a_refused_value_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError, match=r"^config\.train\.epochs: 0 is less than the minimum"):
        resolve_runs(config(train={"epochs": 0}), SCHEMA)


def test_a_refused_run_override_names_the_run():
    bad = config(runs={"wide": {"model": {"hidden_dim": "x"}}})
    with pytest.raises(ConfigError, match=r"^config\.runs\.wide\.model\.hidden_dim: 'x' is not"):
        resolve_runs(bad, SCHEMA)


def test_settings_that_cannot_hold_together_are_refused_naming_the_run():
    with pytest.raises(SettingError, match=r"^config\.runs\.tiny\.inpainting\.digits: 500"):
        resolve_runs(config(inpainting={"digits": 500}), SCHEMA)


def test_a_kl_warm_up_with_the_iwae_objective_is_refused_naming_the_key():
    iwae_warm_up = {"objective": "iwae", "kl_warmup_epochs": 3}
    with pytest.raises(SettingError, match=r"^config\.runs\.tiny\.train\.kl_warmup_epochs: "):
        resolve_runs(config(train=iwae_warm_up), SCHEMA)
    resolve_runs(config(train={**iwae_warm_up, "kl_warmup_epochs": 0}), SCHEMA)


def test_k_elbo_draws_with_the_iwae_objective_are_refused_naming_the_key():
    with pytest.raises(SettingError, match=r"^config\.runs\.tiny\.train\.elbo_samples: "):
        resolve_runs(config(train={"objective": "iwae", "elbo_samples": 5}), SCHEMA)


def test_a_kl_warm_up_of_the_k_sample_elbo_is_refused_naming_the_key():
    warm_k = {"elbo_samples": 5, "kl_warmup_epochs": 3}
    with pytest.raises(SettingError, match=r"^config\.runs\.tiny\.train\.kl_warmup_epochs: "):
        resolve_runs(config(train=warm_k), SCHEMA)
    resolve_runs(config(train={**warm_k, "kl_warmup_epochs": 0}), SCHEMA)


def test_resolving_leaves_the_shared_sections_of_other_runs_alone():
    original = config(runs={"a": {"train": {"epochs": 9}}, "b": {}})
    runs = resolve_runs(copy.deepcopy(original), SCHEMA)
    assert runs["b"]["train"]["epochs"] == original["train"]["epochs"]


def test_resolving_runs_imports_neither_torch_nor_pandas():
    """The workflow resolves runs when Snakemake parses it: no second spent on imports."""
    code = (
        "import sys, mnist_vae.runs.config; print('torch' in sys.modules, 'pandas' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_a_sweep_expands_to_one_named_run_per_combination():
    runs = sweep_runs("latent", {"model.latent_dim": [2, 5], "train.seed": [0, 1]})
    assert list(runs) == ["latent-dz2-s0", "latent-dz2-s1", "latent-dz5-s0", "latent-dz5-s1"]
    assert runs["latent-dz5-s1"] == {"model": {"latent_dim": 5}, "train": {"seed": 1}}


def test_a_setting_without_a_short_name_is_named_by_its_last_key():
    assert list(sweep_runs("lr", {"inpainting.learning_rate": [0.1]})) == ["lr-learning_rate0.1"]


def test_sweep_runs_sit_beside_the_written_runs_with_the_shared_settings():
    runs = resolve_runs(config(sweeps={"latent": {"model.latent_dim": [3, 4]}}), SCHEMA)
    assert list(runs) == ["tiny", "latent-dz3", "latent-dz4"]
    assert runs["latent-dz4"]["model"]["latent_dim"] == 4
    assert runs["latent-dz4"]["train"]["epochs"] == runs["tiny"]["train"]["epochs"]


def test_a_sweep_run_named_like_a_written_run_is_an_error():
    clash = config(sweeps={"w": {"model.hidden_dim": [8]}}, runs={"w-h8": {}})
    with pytest.raises(ConfigError, match=r"^config\.sweeps\.w: the run w-h8 is also defined"):
        resolve_runs(clash, SCHEMA)


def test_a_swept_value_the_schema_refuses_names_the_run():
    bad = config(sweeps={"latent": {"model.latent_dim": [0]}})
    with pytest.raises(
        ConfigError, match=r"^config\.runs\.latent-dz0\.model\.latent_dim: 0 is less"
    ):
        resolve_runs(bad, SCHEMA)


def test_a_config_without_runs_is_refused_in_one_line():
    with pytest.raises(ConfigError, match=r"^config\.runs: no runs"):
        resolve_runs(config(runs={}) | {"runs": {}}, SCHEMA)


def test_changed_settings_are_named_by_dotted_keys():
    old = {"train": {"epochs": 3, "quadrature": {"points": 41}}, "model": {"latent_dim": 2}}
    new = {"train": {"epochs": 4, "quadrature": {"points": 81}}, "model": {"latent_dim": 2}}
    assert changed_settings(old, new) == ["train.epochs", "train.quadrature.points"]


def test_a_config_names_its_written_and_swept_runs():
    named = runs_named_in({"runs": {"a": {}}, "sweeps": {"s": {"train.seed": [0, 1]}}})
    assert named == {"a", "s-s0", "s-s1"}


def test_runs_changed_unasked_leaves_out_the_runs_asked_for():
    before = resolve_runs(config(runs={"a": {}, "b": {}}), SCHEMA)
    after = resolve_runs(config(train={"epochs": 5}, runs={"a": {}, "b": {}}), SCHEMA)
    changed = runs_changed_unasked(before, after, asked={"b"})
    assert changed == {"tiny": ["train.epochs"], "a": ["train.epochs"]}


def test_data_missing_from_here_is_found_where_the_workflow_is(tmp_path, monkeypatch):
    (tmp_path / "workflow/resources/mnist").mkdir(parents=True)
    (tmp_path / "deploy").mkdir()
    monkeypatch.chdir(tmp_path / "deploy")
    found = shipped_with_the_workflow("resources/mnist", tmp_path / "workflow")
    assert found == "../workflow/resources/mnist"


def test_data_present_here_is_taken_from_here(tmp_path, monkeypatch):
    (tmp_path / "resources/mnist").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert shipped_with_the_workflow("resources/mnist", "/elsewhere") == "resources/mnist"


def test_data_from_the_mirrors_is_named_apart_from_the_offline_copy():
    runs = resolve_runs(config(runs={"full": {"data": {"source": "mirrors"}}}), SCHEMA)
    assert data_key(runs["tiny"]["data"]) == "train300-test200-t0.5"
    assert data_key(runs["full"]["data"]) == "mirrors-train300-test200-t0.5"
    assert set(raw_sources(runs)) == {"data/mnist/raw", "data/mnist/raw-mirrors"}


def test_runs_reading_one_source_from_two_places_are_refused_naming_the_key():
    mirrors = {"data": {"source": "mirrors"}}
    elsewhere = {"data": {"source": "mirrors", "mirrors": ["https://example.org/"]}}
    with pytest.raises(
        SettingError, match=r"^config\.runs\.b\.data\.mirrors: differs from run a's"
    ):
        resolve_runs(config(runs={"a": mirrors, "b": elsewhere}), SCHEMA)


def test_the_objectives_sweep_names_its_runs_after_the_bound_trained_on():
    sweep = {"train.objective": ["iwae"], "train.iwae_samples": [5, 50], "train.seed": [0]}
    assert list(sweep_runs("objective", sweep)) == ["objective-iwae-k5-s0", "objective-iwae-k50-s0"]
    assert list(sweep_runs("kelbo", {"train.elbo_samples": [5], "train.seed": [1]})) == [
        "kelbo-k5-s1"
    ]


@pytest.mark.parametrize("path", sorted((REPO / "config").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_file_resolves_to_named_runs(path, monkeypatch):
    monkeypatch.chdir(REPO)  # data.local_dir as the workflow sees it
    runs = resolve_runs(yaml.safe_load(path.read_text()), SCHEMA)
    assert runs
