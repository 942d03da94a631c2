from pathlib import Path

import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)

from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.report.drawing import save
from mnist_vae.report.pages import summary_page
from mnist_vae.report.summary import (
    latent_dimension_figure,
    objectives_figure,
    objectives_over_training_figure,
    runs_training_curves_figure,
)
from mnist_vae.runs.summary import (
    by_latent_dimension,
    by_objective,
    control_of,
    over_training_by_objective,
    paired_by_image,
    paired_by_objective,
    summary_table,
)
from mnist_vae.storage.files import read_json, write_text
from mnist_vae.storage.tables import read_csv, write_csv

METRICS = ("test.elbo.mean", "test.iwae.mean", "test.log_px_quadrature.mean")

with rule_logging(snakemake.log[0]):
    inputs, params = snakemake.input, snakemake.params
    gaps = {Path(path).parents[1].name: read_json(path) for path in inputs.gaps}
    over_training = {
        Path(path).parents[1].name: read_csv(path, ["epoch", "split"])
        for path in inputs.over_training
    }
    runs = {
        name: {
            "config": params.config[name],
            "settings": settings,
            "trained_on": params.trained_on[name],
            "metrics": read_json(inputs.metrics[i]),
            "inpainting": read_json(inputs.inpainting[i]),
            "gaps": gaps.get(name),
            "over_training": over_training.get(name),
            "history": read_csv(inputs.history[i], ["epoch", "heldout_elbo", "seconds"]),
        }
        for i, (name, settings) in enumerate(params.settings.items())
    }
    per_image = {name: read_csv(inputs.per_image[i], ["image"]) for i, name in enumerate(runs)}
    table = summary_table(runs)
    write_csv(snakemake.output.table, table, index=False)
    settings = list(next(iter(params.settings.values())))
    write_text(snakemake.output.page, summary_page(table, settings))
    save(latent_dimension_figure(by_latent_dimension(table, METRICS)), snakemake.output.latent)
    histories = {name: run["history"] for name, run in runs.items()}
    save(runs_training_curves_figure(histories), snakemake.output.curves)
    objectives, paired = by_objective(table), paired_by_objective(table)
    controlled = paired_by_objective(table, against=control_of, label="control diff")
    compared = objectives.join(paired).join(controlled)
    flat = compared.set_axis([f"{m} {s}" for m, s in compared.columns], axis=1)
    write_csv(snakemake.output.objectives_table, flat.reset_index(), index=False)
    save(objectives_figure(objectives, paired), snakemake.output.objectives)
    write_csv(snakemake.output.objectives_per_image, paired_by_image(table, per_image), index=False)
    curves = over_training_by_objective(table, over_training)
    save(objectives_over_training_figure(curves), snakemake.output.objectives_over_training)
