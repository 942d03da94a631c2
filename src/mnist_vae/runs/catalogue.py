"""What a run is, in one place: a record of every rule of the workflow, in the order data
flows through them, with the settings it reads, the files it writes, the latent dimensions
it applies to and, for those it does not, what a run goes without. The run's target, the
settings each rule receives, the skip lines, stale-file detection, the summary's and
`compare`'s metrics files, the docs' reference files and the tests' rule list are read
from here. The rules' .smk files keep their literal paths, and the workflow checks them
against these records at parse time (`output_mismatch`). Imports no torch."""

from collections.abc import Callable
from dataclasses import dataclass, field

from mnist_vae.data.mnist import MNIST_FILES
from mnist_vae.settings import (
    BinarizeSettings,
    DownloadMnistSettings,
    EvaluateSettings,
    GapsOverTrainingSettings,
    GapsSettings,
    GapsShardSettings,
    ImportanceSettings,
    InpaintingContoursSettings,
    InpaintingFitSettings,
    InpaintingSettings,
    InterpolationSettings,
    LatentScatterSettings,
    ManifoldSettings,
    ModelSettings,
    SamplesSettings,
    TrainSettings,
    has_a_plane,
    is_planar,
)

RUN = "results/{run}/"


@dataclass(frozen=True)
class Needs:
    """The latent dimensions an analysis applies to, and why, as a skip line says it."""

    holds: Callable[[int], bool]
    why: str = ""


EVERY_DIMENSION = Needs(lambda latent_dim: True)
A_PLANE = Needs(has_a_plane, "they draw a plane of the latent space")
DZ_2 = Needs(is_planar, "they need Dz = 2")


@dataclass(frozen=True)
class Rule:
    """One rule of the workflow.

    outputs: its named outputs, exactly as its .smk declares them;
    settings: {config section: the settings class its code reads of it};
    products: the outputs (by name) a run's target asks for;
    needs: the latent dimensions a run must have to run it;
    leaves_out: what a run without them goes without, in the skip line;
    summarised: {the summary's input name: output name}, what the summary reads of a run;
    metrics: {output name: prefix}, the JSON files `compare` diffs, keys under the prefix;
    shard_of: the stage whose per-image work it does a shard of (its one output is the shard)."""

    name: str
    outputs: dict[str, str]
    settings: dict[str, type] = field(default_factory=dict)
    products: tuple[str, ...] = ()
    needs: Needs = EVERY_DIMENSION
    leaves_out: str = ""
    summarised: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, str] = field(default_factory=dict)
    shard_of: str = ""

    def file(self, output, run):
        """The path of one output of a run."""
        return self.outputs[output].format(run=run)

    def in_run(self, output):
        """The path of one output under its run's folder."""
        return self.outputs[output].removeprefix(RUN)

    def device_sections(self):
        """The sections whose settings name the device its code runs torch on."""
        return [
            section
            for section, cls in self.settings.items()
            if "device" in cls.__dataclass_fields__
        ]

    def per_run(self):
        return all(path.startswith(RUN) for path in self.outputs.values())


def run_files(**names):
    """Outputs under a run's folder: {name: path under results/<run>/}."""
    return {name: RUN + path for name, path in names.items()}


RULES = (
    Rule(
        "download_mnist",
        outputs={
            **{key: f"data/mnist/{{raw}}/{name}" for key, name in MNIST_FILES.items()},
            "manifest": "data/mnist/{raw}/manifest.json",
        },
        settings={"data": DownloadMnistSettings},
    ),
    Rule(
        "binarize",
        outputs={"data": "data/mnist/binarized-{data_set}.npz"},
        settings={"data": BinarizeSettings},
    ),
    Rule(
        "train",
        outputs=run_files(model="model.pt", history="history.csv", snapshots="snapshots.pt"),
        settings={"model": ModelSettings, "train": TrainSettings},
        products=("history",),
        summarised={"history": "history"},
    ),
    Rule(
        "plot_history",
        outputs=run_files(figure="training_curves.png"),
        products=("figure",),
    ),
    Rule(
        "evaluate_shard",
        outputs=run_files(per_image="evaluate/shards/{scatteritem}.csv"),
        settings={"evaluate": EvaluateSettings},
        shard_of="evaluate",
    ),
    Rule("check_shards", outputs=run_files(checked="{stage}/shards/checked.json")),
    Rule(
        "importance",
        outputs=run_files(
            summary="importance/importance.json",
            per_image="importance/importance_per_image.csv",
        ),
        settings={"importance": ImportanceSettings, "evaluate": EvaluateSettings},
        products=("summary",),
        needs=DZ_2,
        leaves_out="no importance-sampling diagnostics",
    ),
    Rule(
        "evaluate",
        outputs=run_files(metrics="metrics.json", per_image="test_per_image.csv"),
        settings={"evaluate": EvaluateSettings},
        products=("metrics", "per_image"),
        summarised={"metrics": "metrics", "per_image": "per_image"},
        metrics={"metrics": ""},
    ),
    Rule(
        "samples",
        outputs=run_files(figure="samples/samples.png", data="samples/samples.npz"),
        settings={"samples": SamplesSettings},
        products=("figure",),
    ),
    Rule(
        "manifold",
        outputs=run_files(figure="samples/manifold.png"),
        settings={"manifold": ManifoldSettings},
        products=("figure",),
        needs=DZ_2,
        leaves_out="no manifold",
    ),
    Rule(
        "latent_scatter",
        outputs=run_files(figure="latent/latent_scatter.png", data="latent/latent_means.csv"),
        settings={"latent_scatter": LatentScatterSettings},
        products=("figure",),
        needs=A_PLANE,
        leaves_out="no latent scatter",
    ),
    Rule(
        "interpolation",
        outputs=run_files(
            figure="interpolation/interpolation.png", data="interpolation/interpolation.npz"
        ),
        settings={"interpolation": InterpolationSettings},
        products=("figure",),
    ),
    Rule(
        "inpainting_fit",
        outputs=run_files(fit="inpainting/shards/{scatteritem}.npz"),
        settings={"inpainting": InpaintingFitSettings},
        shard_of="inpainting",
    ),
    Rule(
        "inpainting",
        outputs=run_files(
            metrics="inpainting/inpainting_metrics.json",
            fit="inpainting/inpainting_fit.npz",
            completions="inpainting/completions.png",
        ),
        settings={"inpainting": InpaintingSettings},
        products=("metrics",),
        summarised={"inpainting": "metrics"},
        metrics={"metrics": "inpainting."},
    ),
    Rule(
        "inpainting_contours",
        outputs=run_files(contours="inpainting/contours.png"),
        settings={"inpainting": InpaintingContoursSettings},
        products=("contours",),
        needs=A_PLANE,
        leaves_out="no inpainting contours",
    ),
    Rule(
        "gaps_shard",
        outputs=run_files(per_image="gaps/shards/{scatteritem}.csv"),
        settings={"gaps": GapsShardSettings},
        shard_of="gaps",
        needs=DZ_2,
    ),
    Rule(
        "gaps",
        outputs=run_files(
            summary="gaps/gaps.json", per_image="gaps/gaps_per_image.csv", figure="gaps/gaps.png"
        ),
        settings={"gaps": GapsSettings},
        products=("summary",),
        needs=DZ_2,
        leaves_out="no split of the inference gap",
        summarised={"gaps": "summary"},
        metrics={"summary": "gaps."},
    ),
    Rule(
        "gaps_over_training",
        outputs=run_files(table="gaps/over_training.csv", figure="gaps/over_training.png"),
        settings={"gaps": GapsOverTrainingSettings},
        products=("table",),
        needs=DZ_2,
        summarised={"over_training": "table"},
    ),
    Rule(
        "metrics_page",
        outputs=run_files(page="metrics.html"),
        products=("page",),
    ),
    Rule(
        "summary",
        outputs={
            "table": "results/summary.csv",
            "page": "results/summary/summary.html",
            "latent": "results/summary/latent_dimension.png",
            "curves": "results/summary/training_curves.png",
            "objectives_table": "results/summary/objectives.csv",
            "objectives": "results/summary/objectives.png",
            "objectives_over_training": "results/summary/objectives_over_training.png",
            "objectives_per_image": "results/summary/objectives_per_image.csv",
        },
    ),
    # Written last, from every product (so not one itself): a run whose provenance.json
    # exists is finished.
    Rule(
        "provenance",
        outputs=run_files(provenance="provenance.json"),
        metrics={"provenance": "provenance."},
    ),
)
BY_NAME = {rule.name: rule for rule in RULES}
# What evaluate leaves out of a run that is not planar, beside the rules it does not run.
EXACT_LOG_PX = Rule("evaluate", outputs={}, needs=DZ_2, leaves_out="no exact log p(x)")


def rule(name):
    return BY_NAME[name]


def shard_file(stage, run):
    """The file of each shard of a run's `stage`, its {scatteritem} left for Snakemake's
    gather to fill."""
    (sharding,) = (rule for rule in RULES if rule.shard_of == stage)
    (path,) = sharding.outputs.values()
    return path.format(run=run, scatteritem="{scatteritem}")


def applies(rule, latent_dim):
    return rule.needs.holds(latent_dim)


def run_sections():
    """The config sections a run's rules read (data aside), in the order rules first
    read them."""
    sections = (section for rule in RULES for section in rule.settings)
    return tuple(dict.fromkeys(section for section in sections if section != "data"))


def rule_settings(settings, name):
    """What rule `name` receives of a run's (or a data set's) settings: for each section it
    reads, exactly the keys its class reads. -> {section: dict}"""
    return {section: cls.select(settings[section]) for section, cls in rule(name).settings.items()}


def products(run, latent_dim):
    """What a run's analyses produce: the products of the rules its latent dimension has."""
    return [
        rule.file(output, run)
        for rule in RULES
        if rule.per_run() and applies(rule, latent_dim)
        for output in rule.products
    ]


def provenance_file(run):
    return rule("provenance").file("provenance", run)


def run_outputs(run, latent_dim):
    """Everything a run produces: its products and, written last, their provenance."""
    return [*products(run, latent_dim), provenance_file(run)]


def device_sections():
    """The config sections whose rules run torch on a device of their choosing."""
    return tuple(dict.fromkeys(section for rule in RULES for section in rule.device_sections()))


def summarised_files(run, latent_dim):
    """What the summary reads of a run: {the summary's input name: path}, for the rules
    the run has."""
    return {
        key: rule.file(output, run)
        for rule in RULES
        if applies(rule, latent_dim)
        for key, output in rule.summarised.items()
    }


def required_for_summary():
    """The files under results/<run>/ every finished run has for the summary to read."""
    return [
        rule.in_run(output)
        for rule in RULES
        if rule.needs is EVERY_DIMENSION
        for output in rule.summarised.values()
    ]


def metrics_files():
    """The JSON files `compare` diffs, under results/<run>/, and their keys' prefixes.
    -> {path: prefix}"""
    return {
        rule.in_run(output): prefix for rule in RULES for output, prefix in rule.metrics.items()
    }


def output_if_applies(name, output, run, latent_dim):
    """[the path of one output of rule `name` for the run] if its latent dimension has the
    rule, else []: an input that only some runs have."""
    rule_ = rule(name)
    return [rule_.file(output, run)] if applies(rule_, latent_dim) else []


def run_file(name, output):
    """One output of rule `name`, as a path under results/<run>/."""
    return rule(name).in_run(output)


def left_out(latent_dim):
    """What a run of this latent dimension goes without, grouped by why.
    -> {why: [what]}"""
    groups = {}
    for rule in (*RULES, EXACT_LOG_PX):
        if rule.leaves_out and not applies(rule, latent_dim):
            groups.setdefault(rule.needs.why, []).append(rule.leaves_out)
    return groups


def exclusive_folder(path, kept):
    """The shortest head of `path` (under a run's folder) that no path in `kept` lies in,
    else None: what can be removed with it without touching a kept file."""
    parts = path.split("/")
    for end in range(1, len(parts) + 1):
        head = "/".join(parts[:end])
        if "{" in head:
            return None
        if not any(other == head or other.startswith(head + "/") for other in kept):
            return head
    return None


def gated_files(latent_dim):
    """The files and folders under results/<run>/ that only runs of another latent
    dimension have, as stale-file detection looks for them."""
    under_run = [
        (rule, path.removeprefix(RUN))
        for rule in RULES
        if rule.per_run()
        for path in rule.outputs.values()
    ]
    kept = [path for rule, path in under_run if applies(rule, latent_dim) and "{" not in path[:1]]
    heads = (
        exclusive_folder(path, kept) for rule, path in under_run if not applies(rule, latent_dim)
    )
    return list(dict.fromkeys(head for head in heads if head))


def output_mismatch(name, outputs):
    """The one-line error when rule `name`'s outputs ({name: path}, as the workflow parsed
    them) differ from its record here, else None."""
    if name not in BY_NAME:
        return f"rule {name}: not in mnist_vae.runs.catalogue.RULES"
    expected = rule(name).outputs
    if outputs == expected:
        return None
    differing = sorted(set(outputs.items()) ^ set(expected.items()))
    key = differing[0][0]
    return (
        f"rule {name}: output {key} is {outputs.get(key)!r} in its .smk but "
        f"{expected.get(key)!r} in mnist_vae.runs.catalogue"
    )
