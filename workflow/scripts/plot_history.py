import pandas as pd

from mnist_vae.logs import rule_logging
from mnist_vae.plots import save, training_curves_figure

with rule_logging(snakemake.log[0]):
    save(training_curves_figure(pd.read_csv(snakemake.input.history)), snakemake.output.figure)
