# From a raw resident-survey export to a thesis chapter. Run: snakemake --cores 4
from snakemake.utils import min_version

min_version("9.0")


# One config file per study: `snakemake --configfile studies/<name>.yaml` reads that file alone;
# config.yaml (the default study) is not merged under it, or its streets would join the study's.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/measure.smk"
include: "workflow/rules/sem.smk"
include: "workflow/rules/bootstrap.smk"
include: "workflow/rules/power.smk"
include: "workflow/rules/hypotheses.smk"
include: "workflow/rules/robustness.smk"
include: "workflow/rules/compare.smk"
include: "workflow/rules/interviews.smk"
include: "workflow/rules/cases.smk"
include: "workflow/rules/synthesis.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/provenance.smk"
include: "workflow/rules/report.smk"


# On a cluster these run where snakemake runs: targets, gathers and the render, which are short
# and need the fonts and the renderer of the machine the chapter is read on.
localrules:
    all,
    chapter,
    report,
    compare,
    bootstrap_gather,
    provenance,


rule all:
    default_target: True
    input:
        all_outputs(),
