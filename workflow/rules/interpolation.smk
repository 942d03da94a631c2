rule interpolation:
    input:
        model=rules.train.output.model,
        data=per_run(data_file),
    output:
        figure=report(
            "results/{run}/interpolation/interpolation.png",
            caption="../report/interpolation.rst",
            category="Latent space",
            subcategory="{run}",
        ),
        data="results/{run}/interpolation/interpolation.npz",
    log:
        "logs/interpolation/{run}.log",
    benchmark:
        "benchmarks/interpolation/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("interpolation.py"),
        settings=settings_of("interpolation"),
    script:
        "../scripts/interpolation.py"
