import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import torch

from mnist_vae.analyses.inpainting import contour_panels
from mnist_vae.data.mnist import load_binarized
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import start_torch
from mnist_vae.report.contours import contours_figure
from mnist_vae.report.drawing import save
from mnist_vae.settings import InpaintingContoursSettings
from mnist_vae.storage.files import read_npz

with rule_logging(snakemake.log[0]):
    start_torch(snakemake.threads)
    examples = InpaintingContoursSettings.from_config(
        snakemake.params.settings["inpainting"]
    ).examples
    vae = load_model(snakemake.input.model)
    x = torch.from_numpy(load_binarized(snakemake.input.data)["x_test"][:examples]).float()
    fit = read_npz(snakemake.input.fit)
    panels = contour_panels(vae, x, fit["labels"], fit, examples)
    save(contours_figure(panels, vae.latent_dim), snakemake.output.contours)
