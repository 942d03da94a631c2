import mnist_vae_checkout  # noqa: F401 (this checkout's package, first on sys.path)

from mnist_vae.analyses.generate import latent_manifold
from mnist_vae.errors import SettingError
from mnist_vae.model import load_model
from mnist_vae.pipeline.logs import rule_logging
from mnist_vae.pipeline.runtime import start_torch
from mnist_vae.report.drawing import save
from mnist_vae.report.manifold import manifold_figure
from mnist_vae.settings import ManifoldSettings, is_planar

with rule_logging(snakemake.log[0]):
    start_torch(snakemake.threads)
    settings = ManifoldSettings.from_config(snakemake.params.settings["manifold"])
    vae = load_model(snakemake.input.model)
    if not is_planar(vae.latent_dim):
        raise SettingError(f"model.latent_dim: the manifold figure needs 2, not {vae.latent_dim}")
    z, means = latent_manifold(vae.decoder, settings.points)
    save(manifold_figure(z.numpy(), means.numpy()), snakemake.output.figure)
