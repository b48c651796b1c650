# Robustness: competing models (under the primary estimator and WLSMV), common-method bias (single factor, ULMC, marker), normality
# (Mardia, item moments) and the sensitivity of paths and effects to the sample and controls;
# the WLSMV bootstrap when robustness.wlsmv_bootstrap.draws > 0 (its table is written, empty, when off).
rule robustness:
    input:
        scored=rules.clean.output.scored,
        ledger=rules.clean.output.ledger,
        responses=rules.ingest.output.responses,
        instrument=config["study"]["instrument"],
        model=config["study"]["model"],
        library=library("robustness.py"),
    output:
        **stage_files("robustness"),
    log:
        log_file("robustness"),
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        settings=config["robustness"],
        alpha=config["analysis"]["alpha"],
        estimator=config["analysis"]["estimator"],
        seed=config["analysis"]["seed"],
        level=config["analysis"]["bootstrap"]["level"],
    script:
        "../../scripts/robustness.py"
