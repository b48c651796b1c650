def street_results(street):
    """The result files of one street that the chapter reads (named as in StreetResults)."""
    base = f"results/{street}"
    return {
        "ingest_report": f"{base}/ingest/ingest_report.json",
        "screening": f"{base}/clean/screening.json",
        "reliability": f"{base}/measure/reliability.csv",
        "descriptives": f"{base}/measure/descriptives.csv",
        "cfa_fit": f"{base}/measure/cfa_fit.json",
        "sem_params": f"{base}/sem/params.csv",
        "sem_fit": f"{base}/sem/fit.json",
        "r2": f"{base}/sem/r2.csv",
        "admissibility": f"{base}/sem/admissibility.json",
        "likert_png": f"{base}/figures/likert.png",
        "path_png": f"{base}/figures/path_diagram.png",
    }


rule report:
    input:
        **street_results(REPORT_STREET),
        sources=report_sources(),
        instrument=config["study"]["instrument"],
    output:
        expand("results/report/chapter.{fmt}", fmt=config["report"]["formats"]),
    log:
        "results/report/report.log",
    params:
        street=REPORT_STREET,
        formats=config["report"]["formats"],
        engine=config["report"]["engine"],
        language=config["report"]["language"],
    conda:
        "../../envs/report.yaml"
    threads: 1
    script:
        "../../scripts/report.py"
