rule likert_chart:
    input:
        responses=rules.clean.output.kept,
        instrument=config["study"]["instrument"],
    output:
        png="results/{street}/figures/likert.png",
        svg="results/{street}/figures/likert.svg",
    log:
        "results/{street}/logs/likert_chart.log",
    conda:
        "../../envs/figures.yaml"
    threads: 1
    params:
        language=config["report"]["language"],
    script:
        "../../scripts/likert_chart.py"


rule path_diagram:
    input:
        params=rules.sem.output.params,
        instrument=config["study"]["instrument"],
    output:
        png="results/{street}/figures/path_diagram.png",
        svg="results/{street}/figures/path_diagram.svg",
    log:
        "results/{street}/logs/path_diagram.log",
    conda:
        "../../envs/figures.yaml"
    threads: 1
    params:
        language=config["report"]["language"],
        alpha=config["analysis"]["alpha"],
    script:
        "../../scripts/path_diagram.py"


rule forest_plot:
    input:
        effects=rules.bootstrap_gather.output.indirect,
    output:
        png="results/{street}/figures/forest.png",
        svg="results/{street}/figures/forest.svg",
    log:
        "results/{street}/logs/forest_plot.log",
    conda:
        "../../envs/figures.yaml"
    threads: 1
    params:
        language=config["report"]["language"],
        level=config["analysis"]["bootstrap"]["level"],
    script:
        "../../scripts/forest_plot.py"
