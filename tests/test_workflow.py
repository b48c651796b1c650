"""End to end: the workflow on another street's export, configured by config alone."""

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, copy_run, copy_workflow, run_workflow, workflow_config
from govsurvey.formatting import apa_number, apa_p
from govsurvey.study.instrument import load_instrument
from govsurvey.synthetic.streets import write_synthetic_export

pytestmark = pytest.mark.slow

M_STREET = {
    "name": {"zh": "M街道", "en": "M Street"},
    "city": {"zh": "某市", "en": "Some City"},
    "synthetic": True,
    "communities": [{"zh": "东风社区", "en": "Dongfeng Community"}, {"zh": "向阳社区", "en": "Xiangyang Community"}],
    "fieldwork": {"start": "2026-10-01", "end": "2026-10-20"},
}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], False

    def handle_starttag(self, tag, attrs):
        self._skip = tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(path):
    parser = _Text()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", " ".join(parser.parts))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("m_street_run")
    instrument_path = ROOT / "data" / "instruments" / "party_building_governance.yaml"
    export = write_synthetic_export(
        load_instrument(instrument_path), work / "data" / "raw" / "m_street", n=320, seed=11, street=M_STREET
    )
    # The workflow runs from a copy of its code, whose library test_a_library_edit_… may edit.
    copy_workflow(work / "source")
    # Both languages in one run, as the default config renders them.
    config = workflow_config(work, "m_street", M_STREET, export, languages=["en", "zh"], formats=["html", "pdf", "docx"])
    command = run_workflow(work, config, source=work / "source")
    return work, command


def test_outputs_exist_for_the_new_street(run):
    work, _ = run
    for name in ["ingest/responses.parquet", "clean/ledger.csv", "sem/params.csv", "figures/en/path_diagram.svg",
                 "figures/zh/path_diagram.svg", "hypotheses/tests.csv", "robustness/competing_models.csv",
                 "robustness/sensitivity.csv", "robustness/summary.json"]:
        assert (work / "results" / "m_street" / name).exists(), name
    assert not (work / "results" / "l_street").exists()


def test_ledger_accounts_for_every_raw_record(run):
    work, _ = run
    ledger = pd.read_csv(work / "results/m_street/clean/ledger.csv")
    summary = json.loads((work / "results/m_street/clean/screening.json").read_text())
    raw = pd.read_excel(next((work / "data/raw/m_street").glob("*.xlsx")), dtype=str, engine="openpyxl")
    assert len(ledger) == len(raw) == summary["n_raw"]
    assert summary["n_kept"] == ledger["kept"].sum() > 0
    assert (ledger.loc[~ledger["kept"], "primary_reason"].notna()).all()


def test_report_numbers_equal_results(run):
    work, _ = run
    results = work / "results" / "m_street"
    text = html_text(work / "results/report/chapter.en.html")
    summary = json.loads((results / "clean/screening.json").read_text())
    fit = json.loads((results / "sem/fit.json").read_text())
    params = pd.read_csv(results / "sem/params.csv")
    assert f"held {summary['n_raw']} records" in text
    assert f"leaving {summary['n_kept']} (" in text
    assert f"χ²({fit['df']}) = {fit['chisq']:.2f}" in text
    assert f"CFI = {apa_number(fit['cfi'], 3)}" in text
    assert f"RMSEA = {apa_number(fit['rmsea'], 3)}" in text
    paths = params[(params["op"] == "~") & params["lhs"].isin(["PL", "PW", "RI", "GS"])]
    assert len(paths) == 10
    for row in paths.itertuples():
        assert f"{row.rhs} → {row.lhs}" in text
        # the Discussion: every path's β; a significant one with its interval, the others with their p
        assert f"β = {apa_number(row.std_all)}" in text
        if row.pvalue >= 0.05:
            assert f"β = {apa_number(row.std_all)}, p = {apa_p(row.pvalue)}" in text
    assert "M Street" in text and "Synthetic data" in text


def test_no_unresolved_markup(run):
    work, _ = run
    text = html_text(work / "results/report/chapter.en.html")
    for bad in ["{{<", "?var", "@tbl-", "@fig-", "@sec-", "NaN", "None"]:
        assert bad not in text, bad


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_pdf_carries_the_same_numbers(run):
    work, _ = run
    pdf = work / "results/report/chapter.en.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    summary = json.loads((work / "results/m_street/clean/screening.json").read_text())
    fit = json.loads((work / "results/m_street/sem/fit.json").read_text())
    flat = re.sub(r"\s+", " ", text)
    assert str(summary["n_raw"]) in flat and f"{fit['chisq']:.2f}" in flat
    for bad in ["{{<", "?var", "@tbl-", "@fig-", "@sec-", "NaN", "None"]:
        assert bad not in flat, bad


def test_rerun_is_a_no_op(run):
    work, command = run
    result = subprocess.run([*command, "--dry-run"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def run_zh(run):
    """The Chinese chapter and figures come from the same run as the English ones."""
    return run[0]


def test_chinese_chapter_has_chinese_text_and_the_same_numbers(run_zh):
    text = html_text(run_zh / "results/report/chapter.zh.html")
    summary = json.loads((run_zh / "results/m_street/clean/screening.json").read_text())
    fit = json.loads((run_zh / "results/m_street/sem/fit.json").read_text())
    assert "研究设计与数据" in text and "M街道" in text and "模拟数据" in text
    assert f"原始导出文件共{summary['n_raw']}份问卷" in text
    assert f"χ²({fit['df']}) = {fit['chisq']:.2f}" in text
    assert "党建活动与解决居民实际问题紧密结合" in text  # item wording in Chinese
    # Chinese theses keep the leading zero; the English chapter drops it (APA)
    assert f"RMSEA = {apa_number(fit['rmsea'], 3, leading_zero=True)}" in text and "0." in text
    for bad in ["{{<", "?var", "@tbl-", "@fig-", "NaN", "None", "Research design"]:
        assert bad not in text, bad


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_chinese_pdf_has_chinese_text(run_zh):
    pdf = run_zh / "results/report/chapter.zh.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "研究设计与数据" in text and "{{<" not in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_pdf_page_is_blank(run, run_zh, language, tmp_path):
    from PIL import Image, ImageStat

    work = run[0] if language == "en" else run_zh
    subprocess.run(["pdftoppm", "-r", "36", "-png", str(work / f"results/report/chapter.{language}.pdf"), str(tmp_path / "p")],
                   check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 5
    for page in pages:
        darkest = ImageStat.Stat(Image.open(page).convert("L")).extrema[0][0]
        assert darkest < 128, f"{page.name} of the {language} PDF is blank"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
@pytest.mark.parametrize("language", ["en", "zh"])
def test_html_opens_in_chromium_without_console_errors(run, run_zh, language, tmp_path):
    work = run[0] if language == "en" else run_zh
    page = work / f"results/report/chapter.{language}.html"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    flags += ["--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path}", "--enable-logging=stderr"]
    result = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "<h1" in result.stdout  # the page was parsed and rendered
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []


def test_chinese_figures_follow_the_language(run_zh):
    for name in ["likert.svg", "path_diagram.svg"]:
        svg = (run_zh / "results/m_street/figures/zh" / name).read_text(encoding="utf-8")
        assert "党" in svg, name  # construct names in Chinese (kept as text comments in the SVG)


def test_an_inadmissible_solution_is_shown_in_the_chapter(run, tmp_path):
    """Problems in admissibility.json reach the chapter's text in its language (here planted
    into a copy: a Heywood case, and the issue's N = 36 for 80 free parameters)."""
    work, command = run
    copy = tmp_path / "work"
    command = copy_run(work, command, copy)
    problems = [{"kind": "negative_variance", "where": "GS ~~ GS", "value": -0.24, "severity": "inadmissible",
                 "message": "the variance of latent variable GS is negative (-0.24): a Heywood case."},
                {"kind": "n_below_parameters", "where": "sample size", "value": 0.45, "severity": "inadmissible",
                 "n": 36, "q": 80, "message": "N = 36 complete cases for 80 free parameters: ..."}]  # fmt: skip
    (copy / "results/m_street/sem/admissibility.json").write_text(json.dumps(problems), encoding="utf-8")
    result = subprocess.run([*command, "--forcerun", "report"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    text = html_text(copy / "results/report/chapter.en.html")
    assert ("Admissibility: in the structural model the variance of GS is negative (−0.240), a Heywood case; the "
            "36 respondents are fewer than the 80 free parameters of the structural model, so the structural model "
            "cannot be trusted, whether or not its estimation converged") in text
    assert "no inadmissible estimates" not in text
    zh = html_text(copy / "results/report/chapter.zh.html")
    assert "估计值可接受性检查：结构模型中GS的方差为负（−0.240），属于Heywood情形；纳入分析的36名受访者少于结构模型的80个自由参数" in zh


def test_the_sample_size_warnings_reach_the_log_the_admissibility_file_and_the_chapter(run):
    """M Street's N is under five per free parameter of both models (Bentler & Chou, 1987)."""
    work, _ = run
    n = json.loads((work / "results/m_street/sem/fit.json").read_text())["ntotal"]
    kinds = [p["kind"] for p in json.loads((work / "results/m_street/sem/admissibility.json").read_text())]
    assert n < 400 and kinds == ["n_below_5_per_parameter"]
    assert f"SEM warning: N = {n} complete cases for 80 free parameters" in (work / "results/m_street/logs/sem.log").read_text()
    text = html_text(work / "results/report/chapter.en.html")
    assert (f"no inadmissible estimates were found; the {n} respondents give {n / 92:.1f} cases per free parameter "
            "of the measurement model (q = 92), below the five per parameter that Bentler and Chou (1987)") in text
    assert f"of the structural model (q = 80)" in text
    zh = html_text(work / "results/report/chapter.zh.html")
    assert f"未发现不可接受的估计值；纳入分析的{n}名受访者相对于测量模型的92个自由参数，每个参数仅约{n / 92:.1f}个样本" in zh


def test_the_chapter_states_the_draws_and_warns_when_they_are_few(run):
    """The test config's 200 draws: the chapter counts them (admissible, not converged,
    inadmissible) and says they are fewer than the 1,000 advised; so does the gather's log."""
    work, _ = run
    s = json.loads((work / "results/m_street/bootstrap/summary.json").read_text())
    assert s["draws"] == 200 and s["admissible"] + s["not_converged"] + s["inadmissible"] == 200
    text = html_text(work / "results/report/chapter.en.html")
    assert (f"nonparametric bootstrap (Efron & Tibshirani, 1993; Preacher & Hayes, 2008) of 200 resamples (seed "
            f"{s['seed']}); {s['admissible']} draws gave admissible solutions ({s['not_converged']} did not converge, "
            f"{s['inadmissible']} were inadmissible and left out)") in text
    assert (f"The intervals rest on {s['admissible']} admissible draws, fewer than the 1,000 that Efron and "
            "Tibshirani (1993) advise for confidence intervals") in text
    zh = html_text(work / "results/report/chapter.zh.html")
    assert (f"重复抽样200次（随机种子{s['seed']}），其中{s['admissible']}次得到可接受的解（{s['not_converged']}次未收敛，"
            f"{s['inadmissible']}次不可接受，均未纳入）") in zh
    assert f"区间仅基于{s['admissible']}次可接受的抽样，少于Efron与Tibshirani" in zh
    log = (work / "results/m_street/logs/bootstrap_gather.log").read_text()
    assert f"bootstrap WARNING: the intervals rest on {s['admissible']} admissible draws (of 200)" in log


def planned_jobs(command, *extra):
    """The rules a dry run would run, {rule: count}."""
    result = subprocess.run([*command, "--dry-run", "--quiet", "rules", *extra], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = re.findall(r"^(\w+)\s+(\d+)$", result.stdout + result.stderr, flags=re.M)
    return {rule: int(n) for rule, n in jobs if rule not in ("total", "all")}


@pytest.mark.parametrize("edit, expected", [
    (lambda c: c["study"].update(title={"zh": "新题目", "en": "A new title"}), {"report"}),
    (lambda c: c["streets"]["m_street"]["fieldwork"].update(end="2026-10-31"), {"report"}),
    (lambda c: c["analysis"].update(alpha=0.01), {"path_diagram", "hypotheses", "robustness", "power_gather",
                                                   "report"}),
    (lambda c: c["robustness"].update(controls=["gender"]), {"robustness", "report"}),  # the chapter names them
    # the chapter reads the stage's summary, so it follows
    (lambda c: c["robustness"].update(wlsmv_bootstrap={"draws": 100}), {"robustness", "report"}),
    # the full diagram is drawn again, and the chapter's caption says what its shapes are
    (lambda c: c.setdefault("figures", {}).update(path_diagram="full"), {"path_diagram", "report"}),
    # robust SEs change every SE and the reported fit; the bootstrap resamples the same estimates
    (lambda c: c["analysis"].update(estimator="MLR"), {"measure", "sem", "bootstrap_shard", "bootstrap_gather",
                                                        "power_shard", "power_gather", "path_diagram", "forest_plot", "hypotheses", "robustness",
                                                        "report"}),
])  # fmt: skip
def test_a_config_edit_reruns_exactly_the_jobs_that_use_it(run, tmp_path, edit, expected):
    work, command = run
    config = yaml.safe_load((work / "config.yaml").read_text(encoding="utf-8"))
    edit(config)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    command = [str(tmp_path / "config.yaml") if part == str(work / "config.yaml") else part for part in command]
    # and the study's record (rule provenance), whose config hash follows every setting
    assert set(planned_jobs(command)) == expected | {"provenance"}


@pytest.mark.parametrize("module, expected", [
    ("report/tables.py", {"report"}),
    ("report/crossref.lua", {"report"}),  # package data the renderer uses
    ("figures/path_diagram.py", {"path_diagram", "conceptual_model", "report"}),  # draw_paths is shared
    ("screening/careless.py", {"clean", "screening_flow", "likert_chart", "measure", "sem", "bootstrap_shard",
                               "bootstrap_gather", "power_shard", "power_gather", "path_diagram", "forest_plot", "hypotheses", "robustness",
                               "report"}),
    ("robustness/method_bias.py", {"robustness", "report"}),  # the chapter reports its results
])  # fmt: skip
def test_a_library_edit_reruns_exactly_the_jobs_that_use_it(run, module, expected):
    """An edited library module (in the workflow's copy of the library) reruns the jobs that
    run it and what follows from their outputs, and nothing else."""
    work, command = run
    path = work / "source" / "src" / "govsurvey" / module
    before, stat = path.read_bytes(), path.stat()
    try:
        path.write_bytes(before + b"\n# an edit\n")
        assert set(planned_jobs(command)) == expected
    finally:
        path.write_bytes(before)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_without_the_bootstrap_the_chapter_gives_delta_method_intervals(run, tmp_path):
    """analysis.bootstrap.draws: 0 switches the bootstrap off: no bootstrap jobs, and the chapter's
    mediation section and paths table say which intervals they give instead."""
    work, command = run
    copy = tmp_path / "work"
    command = copy_run(work, command, copy)
    config = yaml.safe_load((copy / "config.yaml").read_text(encoding="utf-8"))
    config["analysis"]["bootstrap"]["draws"] = 0
    (copy / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    assert set(planned_jobs(command)) == {"hypotheses", "provenance", "report"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    text = html_text(copy / "results/report/chapter.en.html")
    assert "The bootstrap was switched off" in text and "β 95% CI (delta method)" in text
    assert re.search(r"delta-method SE \(Sobel, 1982\) ?, p, 95% CI", text) and "nonparametric bootstrap of" not in text
    assert "Forest" not in text and "bias-corrected" not in text
    # the routes and totals the model implies, with delta-method intervals from the sem step
    assert "The model implies 11 indirect routes to GS" in text and "95% delta-method interval" in text
    effects = pd.read_csv(copy / "results/m_street/sem/effects.csv")
    assert set(effects["ci_method"]) == {"delta"} and (effects["kind"] == "indirect").sum() == 11


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_word_chapter_is_what_a_school_accepts(run, language):
    """Each .docx of the run: the chapter numbered 4 (heading, captions in order), every table a
    three-line table, the figures embedded as the PNGs the workflow drew, a reference list, and
    nothing of the source's syntax left."""
    import test_docx as word

    work = run[0]
    document = word._open(work / f"results/report/chapter.{language}.docx")
    title = yaml.safe_load((work / "config.yaml").read_text(encoding="utf-8"))["study"]["title"][language]
    heading = f"第4章\u3000{title}" if language == "zh" else f"Chapter\xa04 {title}"
    assert word._paragraphs(document, "Heading1") == [heading]
    unnumbered = {"参考文献", "可重复性说明"} if language == "zh" else {"References", "Reproducibility note"}
    sections = word._paragraphs(document, "Heading2")
    assert [h for h in sections if not h.startswith("4.")] == sorted(unnumbered, key=sections.index)
    label = ("表4-{}\u3000", "图4-{}\u3000") if language == "zh" else ("Table\xa04.{}: ", "Figure\xa04.{}: ")
    for style_id, prefix in zip(("TableCaption", "ImageCaption"), label):
        captions = word._paragraphs(document, style_id)
        assert captions and all(c.startswith(prefix.format(k)) for k, c in enumerate(captions, 1)), captions[:3]
    tables = list(document.element.body.iter(f"{word.W}tbl"))
    assert len(tables) >= 15
    for table in tables:
        word.assert_three_line_table(document, table)
    figures = {p.read_bytes() for p in (work / f"results/report/build/{language}/figures").glob("*.png")}
    embedded = [document.part.related_parts[s._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
                for s in document.inline_shapes]
    assert len(embedded) == len(figures) >= 5 and set(embedded) == figures  # each figure, at full resolution
    text = "\n".join(word._text(p) for p in document.element.body.iter(f"{word.W}p"))
    assert ("参考文献" if language == "zh" else "References") in text
    assert ("假设检验结果汇总表" if language == "zh" else "Summary of hypothesis tests") in text
    for bad in ("[@", "{{<", "@tbl-", "@fig-", "@sec-", "?var", "GOVSURVEYVAR", "NaN", "None"):
        assert bad not in text, bad


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_libreoffice_lays_out_the_chinese_word_chapter_within_the_margins(run, tmp_path):
    """The zh .docx as LibreOffice prints it: as many pages as a chapter of this length takes, and
    no text past the margins (CJK punctuation may hang by one character, as Word allows)."""
    import test_docx as word

    docx_file = run[0] / "results/report/chapter.zh.docx"
    pdf = word.docx_to_pdf(docx_file, tmp_path / "lo")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    typst_pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(run[0] / "results/report/chapter.zh.pdf")], capture_output=True, text=True).stdout).group(1))
    assert 0.7 * typst_pages <= pages <= 1.6 * typst_pages, (pages, typst_pages)
    width, words = word._words(pdf)
    section = word._open(docx_file).sections[0]
    left, right = section.left_margin.pt, width - section.right_margin.pt
    hanging = lambda w, b: w[-1:] in "。，、；：）”" and b <= right + 12.5  # noqa: E731
    outside = [(p, round(a), round(b), w) for p, a, b, w in words if a < left - 1 or (b > right + 1 and not hanging(w, b))]
    assert not outside, f"text past the margins ({left:.0f}–{right:.0f} pt): {outside[:8]}"


def _font_list(config, rule="#set text(font:"):
    texts = [e["text"] for e in config["format"]["typst"]["include-before-body"] if "text" in e]
    line = next(line for text in texts for line in text.splitlines() if line.startswith(rule))
    items = re.findall(r'\(name: "([^"]+)", covers: "[^"]+"\)|"([^"]+)"', line.split("font:", 1)[1])
    return [(covered or plain, bool(covered)) for covered, plain in items]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_build_quarto_yml_carries_every_render_setting(run, language):
    """What the command line used to force on Quarto (-M lang, region, mainfont, codefont,
    font-paths) is in the build folder's _quarto.yml, so `quarto render` by hand there makes the
    pipeline's PDF: English with the Latin serif first and the CJK serif only as fallback,
    Chinese in the SC serif (the Latin serif for Latin letters only), never a JP face."""
    from govsurvey.report.render import find_cjk_font

    family, path = find_cjk_font()
    config = yaml.safe_load((run[0] / f"results/report/build/{language}/_quarto.yml").read_text(encoding="utf-8"))
    typst = config["format"]["typst"]
    assert config["lang"] == language and typst["font-paths"] == [str(path.parent)]
    body = _font_list(config)
    assert [name for name, _ in body] == ["Libertinus Serif", family, "DejaVu Sans Mono"]
    assert body[0][1] == (language == "zh")  # zh: covers "latin-in-cjk"
    assert [name for name, _ in _font_list(config, "#show raw:")] == ["DejaVu Sans Mono", family]
    assert typst.get("region") == ("CN" if language == "zh" else None)
    assert "JP" not in yaml.safe_dump(config)


def _pdf_facts(pdf):
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    names = sorted({line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if line.strip()})
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                             check=True).stdout).group(1))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return pages, names, text


@pytest.mark.skipif(shutil.which("quarto") is None, reason="quarto not on PATH (https://quarto.org, 1.7 or later)")
@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("language", ["en", "zh"])
def test_quarto_by_hand_in_the_build_folder_gives_the_fallbacks_pdf(run, language, tmp_path):
    """`quarto render chapter.qmd --to typst` in a copy of the build folder, with nothing on the
    command line, against the fallback's PDF of the same run: the same page count and fonts, and
    the same text up to the numbering that QUARTO_SUBSET.md lists as a known difference."""
    import difflib

    build = tmp_path / "build"
    shutil.copytree(run[0] / f"results/report/build/{language}", build)
    done = subprocess.run(["quarto", "render", "chapter.qmd", "--to", "typst"], cwd=build, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    q_pages, q_fonts, q_text = _pdf_facts(build / "chapter.pdf")
    f_pages, f_fonts, f_text = _pdf_facts(run[0] / f"results/report/chapter.{language}.pdf")
    assert q_fonts == f_fonts
    assert abs(q_pages - f_pages) <= 1, (q_pages, f_pages)

    def words(text):  # numbering differs by engine: 表4-1 / 表 4.1, 第4章 / 4, Section 4.2 / 节 4.2
        text = re.sub(r"(第\s*\d+\s*章|Chapter\s+\d+|[表图]\s*\d+[.-]\d+|(Table|Figure)\s+\d+\.\d+:?|节|\d+\.\d+节)", " ", text)
        return re.sub(r"\s+", "", text)

    ratio = difflib.SequenceMatcher(None, words(q_text), words(f_text), autojunk=False).ratio()
    assert ratio > 0.97, ratio
    assert "’ s" not in q_text and "study’ s" not in q_text


def _faults(work, language, instrument_path):
    """The proofreading rules' faults in the chapter of `language` (HTML, and the PDF's tables
    when pdftotext is there)."""
    from govsurvey.report.proofread import proofread_html, proofread_pdf_tables, study_names

    names = study_names([ROOT / "report" / "references.bib"], load_instrument(instrument_path).constructs)
    faults = proofread_html(work / f"results/report/chapter.{language}.html", language, names)
    if shutil.which("pdftotext"):
        faults += proofread_pdf_tables(work / f"results/report/chapter.{language}.pdf")
    return faults


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_chapter_passes_the_proofreading_rules(run, language):
    """No half-width punctuation or space next to Chinese, no stray English in the Chinese chapter,
    no misquoted “”, no sentence twice, no p without its relation, no table cell one character wide."""
    faults = _faults(run[0], language, ROOT / "data" / "instruments" / "party_building_governance.yaml")
    assert not faults, "\n".join(map(str, faults))


def test_size_words_agree_with_the_coefficients_printed_beside_them(run):
    from govsurvey.report.discussion import size_word

    text = html_text(run[0] / "results/report/chapter.en.html")
    found = re.findall(r"\ba (large|medium|small|negligible) (?:one|association) \(β = (−?)\.(\d\d)", text)
    assert found
    for word, minus, digits in found:
        assert size_word(float(f"{'-' if minus else ''}0.{digits}")) == word, (word, digits)


def test_the_chapter_ends_with_its_summary_and_generated_limitations(run):
    text = html_text(run[0] / "results/report/chapter.en.html")
    fit = json.loads((run[0] / "results/m_street/sem/fit.json").read_text())
    assert "Chapter summary" in text and "This chapter analysed" in text
    assert f"{fit['ntotal'] / fit['npar']:.1f} cases per free parameter" in text
    zh = html_text(run[0] / "results/report/chapter.zh.html")
    assert "本章小结" in zh and "本章分析了" in zh and zh.index("本章小结") > zh.index("研究局限")


def test_a_re_export_copied_with_its_old_modification_time_is_read_again(run, tmp_path):
    """Before: a re-saved export copied over the old one with `cp -p` kept the old results (the
    ingest report's SHA-256 no longer the file's): Snakemake compares times, not contents."""
    import openpyxl

    work, command = run
    copy = tmp_path / "copy"
    command = copy_run(work, command, copy)
    config = yaml.safe_load((copy / "config.yaml").read_text(encoding="utf-8"))
    export = copy / config["streets"]["m_street"]["raw_export"]
    stamp = copy / "results/m_street/ingest/export.sha256"
    assert planned_jobs(command) == {} and stamp.is_file()
    stamped = stamp.stat().st_mtime_ns
    assert planned_jobs(command) == {} and stamp.stat().st_mtime_ns == stamped  # same content: untouched
    times = export.stat()
    book = openpyxl.load_workbook(export)
    sheet = book.active
    sheet.cell(row=2, column=sheet.max_column).value = "改过的答案"  # one cell re-entered
    book.save(export)
    os.utime(export, ns=(times.st_atime_ns, times.st_mtime_ns))  # as `cp -p` leaves the copy
    assert {"ingest", "clean", "sem", "report"} <= set(planned_jobs(command))
    assert stamp.stat().st_mtime_ns > stamped


def test_a_killed_run_goes_on_where_it_stopped_with_the_default_profile(run, tmp_path):
    """Before: a run killed hard mid-job (kill -9, out of memory, power loss) left half-written
    outputs, and the next run stopped asking for `--rerun-incomplete`, a flag the README never
    named. The workflow profile (profiles/default) now passes it; the README names both steps."""
    import signal
    import time

    work, command = run
    copy = tmp_path / "copy"
    command = copy_run(work, command, copy)
    markers = copy / ".snakemake" / "incomplete"
    # `make report` re-renders the chapter over the old files: killed, they look up to date.
    process = subprocess.Popen([*command, "--forcerun", "report"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (markers.is_dir() and any(markers.iterdir())):
        assert process.poll() is None and time.monotonic() < deadline, "the report job never started"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert any(markers.iterdir())
    # Snakemake removed the old chapter when the job began; put back what a job killed after
    # writing its files (before Snakemake saw it finish) leaves: outputs newer than every input.
    for chapter in (work / "results/report").glob("chapter.*"):
        shutil.copy(chapter, copy / "results/report" / chapter.name)
    # Snakemake's own message names --unlock for the lock a hard kill leaves; the README says so.
    assert subprocess.run([*command, "--unlock"], capture_output=True, timeout=300).returncode == 0
    without = subprocess.run([*command, "--workflow-profile", "none"], capture_output=True, text=True, timeout=300)
    assert without.returncode != 0 and "--rerun-incomplete" in without.stdout + without.stderr
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "rule report:" in again.stdout + again.stderr and not any(markers.iterdir())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "--unlock" in readme and "--rerun-incomplete" in readme and "profiles/default" in readme


def test_under_mlr_the_chapter_reports_the_scaled_chi_square_and_robust_indices(run, tmp_path):
    """Before: no estimator but ML. With `analysis.estimator: MLR` the chapter says how the models
    were estimated and prints the Yuan-Bentler scaled chi-square and the robust indices."""
    work, command = run
    copy = tmp_path / "copy"
    command = copy_run(work, command, copy)
    config = yaml.safe_load((copy / "config.yaml").read_text(encoding="utf-8"))
    config["analysis"]["estimator"] = "MLR"
    (copy / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    fit = json.loads((copy / "results/m_street/measure/cfa_fit.json").read_text())
    structural = json.loads((copy / "results/m_street/sem/fit.json").read_text())
    assert fit["estimator"] == structural["estimator"] == "MLR"
    text = html_text(copy / "results/report/chapter.en.html")
    assert "Yuan–Bentler scaled χ² (MLR)" in text
    assert f"gave χ²({fit['df']}) = {fit['chisq_scaled']:.2f}" in text
    assert f"CFI = {apa_number(fit['cfi_robust'], 3)}" in text
    assert f"χ²({structural['df']}) = {structural['chisq_scaled']:.2f}" in text
    assert "Structural paths (MLR with robust SEs;" in text


def test_the_robustness_stage_writes_its_verdicts(run):
    work, _ = run
    folder = work / "results" / "m_street" / "robustness"
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    competing = pd.read_csv(folder / "competing_models.csv")
    assert list(competing["model"]) == ["one_factor", "cfa", "structural", "partial_mediation"]
    assert summary["competing"]["text"].startswith("The tests favour cfa over one_factor")
    assert summary["sensitivity"]["variants"][0] == "ml" and "ml_controls" in summary["sensitivity"]["variants"]
    sensitivity = pd.read_csv(folder / "sensitivity.csv", keep_default_na=False)
    assert (sensitivity["kind"] == "path").sum() == 10 and "ml_controls_est" in sensitivity
    log = (work / "results" / "m_street" / "logs" / "robustness.log").read_text(encoding="utf-8")
    assert "robustness: ULMC (equal loadings) converged" in log
    # the WLSMV bootstrap is off by default: its table is there, empty, with its columns
    boot = pd.read_csv(folder / "wlsmv_bootstrap.csv")
    assert boot.empty and {"key", "boot_se", "ci_lower", "ci_upper", "agree"} <= set(boot.columns)
    assert summary["wlsmv_bootstrap"] == {"ran": False, "draws": 0, "reason": "off"}
    # the competing models under the primary estimator (ML here) and under WLSMV (DIFFTEST)
    assert set(competing["estimator"]) == {"ML"} and summary["competing"]["estimator"] == "ML"
    wlsmv = pd.read_csv(folder / "competing_models_wlsmv.csv")
    assert list(wlsmv["model"]) == list(competing["model"]) and set(wlsmv["estimator"]) == {"WLSMV"}
    assert wlsmv.set_index("model").loc["one_factor", "test_method"] == "satorra.2000"
    assert [t["method"] for t in summary["competing_wlsmv"]["tests"]] == ["satorra.2000"] * len(
        summary["competing"]["tests"]) and "text" not in summary["competing_wlsmv"]
    # one column group per variant, the primary first and the estimators next
    groups = [c[:-4] for c in sensitivity.columns if c.endswith("_est")]
    order = ["ml", "mlr", "wlsmv", "fiml", "ml_with_mahalanobis", "ml_controls"]
    assert groups[:3] == ["ml", "mlr", "wlsmv"] and groups == [g for g in order if g in groups]
    # FIML adds exactly the records the ledger excludes only for being incomplete
    ledger = pd.read_csv(work / "results" / "m_street" / "clean" / "ledger.csv", keep_default_na=False)
    only_incomplete = int(((ledger["kept"].astype(str) == "False") & (ledger["reasons"] == "incomplete")).sum())
    facts = summary["sensitivity"]
    assert facts["incomplete_records_added"] == only_incomplete
    if only_incomplete:
        assert facts["n"]["fiml"] == facts["n"]["ml"] + only_incomplete and "fiml" in groups
    else:
        assert "fiml" in facts["skipped"] and "fiml" not in groups
    # the estimator block: the primary, the facts behind it and the agreement the table shows
    estimator = summary["estimator"]
    assert estimator["primary"] == "ML" and 0 <= estimator["share_items_beyond_limits"] <= 1
    assert {"mardia_skew_p", "mardia_kurtosis_z", "mardia_kurtosis_p"} <= set(estimator)
    assert {"mlr", "wlsmv"} <= set(estimator["agreement_with_ml"])
    for variant, agreed in estimator["agreement_with_ml"].items():
        paths = sensitivity[sensitivity["kind"] == "path"]
        assert agreed["paths_agree"] == (not paths["changes"].str.split(";").apply(lambda v: variant in v).any())


def test_the_chapter_reports_estimation_and_robustness_from_the_stage_results(run):
    """Before: one estimator (ML), no competing models, Harman's test alone. The chapter now has
    an estimation-and-robustness section whose every figure is the robustness stage's."""
    work, _ = run
    folder = work / "results/m_street/robustness"
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    norm = json.loads((folder / "normality.json").read_text(encoding="utf-8"))
    bias = json.loads((folder / "method_bias.json").read_text(encoding="utf-8"))
    en = html_text(work / "results/report/chapter.en.html")
    zh = html_text(work / "results/report/chapter.zh.html")
    assert "Estimation and robustness" in en and "估计方法与稳健性检验" in zh
    verdict = "rejects" if norm["multivariate_normal_rejected"] else "does not reject"
    assert f"Mardia’s (1970) test {verdict} multivariate normality" in en
    assert f"z = {apa_number(norm['kurtosis_z'], 2, leading_zero=True)}" in en
    ulmc = bias["ulmc"]
    if ulmc["converged"] and ulmc["admissible"]:
        assert f"accounts for {100 * ulmc['method_variance_share']:.1f}% of the items’ variance" in en
        assert f"方法因子平均解释题项{100 * ulmc['method_variance_share']:.1f}%的方差" in zh
    for test in summary["competing"]["tests"]:
        assert f"Δχ²({test['df_diff']}) = {test['chisq_diff']:.2f}" in en
    sensitivity = summary["sensitivity"]
    assert "MLR" in sensitivity["variants"] or "mlr" in sensitivity["variants"]
    header = {"mlr": "MLR", "wlsmv": "WLSMV", "fiml": "FIML"}
    assert all(label in en for v, label in header.items() if v in sensitivity["variants"])
    claims_none = "No path or effect changes sign or significance" in en
    # no WLSMV bootstrap by default: the table's WLSMV column rests on delta-method SEs and says so
    assert "WLSMV p values rest on delta-method standard errors" in en and "WLSMV的p值基于Delta法标准误" in zh
    assert claims_none == (not sensitivity["changes"])
    assert ("没有任何路径或效应改变方向或显著性" in zh) == (not sensitivity["changes"])


def test_a_study_without_interviews_or_cases_has_none_of_their_sections(run, run_zh):
    """The qualitative sections, the joint display and its optimisation path appear only with their
    data: here the Discussion's path is the survey's, by its own rule, and no synthesis job ran."""
    work = run[0]
    for language, headings in (("en", ["Interviews", "Case analysis", "Joint display of the evidence"]),
                               ("zh", ["访谈资料分析", "典型案例比较", "定量与定性证据的整合"])):
        text = html_text(work / f"results/report/chapter.{language}.html")
        words = yaml.safe_load((ROOT / f"src/govsurvey/prose/{language}.yaml").read_text(encoding="utf-8"))
        assert [h for h in headings if h in text] == []
        survey_rule = words["optimisation"]["rule_no_comparison"].format(outcome="GS")
        assert survey_rule.replace("'", "’")[:40] in text or survey_rule[:40] in text
        generated = work / "results/report/build" / language / "generated"
        for part in ("interviews.md", "interview_evidence.md", "cases.md", "synthesis.md", "table_code_roles.md"):
            assert (generated / part).read_text(encoding="utf-8") == ""
        flags = yaml.safe_load((work / "results/report/build" / language / "_metadata.yml").read_text())["govsurvey"]
        assert not (flags["interviews"] or flags["cases"] or flags["synthesis"])
    assert not (work / "results/m_street/synthesis").exists()
