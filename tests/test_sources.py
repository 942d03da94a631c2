from pathlib import Path

from helpers import REPO

from mnist_vae.pipeline.sources import code_digest, imported_modules, package_dependencies

SRC = REPO / "src"


def within_package(paths):
    return {Path(p).relative_to(SRC / "mnist_vae").as_posix() for p in paths}


def dependencies(script):
    return within_package(package_dependencies(REPO / "workflow/scripts" / script, SRC))


def test_finds_package_imports_of_every_form(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("import os\nimport mnist_vae.data.mnist\nfrom mnist_vae.model import VAE\n")
    assert imported_modules(script) == {
        "mnist_vae.data.mnist",
        "mnist_vae.model",
        "mnist_vae.model.VAE",
    }


def test_follows_imports_through_the_package(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("from mnist_vae.inference.bounds import elbo\n")
    assert within_package(package_dependencies(script, SRC)) == {
        "__init__.py",
        "inference/__init__.py",
        "inference/bounds.py",
        "inference/sigmoid_form.py",
        "densities.py",
        "inference/numerics.py",
        "products.py",
    }


def test_training_and_evaluation_share_the_quadrature_but_not_the_evaluation_module():
    assert "inference/quadrature.py" in dependencies("evaluate.py") & dependencies("train.py")
    assert "evaluate.py" in dependencies("evaluate.py")
    assert "evaluate.py" not in dependencies("train.py")


def test_only_the_figure_scripts_depend_on_drawing():
    figures = (
        "plot_history.py",
        "samples.py",
        "manifold.py",
        "latent_scatter.py",
        "interpolation.py",
        "inpainting.py",
        "summary.py",
    )
    assert all("report/drawing.py" in dependencies(script) for script in figures)
    assert all("report/drawing.py" not in dependencies(s) for s in ("train.py", "evaluate.py"))


def test_each_figure_is_drawn_by_its_own_module():
    assert "report/manifold.py" in dependencies("manifold.py")
    assert "report/manifold.py" not in dependencies("samples.py")


def test_only_the_download_depends_on_the_download_module():
    assert "data/download.py" in dependencies("download_mnist.py")
    assert all(
        "data/download.py" not in dependencies(s)
        for s in ("binarize.py", "train.py", "evaluate.py")
    )


def test_code_digest_changes_with_the_content(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("a = 1\n")
    before = code_digest([path])
    path.write_text("a = 2\n")
    assert code_digest([path]) != before
