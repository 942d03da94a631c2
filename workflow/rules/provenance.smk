rule provenance:
    input:
        per_run(products),
        data=per_run(data_file),
    output:
        provenance="results/{run}/provenance.json",
    log:
        "logs/provenance/{run}.log",
    benchmark:
        "benchmarks/provenance/{run}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code("provenance.py"),
        settings=lambda wildcards: RUNS[wildcards.run],
        code_directory=os.path.relpath(PACKAGE_SOURCE.parent),
        config_files=lambda wildcards: config_files(wildcards.run),
        shards=config["shards"],
    script:
        "../scripts/provenance.py"
