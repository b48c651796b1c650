rule clean:
    input:
        responses=rules.ingest.output.responses,
        instrument=config["study"]["instrument"],
    output:
        ledger="results/{street}/clean/ledger.parquet",
        ledger_csv="results/{street}/clean/ledger.csv",
        summary="results/{street}/clean/screening.json",
        kept="results/{street}/clean/responses.parquet",
        scored="results/{street}/clean/scored.parquet",
    log:
        "results/{street}/logs/clean.log",
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        screening=config["screening"],
    script:
        "../../scripts/clean.py"
