"""Random streams of single images: every image draws from its own generator, seeded by
(seed, purpose, image index), so its numbers do not depend on which other images are
computed with it, in which batch or shard."""

import numpy as np
import torch

# One stream per purpose, so that two analyses of the same image draw independent noise.
EVALUATE_TEST = 1
EVALUATE_TRAIN = 2


def stream_seed(*key):
    """The seed of the stream named by the integers `key`, e.g. (seed, purpose, image)."""
    state = np.random.SeedSequence([int(k) for k in key]).generate_state(2, np.uint64)
    return int(state[0] >> np.uint64(1))


def image_generator(*key):
    """A CPU generator seeded by the integers `key`, e.g. (seed, purpose, image index)."""
    return torch.Generator().manual_seed(stream_seed(*key))


def image_normals(key, images, shape):
    """Standard normal draws of `shape` for each image from its own stream (*key, image).
    images: (N,) indices -> (N, *shape) float32 on the CPU"""
    draws = torch.empty((len(images), *shape))
    generator = torch.Generator()
    for row, image in zip(draws, images, strict=True):
        torch.randn(shape, generator=generator.manual_seed(stream_seed(*key, image)), out=row)
    return draws
