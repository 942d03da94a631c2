import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import pandas as pd
import torch

from mnist_vae.data.mnist import load_binarized
from mnist_vae.model import build_vae, save_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import resolve_device, software_versions, start_torch
from mnist_vae.settings import ModelSettings, TrainSettings
from mnist_vae.storage.tables import write_csv
from mnist_vae.storage.torch_files import write_torch
from mnist_vae.train import remove_checkpoint, train

with rule_logging(snakemake.log[0]):
    settings = snakemake.params.settings
    model_settings = ModelSettings.from_config(settings["model"])
    train_settings = TrainSettings.from_config(settings["train"])
    device = resolve_device(train_settings.device, "train.device")
    start_torch(snakemake.threads, device)
    data = load_binarized(snakemake.input.data)
    vae = build_vae(model_settings, train_settings.seed).to(device)
    snapshots = {}
    history = train(
        vae,
        torch.from_numpy(data["x_train"]).float().to(device),
        torch.from_numpy(data["x_test"]).float().to(device),
        train_settings,
        checkpoint=snakemake.params.checkpoint,
        code_digest=snakemake.params.code,
        snapshots=snapshots,
    )
    save_model(
        vae.cpu(), snakemake.output.model, train=settings["train"], versions=software_versions()
    )
    write_csv(snakemake.output.history, pd.DataFrame(history), index=False)
    write_torch(snakemake.output.snapshots, snapshots)
    remove_checkpoint(snakemake.params.checkpoint)
