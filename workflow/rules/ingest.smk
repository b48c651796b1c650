# Raw export (Wenjuanxing, Tencent, Qualtrics, SPSS or mapped csv/xlsx) -> tidy responses.
rule ingest:
    input:
        export=raw_export,
        instrument=config["study"]["instrument"],
    output:
        responses="results/{street}/ingest/responses.parquet",
        report="results/{street}/ingest/ingest_report.json",
    log:
        "results/{street}/logs/ingest.log",
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        street=street_config,
        salt_file=config["ingest"]["salt_file"],
        settings=config["ingest"],
    script:
        "../../scripts/ingest.py"
