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
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/samples.smk"
include: "workflow/rules/latent.smk"
include: "workflow/rules/interpolation.smk"
include: "workflow/rules/inpainting.smk"
include: "workflow/rules/gaps.smk"
include: "workflow/rules/metrics.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/provenance.smk"


for line in plan.skip_messages(RUNS):
    logger.info(line)

if REPORTING:
    # The workflow description's table of headline numbers (workflow/report/workflow.rst).
    config["report_headline"] = report_headline()


rule all:
    default_target: True
    input:
        final_outputs(),


# One target per run: `snakemake run_<name>` builds that run and nothing else.
for name in run_names():

    rule:
        name:
            f"run_{name}"
        input:
            run_outputs(name),
