rule samples:
    input:
        model=rules.train.output.model,
        code=code("samples.py"),
    output:
        figure=report(
            "results/{run}/samples/samples.png",
            caption="../report/samples.rst",
            category="Samples",
            subcategory="{run}",
        ),
        data="results/{run}/samples/samples.npz",
    params:
        settings=section_params("samples"),
    log:
        "logs/samples/{run}.log",
    benchmark:
        "benchmarks/samples/{run}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../environment.yml"
    script:
        "../scripts/samples.py"


rule manifold:
    input:
        model=rules.train.output.model,
        code=code("manifold.py"),
    output:
        figure=report(
            "results/{run}/samples/manifold.png",
            caption="../report/manifold.rst",
            category="Samples",
            subcategory="{run}",
        ),
    params:
        settings=section_params("manifold"),
    log:
        "logs/manifold/{run}.log",
    benchmark:
        "benchmarks/manifold/{run}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../environment.yml"
    script:
        "../scripts/manifold.py"
