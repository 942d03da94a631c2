import logging

import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)
import torch

from mnist_vae.analyses.inpainting import completion, completion_metrics, exact_completion_metrics
from mnist_vae.data.mnist import load_binarized
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import start_torch
from mnist_vae.pipeline.shards import concatenated
from mnist_vae.report.completions import completions_figure
from mnist_vae.report.drawing import save
from mnist_vae.settings import InpaintingSettings, is_planar
from mnist_vae.storage.files import write_json, write_npz

with rule_logging(snakemake.log[0]):
    start_torch(snakemake.threads)
    settings = InpaintingSettings.from_config(snakemake.params.settings["inpainting"])
    vae = load_model(snakemake.input.model)
    data = load_binarized(snakemake.input.data)
    x = torch.from_numpy(data["x_test"][: settings.digits]).float()
    labels = data["y_test"][: settings.digits]
    fit = concatenated(snakemake.input.shards, "digit")
    fit_seconds = float(fit.pop("seconds"))
    metrics, bottom = completion_metrics(
        vae,
        x[fit["digit"]],
        torch.from_numpy(data["x_train"]).float(),
        fit,
        settings.seed,
        settings.completion_samples,
    )
    metrics["fit_seconds"] = fit_seconds
    if metrics["diverged_digits"]:
        logging.warning(
            "inpainting of run %s: the SVI fit diverged for %d of %d digits (non-finite ELBO "
            "or q), so the SVI rows of its metrics are empty: lower inpainting.svi.learning_rate",
            snakemake.wildcards.run,
            metrics["diverged_digits"],
            metrics["n_digits"],
        )
    if is_planar(vae.latent_dim):
        grid = settings.quadrature
        metrics.update(exact_completion_metrics(vae, x[fit["digit"]], fit, grid))
    write_json(snakemake.output.metrics, metrics)
    write_npz(snakemake.output.fit, labels=labels, bottom=bottom, **fit)

    examples = settings.examples
    completed = completion(x[:examples], torch.from_numpy(bottom[:examples]))
    save(
        completions_figure(x[:examples].numpy(), completed.numpy(), labels[:examples]),
        snakemake.output.completions,
    )
