"""Every relative link of the README and the docs leads to a file, and to a heading of it
where the link names one."""

import re

import pytest
from helpers import REPO

PAGES = [REPO / "README.md", REPO / "CHANGELOG.md", REPO / "config/README.md"] + sorted(
    (REPO / "docs").glob("*.md")
)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(page):
    """GitHub's anchors of a markdown page's headings: lower case, punctuation dropped,
    spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def relative_links():
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if not re.match(r"[a-z]+:", target):
                yield page, target


@pytest.mark.parametrize(
    ("page", "target"), list(relative_links()), ids=lambda value: str(value).split("/")[-1]
)
def test_a_relative_link_leads_to_a_file_and_its_heading(page, target):
    path, _, anchor = target.partition("#")
    destination = (page.parent / path).resolve() if path else page
    assert destination.exists(), f"{page.name}: {target}"
    if anchor:
        assert anchor in anchors(destination), f"{page.name}: {target}"
