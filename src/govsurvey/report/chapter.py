"""Prepare the Quarto chapter: numbers into _variables.yml, the conditional sections' flags,
tables and study-specific sentences into generated/ includes, the figures beside them.

Nothing here types a number: every figure comes from the results files of one street. Words
come from words.py in the chapter's language; the study's own words (construct names, roles,
item wording, implications) from the instrument; the prose that is the same for every study
lives in report/chapter.qmd (en) and report/chapter.zh.qmd (zh).
"""

import shutil
from pathlib import Path

import yaml

from govsurvey.formatting import number_style
from govsurvey.report import (cases, design, discussion, hypotheses, interviews, measurement, mediation, power,
                              robustness, structure, synthesis, tables)
from govsurvey.report.comparison import Comparison, comparison_text
from govsurvey.report.context import Chapter
from govsurvey.report.questionnaire import questionnaire_markdown
from govsurvey.report.render import engine_software, needs_cjk_font, write_pdf_settings
from govsurvey.report.references import (check_citations, citation_files, merge_into_quarto_yml,
                                         reference_list_filters)
from govsurvey.report.variables import build_variables, flags
from govsurvey.study.hypotheses import load_theory, study_hypotheses

FLAGS_FILE = "_metadata.yml"  # the flags of the conditional sections, read by both engines


def generated_parts(chapter, on):
    """{file name: markdown} of every include the chapter sources name (empty when not used)."""
    c = chapter
    w, lang = c.w, c.language
    street_name = c.street["name"][lang]
    params = c.table("sem", "params")
    paths = structure.structural_paths(params, c.instrument)
    bootstrap = c.table("bootstrap", "indirect") if on["bootstrap"] else None
    ingest = c.json("ingest", "report")
    screening = c.json("clean", "summary")
    missing = c.table("clean", "missingness")
    alpha = c.settings["alpha"]
    parts = {
        "synthetic_notice.md": w["synthetic"].format(street=street_name) if c.street.get("synthetic") else "",
        "limitation_synthetic.md": w["synthetic_limitation"].format(street=street_name) if c.street.get("synthetic") else "",
        "design.md": design.design_text(c),
        "standing.md": design.standing_text(c, c.table("measure", "midpoint")) + "\n",
        "limitations.md": discussion.limitations_text(c),
        "summary.md": "",
        "instrument.md": design.instrument_text(c, ingest),
        "screening_text.md": design.screening_text(c, screening, missing, ingest),
        "table_screening.md": design.screening_table(c, screening),
        "table_demographics.md": design.demographics_table(c, c.table("clean", "kept")),
        "table_descriptives.md": measurement.descriptives_table(c, c.table("measure", "descriptives")),
        "reliability_text.md": measurement.reliability_text(c, c.table("measure", "reliability")),
        "table_reliability.md": measurement.reliability_table(c, c.table("measure", "reliability")),
        "table_item_analysis.md": measurement.item_analysis_table(
            c, c.table("measure", "loadings"), c.table("measure", "item_analysis")),
        "table_fornell_larcker.md": measurement.fornell_larcker_table(c, c.table("measure", "fornell_larcker")),
        "table_htmt.md": measurement.htmt_table(c, c.table("measure", "htmt")) if on["discriminant"] else "",
        "table_cfa_fit.md": tables.fit_table(c, c.table("measure", "fit_table"), w["cfa_fit_caption"], "tbl-cfa-fit"),
        "table_sem_fit.md": "",
        "table_paths.md": "",
        "table_r2.md": "",
        "table_indirect.md": "",
        "mediation_text.md": "",
        "bootstrap_note.md": "",
        "discussion.md": structure.measurement_discussion(
            c, c.table("measure", "fit_table"), c.table("measure", "reliability"),
            c.table("measure", "fornell_larcker")),
        "table_missingness.md": tables.missingness(c, missing),
        "table_efa.md": tables.efa(c, c.table("measure", "efa_loadings")),
        "table_modindices.md": tables.modindices(c, c.table("measure", "modindices")) if on["modindices"] else "",
        "table_all_params.md": tables.all_parameters(c, params),
        "table_provenance.md": tables.provenance(c, ingest),
        "table_versions.md": tables.versions(c),
    }  # fmt: skip
    if on["structural"]:
        parts["table_sem_fit.md"] = tables.fit_table(c, c.table("sem", "fit_table"), w["sem_fit_caption"],
                                                     "tbl-sem-fit")
        parts["table_paths.md"] = structure.paths_table(c, paths, bootstrap)
        parts["table_r2.md"] = structure.r2_table(c, c.table("sem", "r2"))
    effects = mediation.effects(c) if on["mediation"] else None
    if on["mediation"]:
        summary = c.json("bootstrap", "summary") if on["bootstrap"] else None
        parts["table_indirect.md"] = mediation.mediation_table(c, effects, summary)
        parts["mediation_text.md"] = mediation.mediation_text(c, effects)
        if on["bootstrap"]:
            parts["bootstrap_note.md"] = mediation.bootstrap_note(c, summary, effects)
    parts["theory.md"] = hypotheses.theory_text(c, c.theory, c.hypotheses) if on["theory"] else ""
    parts["hypothesis_tests.md"] = parts["table_hypotheses.md"] = ""
    if on["hypotheses"]:
        tests = c.table("hypotheses", "tests")
        parts["hypothesis_tests.md"] = hypotheses.summary_text(c, tests)
        parts["table_hypotheses.md"] = hypotheses.summary_table(c, tests)
    parts["robustness.md"] = robustness.robustness_text(c)
    parts["power.md"] = power.power_text(c) if on["power"] else ""
    parts["questionnaire.md"] = questionnaire_markdown(c.instrument, lang, c.street)
    parts["comparison.md"] = ""
    cmp = None
    if on["comparison"]:
        settings = c.settings["comparison"]
        cmp = Comparison(c, settings["names"], settings["groups"], settings)
        parts["comparison.md"] = comparison_text(cmp, alpha, params if on["structural"] else None)
    parts["interviews.md"], parts["interview_evidence.md"], parts["table_code_roles.md"] = (
        interviews.interviews_text(c) if on["interviews"] else ("", "", ""))
    compared_streets = (c.settings.get("comparison") or {}).get("names", {}) if on["comparison"] else {}
    parts["cases.md"] = cases.cases_text(c, compared_streets) if on["cases"] else ""
    parts["synthesis.md"] = synthesis.synthesis_text(c) if on["synthesis"] else ""
    if on["structural"]:  # read last: the Discussion draws on the mediation and the comparison
        parts["discussion.md"] = discussion.discussion_text(c, paths, effects, cmp, alpha)
    parts["summary.md"] = discussion.summary_text(c, paths, effects, cmp, alpha)
    return parts


def figures(chapter, on):
    """{file name in the build's figures/: result file} of the figures the chapter shows."""
    wanted = ["flow", "likert"] + (["path"] if on["structural"] else [])
    wanted += ["forest"] if on["bootstrap"] and on["mediation"] else []
    wanted += ["conceptual"] if on["hypotheses"] else []
    found = {chapter.files.figure(name).name: chapter.files.figure(name) for name in wanted}
    if on["comparison"]:
        found.update({chapter.files.comparison_figure(n).name: chapter.files.comparison_figure(n)
                      for n in ("latent_means", "ipma")})
    if on["interviews"]:
        found[chapter.files.figure("saturation").name] = chapter.files.figure("saturation")
    return found


def chapter_numbering(settings):
    """The keys of the build's _quarto.yml that number the chapter, as Quarto reads them (and
    the fallback reads the same file): headings 4.1, tables 表4-1, figures 图4-1 for chapter 4."""
    return {"crossref": {"chapters": True}, "number-offset": [settings.get("chapter_number", 1) - 1]}


def build_chapter_sources(instrument, model, street, settings, files, source_dir, build_dir, language="en",
                          theory=None, reference_docx=None, base_dir=".", engine="auto"):
    """Copy the Quarto project into build_dir and write its generated inputs there.

    `settings` are the report's params (title, aim, author, alpha, bootstrap: draws, level,
    chapter_number; optional citation_style and bibliography, see references.citation_files,
    whose relative paths are read from `base_dir`, the project folder); `files` the ResultFiles
    of the report rule's inputs; `theory` the study's theory file
    (govsurvey.study.hypotheses.load_theory), or None; `reference_docx` the Word styles (default:
    the shipped report/reference.docx). The chapter's language picks its source: chapter.qmd
    (en) or chapter.zh.qmd (zh), which becomes build_dir/chapter.qmd. `engine` is the one that
    will render it (auto, quarto, fallback): the software table names it with its version, and
    the build's _quarto.yml gets every render setting (language, fonts), so that `quarto render`
    by hand in build_dir makes the same PDF as the pipeline. Returns build_dir.
    """
    source_dir, build_dir = Path(source_dir), Path(build_dir)
    settings = {**settings, "renderer": engine_software(engine)}
    theory = theory or load_theory(None)
    chapter = Chapter(instrument, model, street, settings, language, files, theory,
                      study_hypotheses(model, instrument, theory) if model.structural else [])
    on = flags(chapter)
    if build_dir.exists():
        shutil.rmtree(build_dir)
    shutil.copytree(source_dir, build_dir, ignore=shutil.ignore_patterns("chapter.*.qmd"))
    if language != "en":
        shutil.copy(source_dir / f"chapter.{language}.qmd", build_dir / "chapter.qmd")
    if reference_docx:  # the school's template, where _quarto.yml's format.docx.reference-doc looks
        shutil.copy(reference_docx, build_dir / "reference.docx")
    (build_dir / "figures").mkdir(exist_ok=True)
    for name, path in figures(chapter, on).items():
        shutil.copy(path, build_dir / "figures" / name)
    with number_style(chapter.w["leading_zero"]):  # 0.42 in Chinese, .42 in APA English
        variables = build_variables(chapter, on)
        parts = generated_parts(chapter, on)
    (build_dir / "_variables.yml").write_text(yaml.safe_dump(variables, allow_unicode=True, sort_keys=False), "utf-8")
    (build_dir / FLAGS_FILE).write_text(yaml.safe_dump({"govsurvey": on}, sort_keys=False), "utf-8")
    generated = build_dir / "generated"
    generated.mkdir()
    for name, text in parts.items():
        (generated / name).write_text(text, encoding="utf-8")
    # what makes it this thesis's chapter, into the build's _quarto.yml for both engines: its
    # number, the citation style and .bib files (copied into the build) and the filters after
    # citeproc; then every cited key must be found (Quarto would only warn)
    merge_into_quarto_yml(build_dir / "_quarto.yml", {
        **chapter_numbering(settings),
        **citation_files(settings, language, build_dir, base_dir),
        **reference_list_filters(language, build_dir),
    })
    write_pdf_settings(build_dir, language, needs_cjk_font(build_dir / "chapter.qmd", language), log=lambda m: None)
    check_citations(build_dir / "chapter.qmd")
    return build_dir
