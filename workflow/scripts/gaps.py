import torch

from mnist_vae.analyses.gaps import GapSettings, gap_summary, inference_gaps
from mnist_vae.data.mnist import load_binarized
from mnist_vae.model import load_model
from mnist_vae.pipeline.files import write_json
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.tables import read_csv, write_csv
from mnist_vae.plots import gaps_figure, save

with rule_logging(snakemake.log[0]):
    torch.set_num_threads(snakemake.threads)
    settings = GapSettings.from_config(snakemake.params.settings)
    vae = load_model(snakemake.input.model)
    data = load_binarized(snakemake.input.data)
    n = settings.images
    x = torch.from_numpy(data["x_test"][:n]).float()
    evaluated = read_csv(snakemake.input.per_image, ["image", "label", "log_px", "iwae"])
    evaluated = evaluated.sort_values("image").iloc[:n]
    table = inference_gaps(vae, x, evaluated["image"].to_numpy(), evaluated["log_px"], settings)
    table.insert(1, "label", evaluated["label"].to_numpy())
    table["iwae"] = evaluated["iwae"].to_numpy()
    write_csv(snakemake.output.per_image, table, index=False)
    write_json(snakemake.output.summary, gap_summary(table))
    save(gaps_figure(table, x.numpy()), snakemake.output.figure)
