import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import torch

from mnist_vae.data.mnist import load_binarized
from mnist_vae.evaluate import test_metrics, train_elbo
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import resolve_device, start_torch
from mnist_vae.pipeline.shards import concatenated
from mnist_vae.settings import EvaluateSettings
from mnist_vae.storage.files import read_json, write_json
from mnist_vae.storage.tables import write_csv

with rule_logging(snakemake.log[0]):
    settings = EvaluateSettings.from_config(snakemake.params.settings["evaluate"])
    device = resolve_device(settings.device, "evaluate.device")
    start_torch(snakemake.threads, device)
    vae = load_model(snakemake.input.model, device)
    data = load_binarized(snakemake.input.data)
    per_image = concatenated(snakemake.input.shards, "image")
    train_values = train_elbo(vae, torch.from_numpy(data["x_train"]).float().to(device), settings)
    metrics, per_image = test_metrics(per_image, train_values, settings)
    for path in snakemake.input.importance:  # a Dz = 2 run's one file, else none
        metrics["test"]["importance"] = read_json(path)
    per_image.insert(1, "label", data["y_test"][per_image["image"].to_numpy(int)])
    write_json(snakemake.output.metrics, metrics)
    write_csv(snakemake.output.per_image, per_image, index=False)
