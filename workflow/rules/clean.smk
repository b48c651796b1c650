# Screening -> the ledger (every raw record, kept or excluded and why) and the analysis sample.
rule clean:
    input:
        responses=rules.ingest.output.responses,
        ingest_report=rules.ingest.output.report,
        instrument=config["study"]["instrument"],
        library=library("clean.py"),
    output:
        **reported(stage_files("clean"), "ledger", "Tables", "{street}", ["ledger_csv"]),
    log:
        log_file("clean"),
    benchmark:
        benchmark_of(log_file("clean"))
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        screening=street_screening,
    script:
        "../../scripts/clean.py"


rule screening_flow:
    input:
        summary=rules.clean.output.summary,
        library=library("screening_flow.py"),
    output:
        **reported(
            figure_files("flow"), "screening_flow", "Figures", "{street}", ["png"]
        ),
    log:
        log_file("screening_flow.{lang}"),
    benchmark:
        benchmark_of(log_file("screening_flow.{lang}"))
    conda:
        "../../envs/figures.yaml"
    threads: 1
    params:
        language=lambda wildcards: wildcards.lang,
    script:
        "../../scripts/screening_flow.py"
