rule clean:
    input:
        responses=rules.ingest.output.responses,
        instrument=config["study"]["instrument"],
    output:
        ledger="results/{street}/clean/ledger.parquet",
        ledger_csv="results/{street}/clean/ledger.csv",
        summary="results/{street}/clean/screening.json",
        missingness="results/{street}/clean/missingness.csv",
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


rule screening_flow:
    input:
        summary=rules.clean.output.summary,
    output:
        png="results/{street}/figures/screening_flow.png",
        svg="results/{street}/figures/screening_flow.svg",
    log:
        "results/{street}/logs/screening_flow.log",
    conda:
        "../../envs/figures.yaml"
    threads: 1
    params:
        language=config["report"]["language"],
    script:
        "../../scripts/screening_flow.py"
