import json

import torch

from mnist_vae.data import load_binarized
from mnist_vae.evaluate import EvaluateSettings, evaluate
from mnist_vae.logs import rule_logging
from mnist_vae.model import load_model
from mnist_vae.quadrature import QuadratureGrid
from mnist_vae.runtime import resolve_device

with rule_logging(snakemake.log[0]):
    torch.set_num_threads(snakemake.threads)
    params = dict(snakemake.params.settings)
    device = resolve_device(params.pop("device"), "evaluate.device")
    settings = EvaluateSettings(**{**params, "quadrature": QuadratureGrid(**params["quadrature"])})
    vae = load_model(snakemake.input.model, device)
    data = load_binarized(snakemake.input.data)
    metrics, per_image = evaluate(
        vae,
        torch.from_numpy(data["x_test"]).float().to(device),
        torch.from_numpy(data["x_train"]).float().to(device),
        settings,
    )
    per_image.insert(1, "label", data["y_test"])
    with open(snakemake.output.metrics, "w") as f:
        json.dump(metrics, f, indent=2)
    per_image.to_csv(snakemake.output.per_image, index=False)
