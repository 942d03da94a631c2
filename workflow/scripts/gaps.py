import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import torch

from mnist_vae.analyses.gaps import GAP_COLUMNS, gap_panels, gap_summary
from mnist_vae.data.mnist import load_binarized
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import start_torch
from mnist_vae.pipeline.shards import concatenated
from mnist_vae.report.drawing import save
from mnist_vae.report.gaps import gaps_figure
from mnist_vae.settings import GapsSettings
from mnist_vae.storage.files import write_json
from mnist_vae.storage.tables import write_csv

with rule_logging(snakemake.log[0]):
    start_torch(snakemake.threads)
    settings = GapsSettings.from_config(snakemake.params.settings["gaps"])
    table = concatenated(snakemake.input.shards, "image", GAP_COLUMNS)
    evaluated = concatenated(snakemake.input.evaluated, "image", ["iwae"]).set_index("image")
    data = load_binarized(snakemake.input.data)
    images = table["image"].to_numpy()
    table.insert(1, "label", data["y_test"][images])
    table["iwae"] = evaluated.loc[images, "iwae"].to_numpy()
    write_csv(snakemake.output.per_image, table, index=False)
    write_json(snakemake.output.summary, gap_summary(table))
    x = data["x_test"][images]
    panels = gap_panels(
        load_model(snakemake.input.model), torch.from_numpy(x).float(), table, settings.examples
    )
    save(gaps_figure(table, panels), snakemake.output.figure)
