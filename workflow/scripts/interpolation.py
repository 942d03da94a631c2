import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import torch

from mnist_vae.analyses.interpolation import interpolation_pairs, interpolation_path
from mnist_vae.data.mnist import load_binarized
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import start_torch
from mnist_vae.report.drawing import save
from mnist_vae.report.interpolation import interpolation_figure
from mnist_vae.settings import InterpolationSettings
from mnist_vae.storage.files import write_npz

with rule_logging(snakemake.log[0]):
    start_torch(snakemake.threads)
    settings = InterpolationSettings.from_config(snakemake.params.settings["interpolation"])
    vae = load_model(snakemake.input.model)
    data = load_binarized(snakemake.input.data)
    x, labels = torch.from_numpy(data["x_train"]).float(), data["y_train"]
    pairs = interpolation_pairs(labels, settings)
    start, end = x[pairs[:, 0]], x[pairs[:, 1]]
    alphas, z, means = interpolation_path(vae, start, end, settings.points)
    write_npz(
        snakemake.output.data,
        pairs=pairs.numpy(),
        labels=labels[pairs.numpy()],
        alphas=alphas.numpy(),
        z=z.numpy(),
        means=means.numpy(),
    )
    figure = interpolation_figure(
        start.numpy(),
        end.numpy(),
        means.numpy(),
        alphas.numpy(),
        *labels[pairs.numpy()].T,
    )
    save(figure, snakemake.output.figure)
