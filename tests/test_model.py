import pytest
import torch

from mnist_vae.inference.sigmoid_form import SigmoidDecoder
from mnist_vae.model import build_vae, load_model, save_model
from mnist_vae.settings import ModelSettings

# the fast paths, checked under each product backend (conftest.each_backend)
pytestmark = pytest.mark.usefixtures("each_backend")


def test_encoder_gives_mean_and_log_std_of_latent_size():
    vae = build_vae(ModelSettings(latent_dim=3, hidden_dim=20), seed=0)
    mu, log_sigma = vae.encoder(torch.zeros(5, 784))
    assert mu.shape == log_sigma.shape == (5, 3)


def test_decoder_maps_any_leading_axes_to_pixel_logits():
    vae = build_vae(ModelSettings(latent_dim=2, hidden_dim=20), seed=0)
    assert vae.decoder(torch.zeros(7, 5, 2)).shape == (7, 5, 784)


def test_architecture_follows_the_paper():
    vae = build_vae(ModelSettings(), seed=0)
    shapes = [tuple(p.shape) for p in vae.parameters()]
    assert shapes == [(500, 784), (500,), (4, 500), (4,), (500, 2), (500,), (784, 500), (784,)]


def test_initial_weights_depend_on_the_seed_alone():
    settings = ModelSettings(hidden_dim=20)
    first, again, other = (build_vae(settings, seed) for seed in (0, 0, 1))
    torch.rand(3)  # global draws in between change nothing
    for a, b, c in zip(first.parameters(), again.parameters(), other.parameters(), strict=True):
        assert torch.equal(a, b)
        assert not torch.equal(a, c)


def test_saved_model_loads_with_its_settings_and_weights(tmp_path):
    vae = build_vae(ModelSettings(latent_dim=3, hidden_dim=20), seed=4)
    save_model(vae, tmp_path / "model.pt", versions={"torch": "x"})
    loaded = load_model(tmp_path / "model.pt")
    assert loaded.settings == vae.settings
    for a, b in zip(vae.parameters(), loaded.parameters(), strict=True):
        assert torch.equal(a, b)


def test_the_sigmoid_form_of_the_decoder_computes_the_same_logits():
    decoder = build_vae(ModelSettings(latent_dim=2, hidden_dim=50), seed=0).decoder
    z = torch.randn(64, 2, generator=torch.Generator().manual_seed(1)) * 3
    units = SigmoidDecoder.of(decoder)
    with torch.no_grad():
        s = units.hidden_units(z)
        torch.testing.assert_close(units.logits(s), decoder(z), rtol=0, atol=1e-5)
