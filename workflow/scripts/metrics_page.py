import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)

from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.report.pages import run_metrics_page
from mnist_vae.storage.files import read_json, write_text
from mnist_vae.storage.tables import read_csv

with rule_logging(snakemake.log[0]):
    inputs = snakemake.input
    page = run_metrics_page(
        snakemake.wildcards.run,
        read_json(inputs.metrics),
        read_json(inputs.inpainting),
        read_csv(inputs.history, ["epoch", "train_elbo", "heldout_elbo", "seconds"]),
        *(
            (read_json(inputs.gaps), read_csv(inputs.over_training, ["epoch", "split"]))
            if "gaps" in inputs.keys()
            else ()
        ),
    )
    write_text(snakemake.output.page, page)
