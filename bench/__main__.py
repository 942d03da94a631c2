"""Speed of the pipeline's hot paths, each against a baseline timed in the same invocation.

    python -m bench --quick            # about 8 minutes on 2 cores, into results/bench/
    python -m bench --smoke --csv C --page P   # every part once on a tiny
                                                 # budget (the tests' check that it runs)
    python -m bench                    # about 35 minutes, 3 rounds of the train
                                                 # rule and 3-seed training

Absolute times drift from machine to machine and with the load on a shared one; ratios
between codes timed side by side, interleaved and repeated, do not. Every row gives the
min / median / max over its rounds and its ratio (of medians) to its baseline. Writes the
page and the CSV under results/bench/ (untracked); --docs writes the committed ones,
docs/performance.md and bench/results.csv, instead. Runs on the CPU with --threads
threads. The JAX peer's row needs `pip install -e .[bench]`.
"""

import argparse
import csv
import sys
from pathlib import Path

import torch

from bench.evaluation import evaluation_rows
from bench.gap_split import gap_split_rows
from bench.gemm import gemm_rows
from bench.inpainting import inpainting_rows
from bench.page import machine, rows_from_csv, table, write_page
from bench.timing import (
    REPO,
    mnist,
)
from bench.training import monitor_accuracy_rows, seed_rows, train_rule_rows, training_rows
from mnist_vae.model import build_vae
from mnist_vae.settings import ModelSettings, TrainSettings
from mnist_vae.train import train


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer epochs, images, rounds")
    mode.add_argument(
        "--smoke",
        action="store_true",
        help="every part once on a few images, without the train rule and the JAX peer: "
        "checks that the benchmark runs; its times mean little",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", help="a trained model.pt for evaluation and inpainting")
    parser.add_argument("--csv", default=str(REPO / "results" / "bench" / "results.csv"))
    parser.add_argument("--page", default=str(REPO / "results" / "bench" / "performance.md"))
    parser.add_argument(
        "--docs",
        action="store_true",
        help="write the committed docs/performance.md and bench/results.csv instead",
    )
    parser.add_argument(
        "--page-only",
        metavar="COMMAND",
        help="rewrite the page from --csv and the notes, measuring nothing; COMMAND is the "
        "benchmark command that wrote the CSV",
    )
    args = parser.parse_args()
    if args.docs:
        args.csv = str(Path(__file__).with_name("results.csv"))
        args.page = str(REPO / "docs" / "performance.md")
    Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
    Path(args.page).parent.mkdir(parents=True, exist_ok=True)
    if args.page_only:
        write_page(args.page, rows_from_csv(args.csv), args.page_only)
        return
    torch.set_num_threads(args.threads)
    quick, smoke = args.quick, args.smoke
    x_train, x_test = mnist("train", 10000), mnist("test", 10000)

    def budget(full, short, tiny):
        return tiny if smoke else short if quick else full

    rows, best_rate = gemm_rows(rounds=budget(15, 5, 1))
    training, textbook_epoch_seconds = training_rows(
        x_train, rounds=budget(30, 9, 1), images_per_round=budget(2000, 2000, 200)
    )
    rows += training
    print(table(rows), flush=True)
    if not smoke:
        rows += train_rule_rows(
            x_train, rounds=1 if quick else 3, textbook_epoch_seconds=textbook_epoch_seconds
        )
    rows += monitor_accuracy_rows(x_train[: budget(10000, 10000, 500)], x_test, budget(100, 5, 1))
    if not (quick or smoke):
        rows += seed_rows(x_train, x_test, epochs=100)
    if args.model:
        from mnist_vae.model import load_model

        vae = load_model(args.model)
    else:  # trained briefly: the speed does not depend on the weights, the SVI a little
        vae = build_vae(ModelSettings(), 0)
        epochs = budget(5, 5, 1)
        train(vae, x_train, x_test, TrainSettings(epochs=epochs, log_px_every=epochs))
        vae.eval().requires_grad_(False)
    rounds = budget(3, 3, 1)
    rows += evaluation_rows(
        vae, x_test, x_train, n_iwae=budget(100, 20, 2), rounds=rounds, best_rate=best_rate
    )
    rows += inpainting_rows(vae, x_test, n_digits=budget(200, 50, 4), rounds=rounds)
    rows += gap_split_rows(vae, x_test, n_images=budget(256, 64, 16), rounds=rounds)

    print(f"\n{table(rows)}\n\n{machine()}")
    with open(args.csv, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["part", "measurement", "min", "median", "max", "rounds", "ratio", "unit"])
        writer.writerows(rows)
    command = "python -m bench" + (" --quick" if quick else " --smoke" if smoke else "")
    command += " --docs" if args.docs else ""
    write_page(args.page, rows, command)
    print(f"written to {args.csv} and {args.page}", file=sys.stderr)


if __name__ == "__main__":
    main()
