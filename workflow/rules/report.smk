# The thesis chapter of one street (report.street): generated parts into a copy of report/,
# rendered by Quarto or the pandoc + Typst fallback. Params are exactly what the chapter shows,
# so editing the title or a street's fieldwork facts re-renders it, and nothing else.
rule report:
    input:
        **report_inputs(REPORT_STREET),
        sources=report_sources(),
        instrument=config["study"]["instrument"],
        model=config["study"]["model"],
        library=library("report.py"),
        lua_filter=LIBRARY / "report" / "crossref.lua",
    output:
        expand("results/report/chapter.{fmt}", fmt=config["report"]["formats"]),
    log:
        "results/report/report.log",
    conda:
        "../../envs/report.yaml"
    threads: 1
    params:
        street=config["streets"][REPORT_STREET],
        settings={
            "title": config["study"].get("title"),
            "aim": config["study"].get("aim"),
            "author": config["study"]["author"],
            "alpha": config["analysis"]["alpha"],
            "bootstrap": {"draws": BOOTSTRAP["draws"], "level": BOOTSTRAP["level"]},
            "street_id": REPORT_STREET,
            "comparison": report_comparison(),
        },
        source=REPORT_SOURCE,
        formats=config["report"]["formats"],
        engine=config["report"]["engine"],
        language=config["report"]["language"],
    script:
        "../../scripts/report.py"
