# Structural model: ML fit in lavaan's shapes, fit indices, R², admissibility.
rule sem:
    input:
        scored=rules.clean.output.scored,
        model=config["study"]["model"],
        library=library("sem.py"),
    output:
        **reported(stage_files("sem"), "sem_params", "Tables", "{street}", ["params"]),
    log:
        log_file("sem"),
    benchmark:
        benchmark_of(log_file("sem"))
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        estimator=config["analysis"]["estimator"],
    script:
        "../../scripts/sem.py"
