from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


scattergather:
    evaluate=config["shards"]["evaluate"],
    inpainting=config["shards"]["inpainting"],
    gaps=config["shards"]["gaps"],


include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/shards.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/samples.smk"
include: "workflow/rules/latent.smk"
include: "workflow/rules/interpolation.smk"
include: "workflow/rules/inpainting.smk"
include: "workflow/rules/gaps.smk"
include: "workflow/rules/importance.smk"
include: "workflow/rules/metrics.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/provenance.smk"
include: "workflow/rules/targets.smk"


rule all:
    default_target: True
    input:
        final_outputs(RUNS, REPORTING),


check_outputs()
