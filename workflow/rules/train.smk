rule train:
    input:
        data=per_run(data_file),
    output:
        model="results/{run}/model.pt",
        history=report(
            "results/{run}/history.csv",
            caption="../report/history.rst",
            category="Metrics",
            subcategory="{run}",
        ),
        snapshots="results/{run}/snapshots.pt",
    log:
        "logs/train/{run}.log",
    benchmark:
        "benchmarks/train/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 2
    resources:
        mem_mb=1000,
        runtime=minutes(train_minutes),
        gpu=gpus("train"),
    params:
        code=code("train.py"),
        settings=settings_of("train"),
        # Not an output: Snakemake deletes the outputs of a killed job.
        checkpoint="results/{run}/train.checkpoint.pt",
    script:
        "../scripts/train.py"


rule plot_history:
    input:
        history=rules.train.output.history,
    output:
        figure=report(
            "results/{run}/training_curves.png",
            caption="../report/training_curves.rst",
            category="Training",
            subcategory="{run}",
        ),
    log:
        "logs/plot_history/{run}.log",
    benchmark:
        "benchmarks/plot_history/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code("plot_history.py"),
    script:
        "../scripts/plot_history.py"
