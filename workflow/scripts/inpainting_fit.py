import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import torch

from mnist_vae.analyses.inpainting import fit_digits
from mnist_vae.data.mnist import load_binarized
from mnist_vae.inference.svi import IMAGE_CHUNK
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import resolve_device, start_torch
from mnist_vae.pipeline.shards import shard_images, shard_number
from mnist_vae.settings import InpaintingFitSettings
from mnist_vae.storage.files import write_npz

with rule_logging(snakemake.log[0]):
    settings = InpaintingFitSettings.from_config(snakemake.params.settings["inpainting"])
    device = resolve_device(settings.device, "inpainting.device")
    start_torch(snakemake.threads, device)
    vae = load_model(snakemake.input.model, device)
    x_test = load_binarized(snakemake.input.data)["x_test"][: settings.digits]
    x = torch.from_numpy(x_test).float().to(device)
    shard, n_shards = shard_number(snakemake.wildcards.scatteritem)
    digits = shard_images(len(x), shard, n_shards, IMAGE_CHUNK)
    fit, seconds = fit_digits(vae, x, digits, settings.svi)
    write_npz(snakemake.output.fit, seconds=seconds, **fit)
