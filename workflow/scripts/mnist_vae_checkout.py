"""Imported first by every script: puts this checkout's src/ first on sys.path, so that a
job runs the package whose files the rules track, whatever the job's environment has
installed and whatever it does to PYTHONPATH (Snakemake clears it in conda jobs). Snakemake
puts a local script's own folder on sys.path, which is how scripts find this module."""

import sys
from pathlib import Path

SOURCE = str(Path(__file__).resolve().parents[2] / "src")
if sys.path[0] != SOURCE:
    sys.path.insert(0, SOURCE)
