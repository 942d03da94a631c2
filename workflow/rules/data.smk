rule download_mnist:
    input:
        unpack(mnist_source_files),
    output:
        **raw_mnist("data/mnist/{raw}"),
        manifest="data/mnist/{raw}/manifest.json",
    log:
        "logs/download_mnist/{raw}.log",
    benchmark:
        "benchmarks/download_mnist/{raw}.tsv"
    conda:
        "../envs/jobs.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        code=code("download_mnist.py"),
        settings=settings_of("download_mnist"),
    script:
        "../scripts/download_mnist.py"


rule binarize:
    input:
        unpack(raw_data_set),
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
