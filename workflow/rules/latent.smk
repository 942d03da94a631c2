rule latent_scatter:
    input:
        model=rules.train.output.model,
        data=per_run(data_file),
    output:
        figure=report(
            "results/{run}/latent/latent_scatter.png",
            caption="../report/latent_scatter.rst",
            category="Latent space",
            subcategory="{run}",
        ),
        data="results/{run}/latent/latent_means.csv",
    log:
        "logs/latent_scatter/{run}.log",
    benchmark:
        "benchmarks/latent_scatter/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("latent_scatter.py"),
        settings=settings_of("latent_scatter"),
    script:
        "../scripts/latent_scatter.py"
