import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)

from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.shards import check_shards
from mnist_vae.storage.files import write_json

with rule_logging(snakemake.log[0]):
    items = check_shards(snakemake.input.shards, **snakemake.params.layout)
    write_json(snakemake.output.checked, items)
