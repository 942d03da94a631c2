rule importance:
    input:
        model=rules.train.output.model,
        data=per_run(data_file),
        shards=shards_of("evaluate"),
        checked="results/{run}/evaluate/shards/checked.json",
    output:
        summary="results/{run}/importance/importance.json",
        per_image="results/{run}/importance/importance_per_image.csv",
    log:
        "logs/importance/{run}.log",
    benchmark:
        "benchmarks/importance/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=minutes(10),
        gpu=gpus("importance"),
    params:
        code=code("importance.py"),
        settings=settings_of("importance"),
    script:
        "../scripts/importance.py"
