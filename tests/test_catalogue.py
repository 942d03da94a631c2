"""The catalogue of a run (mnist_vae.runs.catalogue): what each rule reads, writes and
applies to, and the checks that keep the workflow's rules and the records the same."""

import shutil

import pytest
import yaml
from helpers import SCHEMA, copy_workflow, runs_of, snakemake

from mnist_vae.runs import catalogue


def test_a_rule_receives_only_its_classes_keys_under_their_sections():
    settings = runs_of(a=2)["a"]
    assert catalogue.rule_settings(settings, "inpainting_contours") == {
        "inpainting": {"contour_examples": 3}
    }
    assert set(catalogue.rule_settings(settings, "train")) == {"model", "train"}


def test_every_rule_with_settings_receives_them_in_the_same_shape():
    settings = runs_of(a=2)["a"]
    for rule in catalogue.RULES:
        if rule.settings and "data" not in rule.settings:
            assert set(catalogue.rule_settings(settings, rule.name)) == set(rule.settings)


def test_a_runs_sections_are_the_schemas_sections_its_rules_read():
    schema = yaml.safe_load(SCHEMA.read_text())
    workflow_sections = {"data", "shards", "sweeps", "runs"}
    assert catalogue.run_sections() == tuple(
        section for section in schema["properties"] if section not in workflow_sections
    )


def test_a_run_and_a_sweep_may_set_exactly_the_sections_its_rules_read():
    schema = yaml.safe_load(SCHEMA.read_text())["properties"]
    overridable = schema["runs"]["additionalProperties"]["properties"]
    assert list(overridable) == ["data", *catalogue.run_sections()]
    swept = schema["sweeps"]["additionalProperties"]["propertyNames"]["pattern"]
    assert swept.startswith("^(" + "|".join(catalogue.run_sections()) + ")\\.")


def test_the_sections_with_a_device_are_those_whose_rules_run_torch_on_one():
    assert catalogue.device_sections() == ("train", "evaluate", "importance", "inpainting", "gaps")


def test_a_metric_file_is_under_a_run_and_json():
    for path in catalogue.metrics_files():
        assert path.endswith(".json") and not path.startswith("results/")


def test_a_rule_left_out_of_a_dimension_leaves_its_files_stale():
    assert catalogue.gated_files(5) == ["importance", "samples/manifold.png", "gaps"]
    assert set(catalogue.gated_files(1)) == {
        "samples/manifold.png",
        "gaps",
        "importance",
        "latent",
        "inpainting/contours.png",
    }
    assert catalogue.gated_files(2) == []


def test_outputs_as_recorded_are_no_mismatch():
    rule = catalogue.rule("evaluate")
    assert catalogue.output_mismatch("evaluate", dict(rule.outputs)) is None


def test_an_output_differing_from_its_record_is_named_with_both_paths():
    outputs = {**catalogue.rule("evaluate").outputs, "metrics": "results/{run}/m.json"}
    message = catalogue.output_mismatch("evaluate", outputs)
    assert message == (
        "rule evaluate: output metrics is 'results/{run}/m.json' in its .smk but "
        "'results/{run}/metrics.json' in mnist_vae.runs.catalogue"
    )


def test_a_rule_missing_from_the_catalogue_is_named():
    assert "rule histogram: not in" in catalogue.output_mismatch("histogram", {"a": "b"})


@pytest.mark.workflow
def test_the_workflow_refuses_a_rule_whose_outputs_differ_from_the_catalogue(tmp_path):
    workdir = copy_workflow(tmp_path / "w")
    rules = workdir / "workflow/rules/samples.smk"
    rules.write_text(rules.read_text().replace("samples/samples.npz", "samples/draws.npz"))
    result = snakemake(workdir, "--dry-run", check=False)
    assert result.returncode != 0
    assert (
        "error: rule samples: output data is 'results/{run}/samples/draws.npz' in its .smk but "
        "'results/{run}/samples/samples.npz' in mnist_vae.runs.catalogue"
    ) in result.stderr
    shutil.rmtree(workdir)


def test_a_stages_shard_files_are_its_shard_rules_output_for_the_gather_to_fill():
    assert catalogue.shard_file("gaps", "a") == "results/a/gaps/shards/{scatteritem}.csv"
    assert catalogue.shard_file("inpainting", "a").endswith("shards/{scatteritem}.npz")
