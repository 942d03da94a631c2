import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import torch

from mnist_vae.analyses.generate import ancestral_samples
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import start_torch
from mnist_vae.report.drawing import save
from mnist_vae.report.samples import samples_figure
from mnist_vae.settings import SamplesSettings
from mnist_vae.storage.files import write_npz

with rule_logging(snakemake.log[0]):
    start_torch(snakemake.threads)
    settings = SamplesSettings.from_config(snakemake.params.settings["samples"])
    vae = load_model(snakemake.input.model)
    generator = torch.Generator().manual_seed(settings.seed)
    z, means, binary = ancestral_samples(vae.decoder, settings.n, vae.latent_dim, generator)
    write_npz(snakemake.output.data, z=z.numpy(), means=means.numpy(), binary=binary.numpy())
    save(samples_figure(means.numpy(), binary.numpy()), snakemake.output.figure)
