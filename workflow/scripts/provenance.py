from mnist_vae.pipeline.files import write_json
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.runs.provenance import provenance

with rule_logging(snakemake.log[0]):
    params = snakemake.params
    record = provenance(snakemake.wildcards.run, params.settings, params.code_directory)
    write_json(snakemake.output.provenance, record)
