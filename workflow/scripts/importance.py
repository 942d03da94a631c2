import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import torch

from mnist_vae.analyses.importance import importance_diagnostics, importance_summary
from mnist_vae.data.mnist import load_binarized
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import resolve_device, start_torch
from mnist_vae.pipeline.shards import concatenated
from mnist_vae.settings import EvaluateSettings, ImportanceSettings
from mnist_vae.storage.files import write_json
from mnist_vae.storage.tables import write_csv

with rule_logging(snakemake.log[0]):
    settings = ImportanceSettings.from_config(snakemake.params.settings["importance"])
    evaluated = EvaluateSettings.from_config(snakemake.params.settings["evaluate"])
    device = resolve_device(settings.device, "importance.device")
    start_torch(snakemake.threads, device)
    vae = load_model(snakemake.input.model, device)
    x = load_binarized(snakemake.input.data)["x_test"][: settings.images]
    iwae = {k: f"iwae_k{k}" for k in evaluated.smaller_k()} | {evaluated.iwae_samples: "iwae"}
    measured = concatenated(snakemake.input.shards, "image", iwae.values()).iloc[: len(x)]
    table = importance_diagnostics(
        vae,
        torch.from_numpy(x).float().to(device),
        {k: measured[column].to_numpy() for k, column in iwae.items()},
        settings,
    )
    table.insert(0, "image", range(len(x)))
    write_csv(snakemake.output.per_image, table, index=False)
    write_json(snakemake.output.summary, importance_summary(table))
