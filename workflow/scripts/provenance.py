import logging

import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)

from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.runs.provenance import provenance
from mnist_vae.runs.targets import stale_files
from mnist_vae.storage.files import remove, write_json

with rule_logging(snakemake.log[0]):
    params = snakemake.params
    run = snakemake.wildcards.run
    for path in stale_files(run, params.settings):
        remove(path)
        logging.warning(
            "removed %s: made when run %s had another latent dimension (now %d)",
            path,
            run,
            params.settings["model"]["latent_dim"],
        )
    record = provenance(
        run,
        params.settings,
        params.code_directory,
        snakemake.input.data,
        params.config_files,
        params.shards,
    )
    write_json(snakemake.output.provenance, record)
