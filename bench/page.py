"""The benchmark's table, as markdown and CSV, and docs/performance.md."""

import csv
import os
import platform
from pathlib import Path

import torch

from mnist_vae import products

# What was tried and why, copied below the table into docs/performance.md.
NOTES = Path(__file__).with_name("performance_notes.md")


def table(rows):
    lines = [
        "| part | measurement | min | median | max | rounds | ratio to baseline | unit |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for part, name, low, middle, high, rounds, ratio, unit in rows:
        numbers = ["", "", ""] if middle is None else [f"{v:.4g}" for v in (low, middle, high)]
        ratio_text = "" if ratio is None else f"{ratio:.2f}x"
        lines.append(
            f"| {part} | {name} | {' | '.join(numbers)} | {rounds or ''} | {ratio_text} | {unit} |"
        )
    return "\n".join(lines)


def machine():
    return (
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU "
        f"{products.cpu_vendor() or 'of unknown vendor'} ({platform.machine()}), capability "
        f"{torch.backends.cpu.get_cpu_capability()}, {os.cpu_count()} cores; products through "
        f"{products.backend()} by this CPU's choice"
    )


def rows_from_csv(path):
    def number(text):
        return float(text) if text else None

    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)
        return [
            (
                part,
                name,
                number(low),
                number(mid),
                number(high),
                int(rounds or 0),
                number(ratio),
                unit,
            )
            for part, name, low, mid, high, rounds, ratio, unit in reader
        ]


def write_page(path, rows, command):
    text = f"""# Performance

Written by `{command}` (the bench package); do not edit by hand. Every row: min / median /
max over its rounds, timed interleaved with its baseline in the same invocation, and the
ratio of medians to that baseline (a speed-up: higher is better). Absolute numbers drift
from machine to machine; the ratios are what to compare.

{machine()}.

{table(rows)}

{NOTES.read_text()}"""
    Path(path).write_text(text)
