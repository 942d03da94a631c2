"""mnist-vae (or python -m mnist_vae): `compare A B`, what differs between two runs,
results folders or git revisions; `curves A B ...`, their training curves overlaid in one
figure; `config RUN`, the config that builds a run again;
`settings-page`, docs/settings.md from the config schema; `docs-pages`, the pages that
quote results, from their templates and the reference run (docs/templates, docs/reference)."""

import argparse
import sys

import yaml

from mnist_vae.docs.settings_page import read_schema, settings_page
from mnist_vae.errors import InputError
from mnist_vae.runs.compare import diff_table, read_history, read_side, render
from mnist_vae.runs.rebuild import rebuild_config


def main(argv=None):
    parser = argparse.ArgumentParser(prog="mnist-vae")
    commands = parser.add_subparsers(dest="command", required=True)
    compare = commands.add_parser(
        "compare", help="metrics that differ between two runs, folders or git revisions"
    )
    compare.add_argument("old", help="a run name, a results folder or a git revision")
    compare.add_argument("new", help="the same, to compare with")
    compare.add_argument("--run", default="assignment", help="the run, for git revisions")
    compare.add_argument("--all", action="store_true", help="show unchanged metrics too")
    compare.add_argument("--timings", action="store_true", help="show the rules' wall times")
    compare.add_argument("--format", choices=("markdown", "csv", "json"), default="markdown")
    curves = commands.add_parser(
        "curves", help="training curves of runs, folders or git revisions, overlaid"
    )
    curves.add_argument("runs", nargs="+", help="run names, results folders or git revisions")
    curves.add_argument("--run", default="assignment", help="the run, for git revisions")
    curves.add_argument("-o", "--output", default="curves.png", help="the figure (png, pdf, svg)")
    config = commands.add_parser(
        "config", help="the config that builds a run again, from its folder alone"
    )
    config.add_argument("run", help="a run name or its results folder")
    commands.add_parser("settings-page", help="docs/settings.md, from the config schema")
    pages = commands.add_parser(
        "docs-pages", help="docs pages quoting results, from docs/templates and docs/reference"
    )
    pages.add_argument(
        "--from",
        dest="run_folder",
        help="first make a finished run (results/assignment) the reference: copy its small "
        "files and its rules' benchmark times into docs/reference",
    )
    pages.add_argument(
        "--log",
        help="with --from: Snakemake's log of that run's build (.snakemake/log/...), whose "
        "wall time goes into docs/reference/assignment/timing.json",
    )
    pages.add_argument(
        "--sweep-from",
        dest="sweep_results",
        help="first make a finished objectives sweep (its results folder, results) the "
        "reference: copy its summary tables, figures and wall time into docs",
    )
    args = parser.parse_args(argv)
    if args.command == "settings-page":
        sys.stdout.write(settings_page(read_schema()))
        return
    if args.command == "docs-pages":
        from mnist_vae.docs.pages import write_pages  # pandas and Jinja2, here only
        from mnist_vae.docs.reference import copy_reference, copy_sweep_reference

        if args.run_folder:
            if not args.log:
                sys.exit("error: --from needs --log, Snakemake's log of the run's build")
            try:
                copy_reference(args.run_folder, "benchmarks", args.log)
            except InputError as e:
                sys.exit(f"error: {e}")
        if args.sweep_results:
            copy_sweep_reference(args.sweep_results, "benchmarks")
        write_pages()
        return
    try:
        if args.command == "curves":
            histories = {spec: read_history(spec, args.run) for spec in args.runs}
            from mnist_vae.report.drawing import save  # matplotlib, here only
            from mnist_vae.report.training_curves import compared_training_curves_figure

            save(compared_training_curves_figure(histories), args.output)
            print(f"written to {args.output}", file=sys.stderr)
            return
        if args.command == "config":
            sys.stdout.write(yaml.safe_dump(rebuild_config(args.run), sort_keys=False))
            return
        old, new = (read_side(spec, args.run) for spec in (args.old, args.new))
    except InputError as e:
        sys.exit(f"error: {e}")
    sys.stdout.write(render(diff_table(old, new, args.all, args.timings), args.format))


if __name__ == "__main__":
    main()
