rule likert_chart:
    input:
        responses=rules.clean.output.kept,
        instrument=config["study"]["instrument"],
    output:
        png="results/{street}/figures/likert.png",
        svg="results/{street}/figures/likert.svg",
    log:
        "results/{street}/logs/likert_chart.log",
    params:
        language=config["report"]["language"],
    conda:
        "../../envs/figures.yaml"
    threads: 1
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
    params:
        language=config["report"]["language"],
        alpha=config["analysis"]["alpha"],
    conda:
        "../../envs/figures.yaml"
    threads: 1
    script:
        "../../scripts/path_diagram.py"
