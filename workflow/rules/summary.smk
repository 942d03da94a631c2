rule summary:
    input:
        **summary_inputs(
            {run: record["settings"] for run, record in SUMMARY_RUNS.items()}, built=RUNS
        ),
    output:
        table=report(
            "results/summary.csv",
            caption="../report/summary_csv.rst",
            category="Summary",
            labels={"content": "every setting and metric (CSV)"},
        ),
        page=report(
            "results/summary/summary.html",
            caption="../report/summary_table.rst",
            category="Summary",
            labels={"content": "headline numbers"},
        ),
        latent=report(
            "results/summary/latent_dimension.png",
            caption="../report/summary_latent_dimension.rst",
            category="Summary",
            labels={"content": "bounds against latent dimension"},
        ),
        curves=report(
            "results/summary/training_curves.png",
            caption="../report/summary_training_curves.rst",
            category="Summary",
            labels={"content": "training curves"},
        ),
        objectives_table="results/summary/objectives.csv",
        objectives=report(
            "results/summary/objectives.png",
            caption="../report/summary_objectives.rst",
            category="Summary",
            labels={"content": "training objectives compared"},
        ),
        objectives_over_training=report(
            "results/summary/objectives_over_training.png",
            caption="../report/summary_objectives_over_training.rst",
            category="Summary",
            labels={"content": "the gaps over training, per objective"},
        ),
        objectives_per_image="results/summary/objectives_per_image.csv",
    log:
        "logs/summary.log",
    benchmark:
        "benchmarks/summary.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code("summary.py"),
        # Only what tells the runs apart: a setting of one run that no other changes
        # does not rerun the summary.
        settings=distinguishing_settings(
            {run: record["settings"] for run, record in SUMMARY_RUNS.items()}
        ),
        config={run: " ".join(record["config_files"]) for run, record in SUMMARY_RUNS.items()},
        trained_on={
            run: trained_on(record["settings"]["train"]) for run, record in SUMMARY_RUNS.items()
        },
    script:
        "../scripts/summary.py"
