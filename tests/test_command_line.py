"""What the snakemake command line asks beyond targets (mnist_vae.runs.command_line)."""

import pytest
from helpers import SCHEMA

from mnist_vae.runs import command_line
from mnist_vae.runs.config import resolve_runs


@pytest.mark.parametrize(
    ("arguments", "reporting"),
    [
        (["--report", "report.html"], True),
        (["--report=report.zip"], True),
        (["--cores", "2"], False),
        (["--cores", "2", "--report", "r.html", "--report-after-run"], False),
    ],
)
def test_report_mode_is_read_from_the_arguments(arguments, reporting):
    assert command_line.reporting(arguments) is reporting


def resolve(config):
    return resolve_runs(config, SCHEMA)


def test_a_config_file_changing_runs_it_does_not_name_is_refused():
    own = [{"runs": {"assignment": {}}}]
    given = {"mine.yaml": {"train": {"epochs": 3}, "runs": {"mine": {}}}}
    runs = resolve({"train": {"epochs": 3}, "runs": {"assignment": {}, "mine": {}}})
    message = command_line.config_file_refusal(own, given, {}, runs, resolve)
    assert message.startswith("--configfile mine.yaml changes train.epochs of assignment")


def test_a_config_file_changing_only_its_own_runs_is_accepted():
    own = [{"runs": {"assignment": {}}}]
    given = {"mine.yaml": {"runs": {"mine": {"train": {"epochs": 3}}}}}
    runs = resolve({"runs": {"assignment": {}, "mine": {"train": {"epochs": 3}}}})
    assert command_line.config_file_refusal(own, given, {}, runs, resolve) is None


def test_a_run_is_made_by_the_workflow_config_and_the_given_files_that_name_it_or_none():
    given = {"full.yaml": {"runs": {"full": {}}}, "light.yaml": {"evaluate": {"iwae_samples": 9}}}
    merged = ["config.yaml", "full.yaml", "light.yaml"]
    assert command_line.config_files_of("tiny", merged, given) == ["config.yaml", "light.yaml"]
    assert command_line.config_files_of("full", merged, given) == merged
