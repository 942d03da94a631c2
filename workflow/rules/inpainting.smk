rule inpainting_fit:
    input:
        model=rules.train.output.model,
        data=per_run(data_file),
    output:
        fit="results/{run}/inpainting/shards/{scatteritem}.npz",
    log:
        "logs/inpainting_fit/{run}/{scatteritem}.log",
    benchmark:
        "benchmarks/inpainting_fit/{run}/{scatteritem}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=minutes(10),
        gpu=gpus("inpainting"),
    params:
        code=code("inpainting_fit.py"),
        settings=settings_of("inpainting_fit"),
    script:
        "../scripts/inpainting_fit.py"


rule inpainting:
    input:
        shards=shards_of("inpainting"),
        checked="results/{run}/inpainting/shards/checked.json",
        model=rules.train.output.model,
        data=per_run(data_file),
    output:
        metrics="results/{run}/inpainting/inpainting_metrics.json",
        fit="results/{run}/inpainting/inpainting_fit.npz",
        completions=report(
            "results/{run}/inpainting/completions.png",
            caption="../report/inpainting_completions.rst",
            category="Inpainting",
            subcategory="{run}",
        ),
    log:
        "logs/inpainting/{run}.log",
    benchmark:
        "benchmarks/inpainting/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=minutes(5),
    params:
        code=code("inpainting.py"),
        settings=settings_of("inpainting"),
    script:
        "../scripts/inpainting.py"


rule inpainting_contours:
    input:
        fit=rules.inpainting.output.fit,
        model=rules.train.output.model,
        data=per_run(data_file),
    output:
        contours=report(
            "results/{run}/inpainting/contours.png",
            caption="../report/inpainting_contours.rst",
            category="Inpainting",
            subcategory="{run}",
        ),
    log:
        "logs/inpainting_contours/{run}.log",
    benchmark:
        "benchmarks/inpainting_contours/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("inpainting_contours.py"),
        settings=settings_of("inpainting_contours"),
    script:
        "../scripts/inpainting_contours.py"
