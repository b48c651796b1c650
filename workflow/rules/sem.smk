# Structural model: ML fit in lavaan's shapes, fit indices, R², admissibility.
rule sem:
    input:
        scored=rules.clean.output.scored,
        model=config["study"]["model"],
        library=library("sem.py"),
    output:
        **stage_files("sem"),
    params:
        estimator=config["analysis"]["estimator"],
    log:
        log_file("sem"),
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    script:
        "../../scripts/sem.py"
