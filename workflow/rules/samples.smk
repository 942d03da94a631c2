rule samples:
    input:
        model=rules.train.output.model,
    output:
        figure=report(
            "results/{run}/samples/samples.png",
            caption="../report/samples.rst",
            category="Samples",
            subcategory="{run}",
        ),
        data="results/{run}/samples/samples.npz",
    log:
        "logs/samples/{run}.log",
    benchmark:
        "benchmarks/samples/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("samples.py"),
        settings=settings_of("samples"),
    script:
        "../scripts/samples.py"


rule manifold:
    input:
        model=rules.train.output.model,
    output:
        figure=report(
            "results/{run}/samples/manifold.png",
            caption="../report/manifold.rst",
            category="Samples",
            subcategory="{run}",
        ),
    log:
        "logs/manifold/{run}.log",
    benchmark:
        "benchmarks/manifold/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("manifold.py"),
        settings=settings_of("manifold"),
    script:
        "../scripts/manifold.py"
