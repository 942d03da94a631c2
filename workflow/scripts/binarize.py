import logging

import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)

from mnist_vae.data.mnist import binarized_split, save_binarized
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.settings import BinarizeSettings

with rule_logging(snakemake.log[0]):
    settings = BinarizeSettings.from_config(snakemake.params.settings["data"])
    splits = {
        split: binarized_split(
            snakemake.input[f"{split}_images"],
            snakemake.input[f"{split}_labels"],
            getattr(settings, f"n_{split}"),
            settings.threshold,
            setting=f"data.n_{split}",
        )
        for split in ("train", "test")
    }
    (x_train, y_train), (x_test, y_test) = splits["train"], splits["test"]
    save_binarized(snakemake.output.data, x_train, y_train, x_test, y_test)
    logging.info("kept %d train and %d test images", len(x_train), len(x_test))
