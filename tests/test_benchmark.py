"""The benchmark runs: its --smoke mode (every part once, on a few images) writes the table
and the page, so that the benchmark cannot break unnoticed between its real runs."""

import csv
import math
import subprocess
import sys

from helpers import REPO


def test_the_benchmark_in_smoke_mode_writes_every_part_to_the_table_and_the_page(tmp_path):
    table, page = tmp_path / "results.csv", tmp_path / "performance.md"
    command = [sys.executable, "-m", "bench", "--smoke", "--csv", table, "--page", page]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True, timeout=900)
    with open(table, newline="") as f:
        rows = list(csv.DictReader(f))
    parts = {row["part"] for row in rows}
    assert {"products", "training", "evaluation", "inpainting"} <= parts
    assert all(math.isfinite(float(row["median"])) for row in rows)  # every part measured
    text = page.read_text()
    assert text.startswith("# Performance") and "python -m bench --smoke" in text
    assert all(row["measurement"] in text for row in rows)
