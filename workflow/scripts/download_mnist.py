from pathlib import Path

from mnist_vae.data.download import fetch_mnist
from mnist_vae.pipeline.files import write_json
from mnist_vae.pipeline.logs import rule_logging

with rule_logging(snakemake.log[0]):
    params = snakemake.params
    manifest = fetch_mnist(
        Path(snakemake.output.manifest).parent,
        local_dir=params.local_dir if params.source == "local" else None,
        mirrors=params.mirrors,
        md5s=params.md5,
        timeout=params.timeout,
    )
    write_json(snakemake.output.manifest, manifest)
