"""Digits drawn from the model."""

from mnist_vae.report.drawing import digit_rows


def samples_figure(means, binary):
    return digit_rows(
        [means, binary],
        ["Bernoulli\nmeans", "binary\nsamples"],
        f"Ancestral samples: {len(means)} draws z ~ p(z), decoded",
    )
