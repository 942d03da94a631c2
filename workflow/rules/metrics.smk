rule metrics_page:
    input:
        # what the summary reads of the run
        unpack(per_run(summarised_files)),
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
