from pathlib import Path

import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)

from mnist_vae.data.download import fetch_mnist
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.settings import DownloadMnistSettings
from mnist_vae.storage.files import write_json

with rule_logging(snakemake.log[0]):
    settings = DownloadMnistSettings.from_config(snakemake.params.settings["data"])
    manifest = fetch_mnist(
        Path(snakemake.output.manifest).parent,
        local_dir=settings.local_dir if settings.source == "local" else None,
        mirrors=settings.mirrors,
        md5s=settings.md5,
        timeout=settings.timeout,
    )
    write_json(snakemake.output.manifest, manifest)
