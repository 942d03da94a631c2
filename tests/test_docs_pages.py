"""The pages that quote results are written from the reference run's files and cannot
drift from them (mnist_vae.report.docs_pages)."""

import re

import pytest
from helpers import REPO

from mnist_vae.report.docs_pages import PLACEHOLDER, TEMPLATES, pages, render

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
    text = "ELBO {{ nats(metrics['test']['elbo']) }}, {{ metrics['test']['elbo']['mean'] :.1f }}"
    assert render(text, files) == "ELBO −156.07 ± 0.66, −156.1"


def test_the_readme_quotes_no_measured_number():
    readme = re.sub(r"```.*?```|`[^`]*`", "", (REPO / "README.md").read_text(), flags=re.DOTALL)
    readme = re.sub(r"Python \d+\.\d+|CC BY-SA \d\.\d", "", readme)  # versions
    assert DECIMAL.findall(readme) == []


def test_ci_runs_exactly_the_readmes_test_command():
    tests = (REPO / "README.md").read_text().split("## Tests")[1]
    command = tests.split("```bash\n")[1].split("\n```")[0].strip()
    ci = (REPO / ".ci/run").read_text().strip().splitlines()
    assert ci[-1] == command
