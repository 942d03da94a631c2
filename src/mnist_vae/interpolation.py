"""Linear interpolation between the encoded means of two digits."""

import torch


def interpolate(z_a, z_b, alpha):
    """alpha * z_a + (1 - alpha) * z_b: z_a at alpha = 1, z_b at alpha = 0."""
    return alpha * z_a + (1 - alpha) * z_b


def choose_pairs(labels, n_pairs, generator):
    """n_pairs of image indices with different labels and no label pair repeated.
    labels: (N,) -> (n_pairs, 2) long"""
    pairs, seen = [], set()
    while len(pairs) < n_pairs:
        a, b = torch.randint(len(labels), (2,), generator=generator).tolist()
        key = frozenset((int(labels[a]), int(labels[b])))
        if len(key) == 2 and key not in seen:
            seen.add(key)
            pairs.append((a, b))
    return torch.tensor(pairs)


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
