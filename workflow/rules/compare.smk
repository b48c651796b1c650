# The comparative study: the focal street beside the benchmark streets and its own groups
# (measurement invariance, latent means, paths, score differences, importance-performance map).
COMPARISON = config.get("comparison")
COMPARED = [COMPARISON["focal"], *COMPARISON["streets"]] if COMPARISON else []


rule compare:
    input:
        scored=expand(rules.clean.output.scored, street=COMPARED),
        model=config["study"]["model"],
        instrument=config["study"]["instrument"],
        library=library("compare.py"),
    output:
        **comparison_files(),
    log:
        "results/comparison/compare.log",
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        settings=COMPARISON,
        streets=COMPARED,
        communities={s: config["streets"][s]["communities"] for s in COMPARED},
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
        latent_png=comparison_figure_files("latent_means")["png"],
        latent_svg=comparison_figure_files("latent_means")["svg"],
        ipma_png=comparison_figure_files("ipma")["png"],
        ipma_svg=comparison_figure_files("ipma")["svg"],
    log:
        "results/comparison/comparison_figures.{lang}.log",
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
