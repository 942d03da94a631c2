rule evaluate:
    input:
        model=rules.train.output.model,
        data=rules.binarize.output.data,
        code=code("evaluate.py"),
    output:
        metrics="results/{run}/metrics.json",
        per_image="results/{run}/test_per_image.csv",
    params:
        settings=section_params("evaluate"),
    log:
        "logs/evaluate/{run}.log",
    benchmark:
        "benchmarks/evaluate/{run}.tsv"
    threads: 2
    resources:
        mem_mb=3000,
        runtime=minutes(45),
    conda:
        "../../environment.yml"
    script:
        "../scripts/evaluate.py"
