import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)

from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.report.drawing import save
from mnist_vae.report.training_curves import training_curves_figure
from mnist_vae.storage.tables import read_csv

HISTORY_COLUMNS = ("epoch", "train_elbo", "heldout_elbo", "heldout_log_px")

with rule_logging(snakemake.log[0]):
    save(
        training_curves_figure(read_csv(snakemake.input.history, HISTORY_COLUMNS)),
        snakemake.output.figure,
    )
