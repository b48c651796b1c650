# The test of each hypothesis (generated from the model, changed by the theory file) against
# the fitted model and, when it ran, the bootstrap: results/<street>/hypotheses/tests.csv.
rule hypotheses:
    input:
        params=rules.sem.output.params,
        bootstrap=([rules.bootstrap_gather.output.indirect] if BOOTSTRAP_ON else []),
        model=config["study"]["model"],
        instrument=config["study"]["instrument"],
        theory=THEORY_FILE,
        library=library("hypotheses.py"),
    output:
        **reported(stage_files("hypotheses"), "hypotheses", "Tables", "{street}"),
    log:
        log_file("hypotheses"),
    benchmark:
        benchmark_of(log_file("hypotheses"))
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    params:
        alpha=config["analysis"]["alpha"],
        level=BOOTSTRAP["level"],
    script:
        "../../scripts/hypotheses.py"
