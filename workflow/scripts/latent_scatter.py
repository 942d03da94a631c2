import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import pandas as pd
import torch

from mnist_vae.analyses.latent import posterior_means, project_2d, scatter_title
from mnist_vae.data.mnist import load_binarized
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import start_torch
from mnist_vae.report.drawing import save
from mnist_vae.report.latent_scatter import latent_scatter_figure
from mnist_vae.settings import LatentScatterSettings
from mnist_vae.storage.tables import write_csv

with rule_logging(snakemake.log[0]):
    start_torch(snakemake.threads)
    settings = LatentScatterSettings.from_config(snakemake.params.settings["latent_scatter"])
    vae = load_model(snakemake.input.model)
    data = load_binarized(snakemake.input.data)
    z = posterior_means(vae.encoder, torch.from_numpy(data["x_train"]).float())
    points, axis_names = project_2d(z, settings.projection)
    table = pd.DataFrame(z.numpy(), columns=[f"z{i + 1}" for i in range(z.shape[1])])
    table.insert(0, "label", data["y_train"])
    table[["plot_x", "plot_y"]] = points.numpy()
    write_csv(snakemake.output.data, table, index_label="image")
    title = scatter_title(len(z), vae.latent_dim, settings.projection)
    save(
        latent_scatter_figure(points.numpy(), data["y_train"], axis_names, title),
        snakemake.output.figure,
    )
