"""Linear interpolation between the encoded means of two digits."""

import torch

from mnist_vae.errors import SettingError


def interpolate(z_a, z_b, alpha):
    """alpha * z_a + (1 - alpha) * z_b: z_a at alpha = 1, z_b at alpha = 0."""
    return alpha * z_a + (1 - alpha) * z_b


def choose_pairs(labels, n_pairs, generator):
    """n_pairs of image indices with different labels and no label pair repeated: label
    pairs drawn without replacement from those the images offer, then a random image of
    each label. labels: (N,) -> (n_pairs, 2) long"""
    labels = torch.as_tensor(labels)
    label_pairs = torch.combinations(labels.unique(), 2)
    if n_pairs > len(label_pairs):
        raise SettingError(
            f"interpolation.pairs: {n_pairs} is more than the {len(label_pairs)} pairs of "
            f"different labels that the {len(labels)} training images offer"
        )
    chosen = label_pairs[torch.randperm(len(label_pairs), generator=generator)[:n_pairs]]

    def image_of(label):
        images = (labels == label).nonzero().squeeze(1)
        return images[torch.randint(len(images), (), generator=generator)]

    return torch.tensor([[image_of(a), image_of(b)] for a, b in chosen.tolist()])


def interpolation_pairs(labels, settings):
    """The configured index pairs, or settings.pairs random ones (choose_pairs) drawn
    with settings.seed. settings: InterpolationSettings -> (P, 2) long"""
    if settings.indices:
        return torch.tensor(settings.indices)  # checked against data.n_train at parse time
    generator = torch.Generator().manual_seed(settings.seed)
    return choose_pairs(labels, settings.pairs, generator)


@torch.no_grad()
def interpolation_path(vae, x_a, x_b, points):
    """Bernoulli means along the line between the posterior means of x_a and x_b, from
    x_a (alpha = 1) to x_b (alpha = 0). x_a, x_b: (P, 784)
    -> alphas (points,), z (P, points, Dz), means (P, points, 784)"""
    mu_a, _ = vae.encoder(x_a)
    mu_b, _ = vae.encoder(x_b)
    alphas = torch.linspace(1.0, 0.0, points)
    z = interpolate(mu_a[:, None], mu_b[:, None], alphas[None, :, None])
    return alphas, z, torch.sigmoid(vae.decoder(z))
