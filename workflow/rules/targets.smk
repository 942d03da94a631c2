# One target per run: `snakemake run_<name>` builds that run and nothing else.
for name in RUNS:

    rule:
        name:
            f"run_{name}"
        input:
            run_outputs(name, RUNS[name]),
