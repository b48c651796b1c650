rule report:
    input:
        **street_results(REPORT_STREET),
        sources=report_sources(),
        instrument=config["study"]["instrument"],
    output:
        expand("results/report/chapter.{fmt}", fmt=config["report"]["formats"]),
    log:
        "results/report/report.log",
    conda:
        "../../envs/report.yaml"
    threads: 1
    params:
        street=REPORT_STREET,
        source=REPORT_SOURCE,
        formats=config["report"]["formats"],
        engine=config["report"]["engine"],
        language=config["report"]["language"],
    script:
        "../../scripts/report.py"
