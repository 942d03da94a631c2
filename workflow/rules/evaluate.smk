rule evaluate_shard:
    input:
        model=rules.train.output.model,
        data=per_run(data_file),
    output:
        per_image="results/{run}/evaluate/shards/{scatteritem}.csv",
    log:
        "logs/evaluate_shard/{run}/{scatteritem}.log",
    benchmark:
        "benchmarks/evaluate_shard/{run}/{scatteritem}.tsv"
    # first among the jobs ready after train: the longest, or on the way to the gap split
    priority: 10
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=minutes(30),
        gpu=gpus("evaluate"),
    params:
        code=code("evaluate_shard.py"),
        settings=settings_of("evaluate_shard"),
    script:
        "../scripts/evaluate_shard.py"


rule evaluate:
    input:
        shards=shards_of("evaluate"),
        checked="results/{run}/evaluate/shards/checked.json",
        model=rules.train.output.model,
        data=per_run(data_file),
        importance=per_run(importance_summary),
    output:
        metrics="results/{run}/metrics.json",
        per_image=report(
            "results/{run}/test_per_image.csv",
            caption="../report/test_per_image.rst",
            category="Metrics",
            subcategory="{run}",
        ),
    log:
        "logs/evaluate/{run}.log",
    benchmark:
        "benchmarks/evaluate/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 2
    resources:
        mem_mb=1000,
        runtime=minutes(10),
        gpu=gpus("evaluate"),
    params:
        code=code("evaluate.py"),
        settings=settings_of("evaluate"),
    script:
        "../scripts/evaluate.py"
