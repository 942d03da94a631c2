# Each stage's shards checked before its gather starts: Snakemake removes a job's outputs
# when the job starts, so a damaged shard found by the gather itself would cost the last
# good run's metrics; found here, it costs nothing but this check's own record.
rule check_shards:
    input:
        shards=stage_shards,
    output:
        checked="results/{run}/{stage}/shards/checked.json",
    log:
        "logs/check_shards/{run}/{stage}.log",
    benchmark:
        "benchmarks/check_shards/{run}/{stage}.tsv"
    wildcard_constraints:
        stage="evaluate|inpainting|gaps",
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code("check_shards.py"),
        layout=lambda wildcards: shard_layout(wildcards.stage, RUNS[wildcards.run]),
    script:
        "../scripts/check_shards.py"
