rule metrics_page:
    input:
        metrics=rules.evaluate.output.metrics,
        inpainting=rules.inpainting.output.metrics,
        history=rules.train.output.history,
        gaps=gaps_of_planar_run,
    output:
        page=report(
            "results/{run}/metrics.html",
            caption="../report/metrics_page.rst",
            category="Metrics",
            subcategory="{run}",
        ),
    log:
        "logs/metrics_page/{run}.log",
    benchmark:
        "benchmarks/metrics_page/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code("metrics_page.py"),
    script:
        "../scripts/metrics_page.py"
