"""The pages that quote results are written from the reference run's files and cannot
drift from them (mnist_vae.docs)."""

import json
import re

import jinja2
import pandas as pd
import pytest
from helpers import REPO

from mnist_vae.docs.pages import (
    OBJECTIVE_COLUMNS,
    TEMPLATES,
    differences_table,
    mean_of,
    objectives_table,
    pages,
    paired,
    render,
    verdict,
)
from mnist_vae.docs.reference import build_timing, copy_reference, reference_files
from mnist_vae.errors import DataError

PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.DOTALL)
# A number with a fractional part, the form every measured result takes on these pages.
DECIMAL = re.compile(r"\d+[.·]\d+|\d+\s*·\s*10")


def test_every_page_with_a_template_is_the_one_the_reference_files_write():
    for name, text in pages().items():
        committed = (REPO / "docs" / name).read_text()
        assert committed == text, f"docs/{name} is stale: run mnist-vae docs-pages"


@pytest.mark.parametrize("template", sorted(TEMPLATES.glob("*.md")), ids=lambda path: path.name)
def test_no_template_writes_a_measured_number_by_hand(template):
    prose = PLACEHOLDER.sub("", template.read_text())
    prose = re.sub(r"```.*?```|`[^`]*`", "", prose, flags=re.DOTALL)  # commands, file names
    assert DECIMAL.findall(prose) == [], f"{template.name}: write these from the files"


def test_a_placeholder_is_replaced_by_its_value_in_its_format():
    files = {"metrics": {"test": {"elbo": {"mean": -156.0718, "sem": 0.66}}}}
    text = "ELBO {{ nats(metrics['test']['elbo']) }}, {{ metrics['test']['elbo']['mean'] | fmt('.1f') }}"
    assert render(text, files) == "ELBO −156.07 ± 0.66, −156.1"


def test_a_placeholder_naming_nothing_known_is_an_error():
    with pytest.raises(jinja2.UndefinedError, match="metric"):
        render("{{ metric['test'] }}", {"metrics": {}})


def test_the_readme_quotes_no_measured_number():
    readme = re.sub(r"```.*?```|`[^`]*`", "", (REPO / "README.md").read_text(), flags=re.DOTALL)
    readme = re.sub(r"Python \d+\.\d+|CC BY-SA \d\.\d", "", readme)  # versions
    assert DECIMAL.findall(readme) == []


def test_ci_runs_exactly_the_readmes_test_command():
    tests = (REPO / "README.md").read_text().split("## Tests")[1]
    command = tests.split("```bash\n")[1].split("\n```")[0].strip()
    ci = (REPO / ".ci/run").read_text().strip().splitlines()
    assert ci[-1] == command


def objectives_row(trained_on, seeds, mean, sd):
    row = {"trained_on": trained_on}
    for metric, _ in OBJECTIVE_COLUMNS:
        row |= {f"{metric} mean": mean, f"{metric} std": sd, f"{metric} count": seeds}
    return row


def test_the_objectives_table_gives_each_mean_over_seeds_with_its_t_interval():
    objectives = pd.DataFrame(
        [
            objectives_row("ELBO", 3, -140.123, 0.5),
            objectives_row("IWAE-5", 1, 1.0, float("nan")),
            objectives_row("ELBO, 1000 epochs", 3, -125.0, 0.5),
        ]
    )
    lines = objectives_table(objectives, iwae_samples=1000).splitlines()
    assert "IWAE-1000" in lines[0] and "exact log p(x)" in lines[0]
    # t(0.975, 2) = 4.302652729911275: half-width 4.3027 * 0.5 / sqrt(3) = 1.2421
    assert lines[2].startswith("| ELBO | 3 | −140.12 (−141.37, −138.88) |")
    assert lines[3].startswith("| IWAE-5 | 1 | 1.00 |")  # one seed: no interval
    assert len(lines) == 4  # the 1000-epoch row is another table's
    longer = objectives_table(objectives, iwae_samples=1000, epochs=1000).splitlines()
    assert len(longer) == 3 and longer[2].startswith("| ELBO, 1000 epochs | 3 |")


def test_the_differences_table_gives_each_objectives_paired_difference_and_verdict():
    objectives = objectives_with_differences(
        ("ELBO", float("nan"), float("nan"), float("nan"), float("nan")),
        ("IWAE-5", 0.2, 2.0, 0.5, 1.8),
        ("IWAE-5, 1000 epochs", -1.0, 1.0, -0.5, 0.5),
    )
    metrics = {"test.log_px_quadrature.mean": "log p(x)"}
    lines = differences_table(objectives, metrics).splitlines()
    assert lines[0] == "| trained on | seeds | log p(x) |"
    assert lines[2:] == ["| IWAE-5 | 5 | +1.10 (+0.20, +2.00): shown |"]
    longer = differences_table(objectives, metrics, epochs=1000).splitlines()
    assert longer[2:] == ["| IWAE-5, 1000 epochs | 5 | +0.00 (−1.00, +1.00): not resolved |"]


def test_mean_of_reads_one_objectives_statistic():
    objectives = pd.DataFrame(
        [objectives_row("ELBO", 3, -140.0, 0.5), objectives_row("X", 3, 1, 2)]
    )
    assert mean_of(objectives, "ELBO", "test.elbo.mean") == -140.0
    assert mean_of(objectives, "X", "train.seconds", "std") == 2


@pytest.mark.workflow
def test_a_finished_runs_reference_files_are_copied_with_each_rules_jobs(tiny_run, tmp_path):
    (log,) = (tiny_run / ".snakemake/log").glob("*.snakemake.log")  # its one build
    copy_reference(tiny_run / "results/tiny", tiny_run / "benchmarks", log, destination=tmp_path)
    files = reference_files(tmp_path)
    assert files["timing"]["jobs"] > 20 and files["timing"]["log"] == log.name
    assert files["metrics"]["test"]["n_images"] == 200
    resources = files["resources"].set_index("rule")
    assert resources.loc["evaluate_shard", "jobs"] == 2 and resources.loc["train", "jobs"] == 1
    assert (resources["seconds_min"] <= resources["seconds_max"]).all()


def test_the_readme_states_the_default_runs_time_as_its_build_log_measured_it():
    timing = json.loads((REPO / "docs/reference/assignment/timing.json").read_text())
    minutes, seconds = divmod(round(timing["wall_seconds"]), 60)
    readme = " ".join((REPO / "README.md").read_text().split())
    assert f"took {minutes} min {seconds} s from the binarized data" in readme


def test_a_builds_time_is_read_from_snakemakes_log_of_it(tmp_path):
    log = tmp_path / "2026-12-08T035329.935871.snakemake.log"
    log.write_text("Job stats:\n...\n33 of 33 steps (100%) done\nElapsed time: 0:06:41.002721\n")
    assert build_timing(log) == {"wall_seconds": 401.0, "jobs": 33, "log": log.name}


def test_the_log_of_an_unfinished_build_is_refused(tmp_path):
    log = tmp_path / "x.snakemake.log"
    log.write_text("12 of 33 steps (36%) done\nElapsed time: 0:01:02\n")
    with pytest.raises(DataError, match="not the log of a finished Snakemake build"):
        build_timing(log)


def objectives_with_differences(*rows):
    """objectives.csv rows (trained_on, t_low, t_high, boot_low, boot_high) of log p(x)'s
    paired difference, mean halfway between the t interval's ends, 5 pairs."""
    metric = "test.log_px_quadrature.mean diff"
    return pd.DataFrame(
        [
            {
                "trained_on": name,
                f"{metric} mean": (t_low + t_high) / 2,
                f"{metric} t_low": t_low,
                f"{metric} t_high": t_high,
                f"{metric} boot_low": boot_low,
                f"{metric} boot_high": boot_high,
                f"{metric} pairs": 5,
            }
            for name, t_low, t_high, boot_low, boot_high in rows
        ]
    )


def test_a_difference_is_shown_suggested_or_not_resolved_by_its_intervals():
    objectives = objectives_with_differences(
        ("IWAE-5", 0.2, 2.0, 0.5, 1.8),
        ("IWAE-50", -0.5, 3.0, 0.1, 2.5),
        ("ELBO, 5 draws", -1.0, 1.0, -0.6, 0.8),
        ("ELBO, KL warm-up 10 epochs", -3.0, -0.1, -2.5, -0.4),
    )
    metric = "test.log_px_quadrature.mean"
    verdicts = [verdict(objectives, name, metric) for name in objectives["trained_on"]]
    assert verdicts == ["shown", "suggested", "not resolved", "shown"]


def test_a_paired_difference_is_written_with_both_intervals_and_its_seeds():
    objectives = objectives_with_differences(("IWAE-5", -1.9, 4.8, 0.1, 2.3))
    text = paired(objectives, "IWAE-5", "test.log_px_quadrature.mean")
    assert text == "+1.45 (95% t interval −1.90 to +4.80, bootstrap +0.10 to +2.30; 5 seeds)"
