# Measurement model: reliability, validity, factorability, EFA and the CFA.
rule measure:
    input:
        scored=rules.clean.output.scored,
        instrument=config["study"]["instrument"],
        model=config["study"]["model"],
        library=library("measure.py"),
    output:
        **reported(
            stage_files("measure"),
            "reliability",
            "Tables",
            "{street}",
            ["reliability"],
        ),
    log:
        log_file("measure"),
    benchmark:
        benchmark_of(log_file("measure"))
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        estimator=config["analysis"]["estimator"],
    script:
        "../../scripts/measure.py"
