"""Settings the schema accepts one by one but a run cannot honour together, found before
any job starts (so a failed rerun never deletes good results first). Each problem is one
line naming the key and the limit. Imports no torch: Snakemake calls it when parsing."""

import gzip
import math
from pathlib import Path

from mnist_vae.data.mnist import MNIST_FILES
from mnist_vae.errors import SettingError

N_CLASSES = 10
LABEL_PAIRS = math.comb(N_CLASSES, 2)


def idx_count(path):
    """The number of items an IDX gzip file's header announces, or None if unreadable."""
    try:
        with gzip.open(path, "rb") as f:
            header = f.read(8)
    except (OSError, EOFError):
        return None
    return int.from_bytes(header[4:8], "big") if len(header) == 8 else None


def available_images(directory):
    """{'train': n, 'test': n} from the image files' headers in `directory`, where readable."""
    counts = {}
    for split in ("train", "test"):
        count = idx_count(Path(directory) / MNIST_FILES[f"{split}_images"])
        if count is not None:
            counts[split] = count
    return counts


def check_data(data, available, where="config.data"):
    """data.n_train and data.n_test against the images the source holds (where known)."""
    for split, count in available.items():
        wanted = data[f"n_{split}"]
        if wanted > count:
            raise SettingError(
                f"{where}.n_{split}: {wanted} is more than the {count} {split} images of the source"
            )


def _at_most(key, value, limit, what):
    """`what` names the limit, e.g. "the {limit} test images kept (data.n_test)"."""
    if value > limit:
        raise SettingError(f"{key}: {value} is more than {what.format(limit=limit)}")


def check_run(settings, where="config"):
    """One run's resolved settings (data and every run section) against each other."""
    data = settings["data"]
    test_images = "the {limit} test images kept (data.n_test)"
    _at_most(
        f"{where}.train.heldout_images",
        settings["train"]["heldout_images"],
        data["n_test"],
        test_images,
    )
    train = settings["train"]
    if train["objective"] == "iwae" and train["kl_warmup_epochs"] > 0:
        raise SettingError(
            f"{where}.train.kl_warmup_epochs: a KL warm-up weights the ELBO's KL term; with "
            "train.objective iwae there is none: set it to 0 or the objective to elbo"
        )
    if train["objective"] == "iwae" and train["elbo_samples"] > 1:
        raise SettingError(
            f"{where}.train.elbo_samples: draws of the ELBO trained on; with train.objective "
            "iwae the draws are train.iwae_samples: set elbo_samples to 1"
        )
    if train["elbo_samples"] > 1 and train["kl_warmup_epochs"] > 0:
        raise SettingError(
            f"{where}.train.kl_warmup_epochs: a KL warm-up is for the single-sample ELBO; "
            "with train.elbo_samples above 1 set it to 0"
        )
    # Snapshots after later epochs are simply not taken; with none taken at all, the gaps
    # over training would have no weights to analyse.
    if not any(epoch <= train["epochs"] for epoch in train["snapshot_epochs"]):
        raise SettingError(
            f"{where}.train.snapshot_epochs: none of {list(train['snapshot_epochs'])} is "
            f"within the {train['epochs']} epochs trained (train.epochs); name at least one"
        )
    inpainting = settings["inpainting"]
    _at_most(f"{where}.inpainting.digits", inpainting["digits"], data["n_test"], test_images)
    gaps = settings["gaps"]
    _at_most(f"{where}.gaps.images", gaps["images"], data["n_test"], test_images)
    importance = settings["importance"]["images"]
    _at_most(f"{where}.importance.images", importance, data["n_test"], test_images)
    _at_most(
        f"{where}.gaps.over_training_images",
        gaps["over_training_images"],
        min(data["n_train"], data["n_test"]),
        "the {limit} images of the smaller split kept (data.n_train, data.n_test)",
    )
    for key in ("examples", "contour_examples"):
        _at_most(
            f"{where}.inpainting.{key}",
            inpainting[key],
            inpainting["digits"],
            "the {limit} digits inpainted (inpainting.digits)",
        )
    interpolation = settings["interpolation"]
    for pair in interpolation["indices"]:
        for index in pair:
            if index >= data["n_train"]:
                raise SettingError(
                    f"{where}.interpolation.indices: {index} is not an index of the "
                    f"{data['n_train']} training images kept (data.n_train; from 0)"
                )
    if not interpolation["indices"]:
        _at_most(
            f"{where}.interpolation.pairs",
            interpolation["pairs"],
            LABEL_PAIRS,
            f"the {{limit}} pairs of different labels that {N_CLASSES} classes give",
        )
