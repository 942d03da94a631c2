import logging

import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import torch

from mnist_vae.data.mnist import load_binarized
from mnist_vae.evaluate import evaluate_images
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import resolve_device, start_torch
from mnist_vae.pipeline.shards import shard_images, shard_number
from mnist_vae.settings import EvaluateSettings
from mnist_vae.storage.tables import write_csv

with rule_logging(snakemake.log[0]):
    settings = EvaluateSettings.from_config(snakemake.params.settings["evaluate"])
    device = resolve_device(settings.device, "evaluate.device")
    start_torch(snakemake.threads, device)
    vae = load_model(snakemake.input.model, device)
    x_test = torch.from_numpy(load_binarized(snakemake.input.data)["x_test"]).float().to(device)
    shard, n_shards = shard_number(snakemake.wildcards.scatteritem)
    images = shard_images(len(x_test), shard, n_shards, settings.batch_size)
    logging.info("Shard %d of %d: test images %d to %d", shard, n_shards, images.start, images.stop)
    per_image = evaluate_images(vae, x_test, images, settings)
    write_csv(snakemake.output.per_image, per_image, index=False)
