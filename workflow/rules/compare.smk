# The comparative study: the focal street beside the benchmark streets and its own groups
# (measurement invariance, latent means, paths, score differences, importance-performance map),
# one job per part (compare_part), combined by the compare job.
from govsurvey.compare.criteria import comparison_parts

COMPARISON = config.get("comparison")
COMPARED = [COMPARISON["focal"], *COMPARISON["streets"]] if COMPARISON else []
COMPARISON_PARTS = comparison_parts(COMPARISON) if COMPARISON else []


# One job per part (the streets, each grouping variable): they run side by side.
rule compare_part:
    input:
        scored=lambda wildcards: expand(
            rules.clean.output.scored, street=compared_in(wildcards.part)
        ),
        model=config["study"]["model"],
        instrument=config["study"]["instrument"],
        library=library("compare_part.py"),
    output:
        **comparison_part_files(),
    log:
        "results/comparison/logs/compare_{part}.log",
    benchmark:
        benchmark_of("results/comparison/logs/compare_{part}.log")
    wildcard_constraints:
        part="|".join(COMPARISON_PARTS) if COMPARISON_PARTS else "streets",
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        settings=COMPARISON,
        streets=lambda wildcards: compared_in(wildcards.part),
        communities={s: config["streets"][s]["communities"] for s in COMPARED},
    script:
        "../../scripts/compare_part.py"


rule compare:
    input:
        parts=[
            f
            for part in COMPARISON_PARTS
            for f in comparison_part_files(part).values()
        ],
        library=library("compare.py"),
    output:
        **reported(
            comparison_files(), "invariance", "Tables", "comparison", ["invariance"]
        ),
    log:
        "results/comparison/compare.log",
    benchmark:
        benchmark_of("results/comparison/compare.log")
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    params:
        parts=COMPARISON_PARTS,
    script:
        "../../scripts/compare.py"


rule comparison_figures:
    input:
        latent_means=rules.compare.output.latent_means,
        ipma=rules.compare.output.ipma,
        summary=rules.compare.output.summary,
        instrument=config["study"]["instrument"],  # the construct names below come from it
        library=library("comparison_figures.py"),
    output:
        latent_png=report(
            comparison_figure_files("latent_means")["png"],
            caption="../report/latent_means.rst",
            category="Figures",
            subcategory="comparison",
        ),
        latent_svg=comparison_figure_files("latent_means")["svg"],
        ipma_png=report(
            comparison_figure_files("ipma")["png"],
            caption="../report/ipma.rst",
            category="Figures",
            subcategory="comparison",
        ),
        ipma_svg=comparison_figure_files("ipma")["svg"],
    log:
        "results/comparison/comparison_figures.{lang}.log",
    benchmark:
        benchmark_of("results/comparison/comparison_figures.{lang}.log")
    conda:
        "../../envs/figures.yaml"
    threads: 1
    params:
        language=lambda wildcards: wildcards.lang,
        constructs={code: c.name for code, c in INSTRUMENT.constructs.items()},
        names={
            s: config["streets"][s].get("short_name", config["streets"][s]["name"])
            for s in COMPARED
        },
    script:
        "../../scripts/comparison_figures.py"
