# Raw export (Wenjuanxing, Tencent, Qualtrics, SPSS or mapped csv/xlsx) -> tidy responses.
rule ingest:
    input:
        export=raw_export,
        checksum=raw_export_checksum,
        instrument=config["study"]["instrument"],
        library=library("ingest.py"),
    output:
        **stage_files("ingest"),
    log:
        log_file("ingest"),
    benchmark:
        benchmark_of(log_file("ingest"))
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        street=street_ingest,
        salt_file=config["ingest"]["salt_file"],
        settings=config["ingest"],
    script:
        "../../scripts/ingest.py"
