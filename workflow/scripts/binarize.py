import logging

from mnist_vae.data.mnist import binarized_split, save_binarized
from mnist_vae.pipeline.logs import rule_logging

with rule_logging(snakemake.log[0]):
    splits = {
        split: binarized_split(
            snakemake.input[f"{split}_images"],
            snakemake.input[f"{split}_labels"],
            snakemake.params[f"n_{split}"],
            snakemake.params.threshold,
            setting=f"data.n_{split}",
        )
        for split in ("train", "test")
    }
    (x_train, y_train), (x_test, y_test) = splits["train"], splits["test"]
    save_binarized(snakemake.output.data, x_train, y_train, x_test, y_test)
    logging.info("kept %d train and %d test images", len(x_train), len(x_test))
