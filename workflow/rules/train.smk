rule train:
    input:
        data=rules.binarize.output.data,
        code=code("train.py"),
    output:
        model="results/{run}/model.pt",
        history="results/{run}/history.csv",
    params:
        settings=train_params,
        # Not an output: Snakemake deletes the outputs of a killed job.
        checkpoint="results/{run}/train.checkpoint.pt",
    log:
        "logs/train/{run}.log",
    benchmark:
        "benchmarks/train/{run}.tsv"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=60,
    conda:
        "../../environment.yml"
    script:
        "../scripts/train.py"
