# Robustness: competing models (under the primary estimator and WLSMV), common-method bias (single factor, ULMC, marker), normality
# (Mardia, item moments) and the sensitivity of paths and effects to the sample and controls;
# the WLSMV bootstrap when robustness.wlsmv_bootstrap.draws > 0 (its table is written, empty, when off).
WLSMV_DRAWS = (config["robustness"].get("wlsmv_bootstrap") or {}).get("draws", 0)


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
    benchmark:
        benchmark_of(log_file("robustness"))
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        settings=config["robustness"],
        alpha=config["analysis"]["alpha"],
        estimator=config["analysis"]["estimator"],
        # only a WLSMV bootstrap uses them: without one, a new seed or level reruns nothing here
        seed=config["analysis"]["seed"] if WLSMV_DRAWS else 0,
        level=config["analysis"]["bootstrap"]["level"] if WLSMV_DRAWS else 0.95,
    script:
        "../../scripts/robustness.py"
