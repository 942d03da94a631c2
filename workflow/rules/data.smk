rule download_mnist:
    input:
        unpack(mnist_source_files),
        code=code("download_mnist.py"),
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
        source=config["data"]["source"],
        local_dir=config["data"]["local_dir"],
        mirrors=config["data"]["mirrors"],
        md5=config["data"]["md5"],
        timeout=config["data"]["timeout"],
    script:
        "../scripts/download_mnist.py"


rule binarize:
    input:
        **raw_mnist(RAW_MNIST),
        code=code("binarize.py"),
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
        threshold=data_set_params("threshold"),
        n_train=data_set_params("n_train"),
        n_test=data_set_params("n_test"),
    script:
        "../scripts/binarize.py"
