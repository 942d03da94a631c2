rule download_mnist:
    input:
        unpack(mnist_source_files),
    output:
        **raw_mnist(RAW_MNIST),
        manifest=f"{RAW_MNIST}/manifest.json",
    log:
        "logs/download_mnist.log",
    benchmark:
        "benchmarks/download_mnist.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        code=code("download_mnist.py"),
        settings=plan.rule_settings(config, "download_mnist"),
    script:
        "../scripts/download_mnist.py"


rule binarize:
    input:
        **raw_mnist(RAW_MNIST),
    output:
        data="data/mnist/binarized-{data_set}.npz",
    log:
        "logs/binarize/{data_set}.log",
    benchmark:
        "benchmarks/binarize/{data_set}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code("binarize.py"),
        settings=settings_of("binarize"),
    script:
        "../scripts/binarize.py"
