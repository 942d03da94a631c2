import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import pandas as pd
import torch

from mnist_vae.analyses.gaps import GAP_COLUMNS, inference_gaps
from mnist_vae.data.mnist import load_binarized
from mnist_vae.inference.quadrature import posterior_starts
from mnist_vae.inference.svi import IMAGE_CHUNK
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import resolve_device, start_torch
from mnist_vae.pipeline.shards import concatenated, shard_images, shard_number
from mnist_vae.settings import GapsShardSettings
from mnist_vae.storage.tables import write_csv

with rule_logging(snakemake.log[0]):
    settings = GapsShardSettings.from_config(snakemake.params.settings["gaps"])
    device = resolve_device(settings.device, "gaps.device")
    start_torch(snakemake.threads, device)
    vae = load_model(snakemake.input.model, device)
    shard, n_shards = shard_number(snakemake.wildcards.scatteritem)
    images = list(shard_images(settings.images, shard, n_shards, IMAGE_CHUNK))
    if images:
        x_test = load_binarized(snakemake.input.data)["x_test"][images]
        x = torch.from_numpy(x_test).float().to(device)
        evaluated = concatenated(snakemake.input.evaluated, "image", ["log_px"])
        log_px = evaluated.set_index("image")
        grid = settings.quadrature
        # blocks of images aligned with the shard's chunks: its images' numbers do not
        # depend on how the images are sharded
        starts = posterior_starts(
            x, vae.decoder, grid.limit, grid.points, settings.peak_mass, block_size=IMAGE_CHUNK
        )
        table = inference_gaps(
            vae, x, images, log_px.loc[images, "log_px"].to_numpy(), starts, settings
        )
    else:  # more shards than blocks of images
        table = pd.DataFrame(columns=GAP_COLUMNS)
    write_csv(snakemake.output.per_image, table, index=False)
