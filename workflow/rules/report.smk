# The thesis chapter of one street (report.street) in each language (report.languages):
# generated parts into a copy of report/ (results/report/build/<lang>/), rendered by Quarto or
# the pandoc + Typst fallback to every format. Params are exactly what the chapter shows, so
# editing the title or a street's fieldwork facts re-renders it, and nothing else.
rule report:
    input:
        **report_inputs(REPORT_STREET),
        **report_qualitative(REPORT_STREET),
        sources=report_sources(),
        instrument=config["study"]["instrument"],
        model=config["study"]["model"],
        theory=THEORY_FILE,
        study_provenance=rules.provenance.output.record,
        bibliography=report_bibliography(REPORT_STREET),
        reference_docx=REFERENCE_DOCX,
        library=library("report.py"),
        lua_filter=code_path(LIBRARY / "report" / "crossref.lua"),
        western_refs=code_path(LIBRARY / "report" / "western_refs.lua"),
        chinese_quotes=code_path(LIBRARY / "report" / "chinese_quotes.lua"),
    output:
        [
            report(f, caption="../report/chapter.rst", category="Chapter")
            for f in chapter_files("{lang}")
        ],
    log:
        "results/report/report.{lang}.log",
    benchmark:
        benchmark_of("results/report/report.{lang}.log")
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
            "estimator": config["analysis"]["estimator"],
            "bootstrap": {"draws": BOOTSTRAP["draws"], "level": BOOTSTRAP["level"]},
            "street_id": REPORT_STREET,
            "comparison": report_comparison(),
            "chapter_number": config["report"]["chapter_number"],
            "citation_style": config["report"]["citation_style"],
            "bibliography": report_bibliography(REPORT_STREET),
            # interviews, cases and the joint display: which the chapter has, and their rule
            "qualitative": report_qualitative_settings(REPORT_STREET),
            # which caption the path diagram gets
            "path_diagram": config["figures"]["path_diagram"],
            # the sensitivity table's controls, named in the robustness section
            "robustness_controls": config["robustness"]["controls"],
        },
        source=REPORT_SOURCE,
        formats=config["report"]["formats"],
        engine=config["report"]["engine"],
        language=lambda wildcards: wildcards.lang,
    script:
        "../../scripts/report.py"


# Every chapter, re-rendered from existing results by `make report`.
rule chapter:
    input:
        chapter_files(),
