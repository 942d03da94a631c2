rule gaps_shard:
    input:
        model=rules.train.output.model,
        data=per_run(data_file),
        evaluated=shards_of("evaluate"),
        evaluated_checked="results/{run}/evaluate/shards/checked.json",
    output:
        per_image="results/{run}/gaps/shards/{scatteritem}.csv",
    log:
        "logs/gaps_shard/{run}/{scatteritem}.log",
    benchmark:
        "benchmarks/gaps_shard/{run}/{scatteritem}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=minutes(15),
        gpu=gpus("gaps"),
    params:
        code=code("gaps_shard.py"),
        settings=settings_of("gaps_shard"),
    script:
        "../scripts/gaps_shard.py"


rule gaps:
    input:
        shards=shards_of("gaps"),
        checked="results/{run}/gaps/shards/checked.json",
        model=rules.train.output.model,
        data=per_run(data_file),
        evaluated=shards_of("evaluate"),
        evaluated_checked="results/{run}/evaluate/shards/checked.json",
    output:
        summary="results/{run}/gaps/gaps.json",
        per_image="results/{run}/gaps/gaps_per_image.csv",
        figure=report(
            "results/{run}/gaps/gaps.png",
            caption="../report/gaps.rst",
            category="Inference gaps",
            subcategory="{run}",
        ),
    log:
        "logs/gaps/{run}.log",
    benchmark:
        "benchmarks/gaps/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 2
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("gaps.py"),
        settings=settings_of("gaps"),
    script:
        "../scripts/gaps.py"


rule gaps_over_training:
    input:
        snapshots=rules.train.output.snapshots,
        model=rules.train.output.model,
        data=per_run(data_file),
    output:
        table="results/{run}/gaps/over_training.csv",
        figure=report(
            "results/{run}/gaps/over_training.png",
            caption="../report/gaps_over_training.rst",
            category="Inference gaps",
            subcategory="{run}",
        ),
    log:
        "logs/gaps_over_training/{run}.log",
    benchmark:
        "benchmarks/gaps_over_training/{run}.tsv"
    # first among the jobs ready after train: the longest, or on the way to the gap split
    priority: 10
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        # peak RSS 665-1202 MB over the runs measured (glibc's heap varies run to run)
        mem_mb=1500,
        runtime=minutes(20),
        gpu=gpus("gaps"),
    params:
        code=code("gaps_over_training.py"),
        settings=settings_of("gaps_over_training"),
    script:
        "../scripts/gaps_over_training.py"
