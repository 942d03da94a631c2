import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import torch

from mnist_vae.analyses.gaps import gaps_over_training
from mnist_vae.data.mnist import load_binarized
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import resolve_device, start_torch
from mnist_vae.report.drawing import save
from mnist_vae.report.gaps_over_training import gaps_over_training_figure
from mnist_vae.settings import GapsOverTrainingSettings
from mnist_vae.storage.tables import write_csv
from mnist_vae.storage.torch_files import read_torch

with rule_logging(snakemake.log[0]):
    settings = GapsOverTrainingSettings.from_config(snakemake.params.settings["gaps"])
    device = resolve_device(settings.device, "gaps.device")
    start_torch(snakemake.threads, device)
    vae = load_model(snakemake.input.model, device)
    data = load_binarized(snakemake.input.data)
    n = settings.images
    x_train, x_test = (
        torch.from_numpy(data[key][:n]).float().to(device) for key in ("x_train", "x_test")
    )
    snapshots = read_torch(snakemake.input.snapshots, map_location=device)
    table = gaps_over_training(vae, snapshots, x_train, x_test, settings)
    write_csv(snakemake.output.table, table, index=False)
    save(gaps_over_training_figure(table), snakemake.output.figure)
