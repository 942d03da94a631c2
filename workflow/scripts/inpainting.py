import json

import numpy as np
import torch

from mnist_vae.data import load_binarized
from mnist_vae.inpainting import SVISettings, completion, contour_grid, inpaint
from mnist_vae.latent import posterior_means
from mnist_vae.logs import rule_logging
from mnist_vae.model import load_model
from mnist_vae.plots import completions_figure, contours_figure, save

with rule_logging(snakemake.log[0]):
    torch.set_num_threads(snakemake.threads)
    settings = dict(snakemake.params.settings)
    n_digits, examples, contour_examples, completion_samples = (
        settings.pop(key)
        for key in ("digits", "examples", "contour_examples", "completion_samples")
    )
    vae = load_model(snakemake.input.model)
    data = load_binarized(snakemake.input.data)
    x = torch.from_numpy(data["x_test"][:n_digits]).float()
    labels = data["y_test"][:n_digits]
    metrics, fit = inpaint(
        vae,
        x,
        torch.from_numpy(data["x_train"]).float(),
        SVISettings(**settings),
        completion_samples,
    )
    with open(snakemake.output.metrics, "w") as f:
        json.dump(metrics, f, indent=2)
    np.savez_compressed(snakemake.output.fit, labels=labels, **fit)

    shown = slice(0, examples)
    completed = completion(x[shown], torch.from_numpy(fit["bottom"][shown]))
    save(
        completions_figure(x[shown].numpy(), completed.numpy(), labels[shown]),
        snakemake.output.completions,
    )

    encoder_means = posterior_means(vae.encoder, x[:contour_examples])
    panels = []
    for i in range(len(encoder_means)):
        mu, log_sigma = torch.from_numpy(fit["mu"][i]), torch.from_numpy(fit["log_sigma"][i])
        z1, z2, log_p, log_q = contour_grid(
            x[i], vae.decoder, mu, log_sigma, encoder_means[i : i + 1, :2]
        )
        panels.append(
            {
                "digit": i,
                "label": labels[i],
                "x": x[i].numpy(),
                "z1": z1.numpy(),
                "z2": z2.numpy(),
                "log_p": log_p.numpy(),
                "log_q": log_q.numpy(),
                "mu_q": mu.numpy(),
                "encoder_mean": encoder_means[i].numpy(),
            }
        )
    save(contours_figure(panels, vae.latent_dim), snakemake.output.contours)
