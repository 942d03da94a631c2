"""What settings mean to the code: a frozen class for the settings of each rule, named
after it and built from its config section one way (`from_config`), and the tests of what
the latent space is (a plane; one with a plane to draw). Imports no torch, so that the
workflow can ask each class at parse time which keys its rule reads (`select`) and pass a
rule exactly those.

The schema (workflow/schemas/config.schema.yaml) is the home of every default; the
defaults declared here for use from Python are checked against it by tests/test_settings.py.
"""

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Literal

# Images (digits) fitted together by SVI and the gap split; chunks start at multiples of
# it, so that shards, cut in whole chunks, give each image the same bits however cut.
IMAGE_CHUNK = 16

Device = Literal["auto", "cpu", "cuda"]


def is_planar(latent_dim):
    """Whether z is two-dimensional: then log p(x) is exact by quadrature over the plane,
    and the latent space can be drawn as it is (manifold, scatter, contours)."""
    return latent_dim == 2


def has_a_plane(latent_dim):
    """Whether two axes of z span a plane to draw (the scatter and contours of Dz > 2 draw
    a projection of it)."""
    return latent_dim >= 2


def from_key(key, default):
    """A field read from another key of its section (dotted for a nested one), e.g. a
    figure's `examples` from `contour_examples`."""
    return field(default=default, metadata={"key": key})


class FromConfig:
    """Mixin for frozen dataclasses of settings."""

    @classmethod
    def _fields(cls):
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            yield f, f.metadata.get("key", f.name), hints[f.name]

    @staticmethod
    def _at(section, key):
        """The value of a dotted key in a section."""
        for name in key.split("."):
            section = section[name]
        return section

    @classmethod
    def select(cls, section):
        """The part of a config section this class reads, and nothing else: a rule's params,
        so that changing any other key does not rerun the rule. In the class's order
        (mappings within sorted), whatever order a config file wrote the keys in: Snakemake
        compares params as written, so the same settings must give the same params.
        -> dict"""
        selected = {}
        for _, key, kind in cls._fields():
            value = cls._at(section, key)
            if isinstance(kind, type) and issubclass(kind, FromConfig):
                value = kind.select(value)
            elif isinstance(value, dict):
                value = dict(sorted(value.items()))
            *parents, leaf = key.split(".")
            target = selected
            for name in parents:
                target = target.setdefault(name, {})
            target[leaf] = value
        return selected

    @classmethod
    def from_config(cls, section):
        """The settings in a validated config section (or the part `select` gives): the
        fields this class declares, nested settings built the same way; other keys are
        left out. A missing key is a KeyError: the schema fills them all."""
        values = {}
        for f, key, kind in cls._fields():
            value = cls._at(section, key)
            if isinstance(kind, type) and issubclass(kind, FromConfig):
                value = kind.from_config(value)
            elif isinstance(value, list):
                value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
            values[f.name] = value
        return cls(**values)


@dataclass(frozen=True)
class DownloadMnistSettings(FromConfig):
    source: Literal["local", "mirrors"] = "local"
    local_dir: str = "resources/mnist"
    mirrors: tuple[str, ...] = (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    )
    md5: dict = field(
        default_factory=lambda: {
            "train_images": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train_labels": "d53e105ee54ea40749a09fcbcd1e9432",
            "test_images": "9fb629c4189551a2d022fa330f9573f3",
            "test_labels": "ec29112dd5afa0611ce80d1b7f02629c",
        }
    )
    timeout: float = 60


@dataclass(frozen=True)
class BinarizeSettings(FromConfig):
    n_train: int = 10000
    n_test: int = 10000
    threshold: float = 0.5


@dataclass(frozen=True)
class QuadratureGrid(FromConfig):
    """[-limit, limit]² with points nodes per axis (odd, so that every other node is a grid
    of half the resolution on the same square)."""

    limit: float = 8.0
    points: int = 401


@dataclass(frozen=True)
class ModelSettings(FromConfig):
    latent_dim: int = 2
    hidden_dim: int = 500


@dataclass(frozen=True)
class TrainSettings(FromConfig):
    epochs: int = 100
    batch_size: int = 100
    seed: int = 0
    device: Device = "auto"
    heldout_images: int = 500
    # Every this many epochs (and after the first and the last), the held-out log p(x)
    # when Dz = 2.
    log_px_every: int = 10
    quadrature: QuadratureGrid = QuadratureGrid(points=201)
    # Epochs after which the weights are kept, for analyses over training.
    snapshot_epochs: tuple[int, ...] = (1, 5, 10, 25, 50, 100)
    # The bound maximised: the ELBO (the mean of elbo_samples draws' ELBOs per image), or
    # IWAE with iwae_samples draws per image.
    objective: Literal["elbo", "iwae"] = "elbo"
    iwae_samples: int = 5
    elbo_samples: int = 1
    # The ELBO's KL term weighted (e - 1) / kl_warmup_epochs in epoch e until it reaches 1.
    kl_warmup_epochs: int = 0

    def kl_weight(self, epoch):
        """The KL term's weight in `epoch` (1-based): rising linearly from 0, one step per
        epoch, to 1 after kl_warmup_epochs epochs; 1 throughout without a warm-up."""
        if self.kl_warmup_epochs == 0:
            return 1.0
        return min(1.0, (epoch - 1) / self.kl_warmup_epochs)

    def objective_name(self, epoch):
        """The bound trained on in `epoch`, as the training curves label it."""
        if self.objective == "iwae":
            return f"IWAE-{self.iwae_samples}"
        if self.elbo_samples > 1:
            return f"ELBO, {self.elbo_samples} draws"
        weight = self.kl_weight(epoch)
        return "ELBO" if weight == 1.0 else f"ELBO, KL weight {weight:.2f}"


@dataclass(frozen=True)
class EvaluateSettings(FromConfig):
    seed: int = 0
    device: Device = "auto"
    elbo_samples: int = 10
    iwae_samples: int = 5000
    # smaller k whose IWAE-k is estimated from the same draws, in disjoint groups
    iwae_smaller_samples: tuple[int, ...] = (1, 10, 100, 1000)
    batch_size: int = 100
    chunk_size: int = 1000
    quadrature: QuadratureGrid = QuadratureGrid()

    def smaller_k(self):
        """The k of iwae_smaller_samples below iwae_samples, ascending."""
        return sorted(k for k in self.iwae_smaller_samples if k < self.iwae_samples)


@dataclass(frozen=True)
class SamplesSettings(FromConfig):
    n: int = 10
    seed: int = 0


@dataclass(frozen=True)
class ManifoldSettings(FromConfig):
    points: int = 20


@dataclass(frozen=True)
class LatentScatterSettings(FromConfig):
    projection: Literal["pca", "first_two"] = "pca"


@dataclass(frozen=True)
class InterpolationSettings(FromConfig):
    pairs: int = 3
    points: int = 10
    seed: int = 0
    # Training-image index pairs to use instead of seeded random pairs.
    indices: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class SVISettings(FromConfig):
    samples: int = 10  # K, draws from q per ELBO estimate
    steps: int = 300
    learning_rate: float = 0.05
    optimizer: Literal["adam", "sgd"] = "adam"
    restarts: int = 4
    candidates: int = 256  # prior draws per restart; the best by log p(z, pixels) starts it
    initial_sigma: float = 0.1
    final_samples: int = 200  # draws to score each restart once fitted
    seed: int = 0


@dataclass(frozen=True)
class InpaintingFitSettings(FromConfig):
    """q(z | top half) fitted by SVI for each of the first `digits` test digits."""

    digits: int = 1000
    device: Device = "auto"
    svi: SVISettings = SVISettings()


@dataclass(frozen=True)
class InpaintingSettings(FromConfig):
    """The completions of the fitted digits, their metrics and the completions figure."""

    digits: int = 1000
    examples: int = 10  # digits in the figure
    completion_samples: int = 100  # draws from q averaged for the predicted bottom half
    # The completions' draws are seeded like the fit they come from.
    seed: int = from_key("svi.seed", 0)
    quadrature: QuadratureGrid = QuadratureGrid(points=201)


@dataclass(frozen=True)
class InpaintingContoursSettings(FromConfig):
    examples: int = from_key("contour_examples", 3)


@dataclass(frozen=True)
class GapFitSettings(FromConfig):
    """How each image's inference gap is split, wherever the images come from."""

    device: Device = "auto"
    hermite_points: int = 16  # Gauss–Hermite nodes per latent axis for each ELBO
    tolerance: float = 0.05  # nats a gap may fall below zero by numerical error
    # q* fitted by Newton's method on the Gauss–Hermite ELBO with this many nodes per axis,
    # for at most this many steps
    refine_points: int = 8
    refine_iterations: int = 30
    # Every basin of the grid posterior holding this share of its mass is a start.
    peak_mass: float = 0.01
    # The grid searched for each posterior's peak (and of log p(x) over training).
    quadrature: QuadratureGrid = QuadratureGrid()


@dataclass(frozen=True)
class GapsShardSettings(GapFitSettings):
    images: int = 1000  # the first test images decomposed


@dataclass(frozen=True)
class GapsOverTrainingSettings(GapFitSettings):
    # The first this many training and test images, at each weight snapshot.
    images: int = from_key("over_training_images", 300)


@dataclass(frozen=True)
class GapsSettings(FromConfig):
    """The table, summary and figure gathered from the shards."""

    images: int = 1000  # the first test images decomposed
    examples: int = from_key("figure_examples", 6)  # images of the largest gaps drawn


@dataclass(frozen=True)
class ImportanceSettings(FromConfig):
    """The encoder's q against the exact posterior, as an importance-sampling proposal."""

    device: Device = "auto"
    images: int = 1000  # the first test images diagnosed
    hermite_points: int = 16  # Gauss–Hermite nodes per latent axis of the encoder's ELBO
    quadrature: QuadratureGrid = QuadratureGrid()
