"""The catalog's conventions: CITATION.cff and CHANGELOG.md."""

import re

import yaml
from helpers import REPO


def test_the_citation_file_names_this_version_and_the_paper():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    project = (REPO / "pyproject.toml").read_text()
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "software"
    assert {"message", "title", "authors"} <= set(citation)
    assert f'version = "{citation["version"]}"' in project
    titles = [reference["title"] for reference in citation["references"]]
    assert "Auto-Encoding Variational Bayes" in titles


def test_the_changelog_keeps_an_unreleased_section_and_its_entries_newest_first():
    text = (REPO / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings[0] == "[Unreleased]"
    dates = [re.match(r"(\d{4}-\d{2}-\d{2}) \(`[0-9a-f]{7}`", h).group(1) for h in headings[1:]]
    assert dates and dates == sorted(dates, reverse=True)
    kinds = set(re.findall(r"^### (\w+)$", text, re.MULTILINE))
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
