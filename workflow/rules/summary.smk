rule summary:
    input:
        metrics=expand("results/{run}/metrics.json", run=run_names()),
        inpainting=expand("results/{run}/inpainting/inpainting_metrics.json", run=run_names()),
        history=expand("results/{run}/history.csv", run=run_names()),
        code=code("summary.py"),
    output:
        table=report(
            "results/summary.csv",
            caption="../report/summary_table.rst",
            category="Summary",
        ),
        latent=report(
            "results/summary/latent_dimension.png",
            caption="../report/summary_latent_dimension.rst",
            category="Summary",
        ),
        curves=report(
            "results/summary/training_curves.png",
            caption="../report/summary_training_curves.rst",
            category="Summary",
        ),
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
        # Only what tells the runs apart: a setting of one run that no other changes
        # does not rerun the summary.
        settings=distinguishing_settings(RUNS),
    script:
        "../scripts/summary.py"
