# Figures of the chapter, in the report's language.
rule likert_chart:
    input:
        responses=rules.clean.output.kept,
        instrument=config["study"]["instrument"],
        library=library("likert_chart.py"),
    output:
        **reported(figure_files("likert"), "likert", "Figures", "{street}", ["png"]),
    log:
        log_file("likert_chart.{lang}"),
    benchmark:
        benchmark_of(log_file("likert_chart.{lang}"))
    conda:
        "../../envs/figures.yaml"
    threads: 1
    params:
        language=lambda wildcards: wildcards.lang,
    script:
        "../../scripts/likert_chart.py"


rule path_diagram:
    input:
        params=rules.sem.output.params,
        r2=rules.sem.output.r2,
        instrument=config["study"]["instrument"],
        library=library("path_diagram.py"),
    output:
        **reported(figure_files("path"), "path_diagram", "Figures", "{street}", ["png"]),
    log:
        log_file("path_diagram.{lang}"),
    benchmark:
        benchmark_of(log_file("path_diagram.{lang}"))
    conda:
        "../../envs/figures.yaml"
    threads: 1
    params:
        language=lambda wildcards: wildcards.lang,
        alpha=config["analysis"]["alpha"],
        mode=config["figures"]["path_diagram"],
    script:
        "../../scripts/path_diagram.py"


rule forest_plot:
    input:
        effects=rules.bootstrap_gather.output.effects,
        library=library("forest_plot.py"),
    output:
        **reported(figure_files("forest"), "forest", "Figures", "{street}", ["png"]),
    log:
        log_file("forest_plot.{lang}"),
    benchmark:
        benchmark_of(log_file("forest_plot.{lang}"))
    conda:
        "../../envs/figures.yaml"
    threads: 1
    params:
        language=lambda wildcards: wildcards.lang,
        level=BOOTSTRAP["level"],
    script:
        "../../scripts/forest_plot.py"


rule conceptual_model:
    input:
        model=config["study"]["model"],
        instrument=config["study"]["instrument"],
        theory=THEORY_FILE,
        library=library("conceptual_model.py"),
    output:
        **reported(
            study_figure_files("conceptual"),
            "conceptual_model",
            "Figures",
            "study",
            ["png"],
        ),
    log:
        "results/study/logs/conceptual_model.{lang}.log",
    benchmark:
        benchmark_of("results/study/logs/conceptual_model.{lang}.log")
    conda:
        "../../envs/figures.yaml"
    threads: 1
    params:
        language=lambda wildcards: wildcards.lang,
    script:
        "../../scripts/conceptual_model.py"
