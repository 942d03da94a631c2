"""The repository's documentation tooling: the pages that quote results (pages.py, from
templates and the reference files that reference.py copies from a finished run) and the
settings page (settings_page.py, from the config schema). They write files of the checkout,
not of a workflow run, so they work from an editable install of it: `REPOSITORY` is the
one place that finds it."""

from pathlib import Path

# src/mnist_vae/docs/__init__.py -> the checkout
REPOSITORY = Path(__file__).resolve().parents[3]
DOCS = REPOSITORY / "docs"
