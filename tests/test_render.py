"""Report renderer: the pandoc + Typst fallback on a small fixture project, errors, and Quarto."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from govsurvey.errors import InputError
from govsurvey.report.render import expand_source, find_cjk_font, render_chapter

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "render"
REPORT = ROOT / "report"
LEFTOVERS = ("{{<", "?var", "@fig-", "@tbl-", "@sec-", "NaN", "None")


def _write_png(path):
    """A small bar chart, so the figure is a real image (and the screenshot shows something)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2.5))
    ax.bar(["IN", "OB", "MS", "PM"], [3.2, 3.8, 2.9, 3.5])
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=60)
    plt.close(fig)


def make_project(dest):
    """Fixture sources + the real report/_quarto.yml and report/styles, so those are tested too."""
    shutil.copytree(FIXTURE, dest)
    shutil.copy(REPORT / "_quarto.yml", dest / "_quarto.yml")
    shutil.copytree(REPORT / "styles", dest / "styles")
    _write_png(dest / "figures" / "bar.png")
    return dest


def pdf_text(path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not on PATH: cannot read the PDF's text")
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return _flat(out.stdout)


def _flat(text):
    """Collapse no-break spaces and runs of whitespace, so phrases can be searched for."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def _html_text(html):
    """Visible text of the HTML (tags and the embedded image data dropped)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return _flat(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("render") / "project")
    lines = []
    en = render_chapter(project, engine="fallback", lang="en", log=lines.append)
    zh = render_chapter(project, qmd="chapter_zh.qmd", engine="fallback", lang="zh", log=lines.append)
    return {"project": project, "en": en, "zh": zh, "log": lines}


def test_fallback_writes_both_formats(rendered):
    for key in ("en", "zh"):
        out = rendered[key]
        assert out["engine"] == "fallback"
        assert out["html"].suffix == ".html" and out["pdf"].suffix == ".pdf"
        assert out["html"].stat().st_size > 0
        assert out["pdf"].read_bytes()[:5] == b"%PDF-"
    assert all(line.startswith("render: ") for line in rendered["log"])


def test_html_has_values_includes_numbering_and_embedded_image(rendered):
    html = rendered["en"]["html"].read_text(encoding="utf-8")
    text = _html_text(html)
    # var values, a nested include (two levels) and the shortcode inside a comment gone
    for phrase in (
        "The survey in L Street kept 377 of 412 records",
        "CFI = .951",
        "an included file in Binzhou",
        "a file included by the included file",
    ):
        assert phrase in text
    for bad in LEFTOVERS:
        assert bad not in text, bad
    assert "{{<" not in html
    # numbering in document order, captions prefixed, references linked with the same text
    assert "Table 1 : Model fit of the fixture" in text
    assert "Table 2 : Standardized paths" in text
    assert "Figure 1 : Answers by construct in the fixture" in text
    refs = dict(re.findall(r'<a href="#((?:fig|tbl|sec)-[\w-]+)"[^>]*>([^<]+)</a>', html))
    assert {k: _flat(v) for k, v in refs.items()} == {
        "tbl-fit": "1",  # the last [-@tbl-fit] overwrote "Table 1": prefix suppressed
        "fig-bar": "Figure 1",
        "sec-results": "Section 2",
        "sec-fit": "Section 1.1",
        "tbl-paths": "Table 2",
    }
    assert '<a href="#tbl-fit" class="quarto-xref">Table\xa01</a>' in html
    # captions: above tables, below figures (source order in the HTML)
    assert re.search(r"<table[^>]*>\s*<caption>", html)
    assert re.search(r"<img [^>]*>\s*<figcaption", html)
    # self-contained: the image is a data URI and the stylesheet is inlined
    assert re.search(r'<img [^>]*src="data:image/png;base64,', html)
    assert "figures/bar.png" not in html
    assert "border-top: 2px solid" in html
    assert re.search(r'<html [^>]*lang="en"', html)


def test_pdf_text_matches(rendered):
    text = pdf_text(rendered["en"]["pdf"])
    for phrase in (
        "The survey in L Street kept 377 of 412 records",
        "CFI = .951",
        "an included file in Binzhou",
        "a file included by the included file",
        "Table 1: Model fit of the fixture",
        "Figure 1: Answers by construct in the fixture",
        "Table 2: Standardized paths",
        "Section 2 reports the paths",
        "As Figure 1 and Table 2 show",
        "1.1 Fit indices",
        "2 Results",
    ):
        assert phrase in text, phrase
    for bad in LEFTOVERS:
        assert bad not in text, bad
    assert _pdf_image_count(rendered["en"]["pdf"]) == 1


def _pdf_image_count(path):
    if not shutil.which("pdfimages"):
        pytest.skip("pdfimages (poppler-utils) not on PATH: cannot count the PDF's images")
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    return sum(1 for line in out.splitlines()[2:] if line.split()[2] == "image")


def test_image_outside_the_project_folder(tmp_path):
    """Figures often live in ../results/figures: both outputs must still carry them."""
    project = make_project(tmp_path / "report")
    _write_png(tmp_path / "results" / "up.png")
    (project / "up.qmd").write_text(
        "![From results](../results/up.png){#fig-up}\n\nSee @fig-up.\n", encoding="utf-8"
    )
    out = render_chapter(project, qmd="up.qmd", engine="fallback", log=lambda m: None)
    assert "data:image/png;base64," in out["html"].read_text(encoding="utf-8")
    assert _pdf_image_count(out["pdf"]) == 1
    assert "See Figure 1." in pdf_text(out["pdf"])


def test_chinese_outputs(rendered):
    html = rendered["zh"]["html"].read_text(encoding="utf-8")
    assert re.search(r'<html [^>]*lang="zh"', html)
    htext = _html_text(html)
    assert "本章调查了L街道的居民，保留 377 份问卷。" in htext
    assert "第 2 节" in htext and "表 1 ：模型拟合指标" in htext
    text = pdf_text(rendered["zh"]["pdf"])
    for phrase in (
        "党建引领社区治理",
        "街道的居民",
        "377",
        "表 1：模型拟合指标",
        "图 1：各维度的作答分布",
        "第 2 节",
        "如 图 1 所示",
        "an included file in Binzhou",
    ):
        assert phrase in text.replace(" ：", "："), phrase
    for bad in LEFTOVERS:
        assert bad not in text, bad
    fonts = subprocess.run(["pdffonts", str(rendered["zh"]["pdf"])], capture_output=True, text=True).stdout
    assert "CJK" in fonts


def test_unknown_var_names_key_and_file(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "bad.qmd").write_text("---\ntitle: x\n---\n\nFit: {{< var fit.cfii >}}.\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        render_chapter(project, qmd="bad.qmd", engine="fallback", log=lambda m: None)
    msg = str(err.value)
    assert "fit.cfii" in msg and "_variables.yml" in msg and "bad.qmd line 5" in msg
    assert "fit.cfi" in msg  # the close match is suggested
    assert not (project / "bad.html").exists()


def test_var_group_and_null_are_errors(tmp_path):
    (tmp_path / "_variables.yml").write_text("fit:\n  cfi: .95\n  tli: null\n", encoding="utf-8")
    (tmp_path / "a.qmd").write_text("{{< var fit >}}", encoding="utf-8")
    with pytest.raises(InputError, match="group of keys"):
        expand_source(tmp_path / "a.qmd")
    (tmp_path / "a.qmd").write_text("{{< var fit.tli >}}", encoding="utf-8")
    with pytest.raises(InputError, match="no printable value"):
        expand_source(tmp_path / "a.qmd")


def test_missing_include_names_file(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "bad.qmd").write_text(
        "Intro.\n\n{{< include generated/missing_table.md >}}\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as err:
        render_chapter(project, qmd="bad.qmd", engine="fallback", log=lambda m: None)
    assert "generated/missing_table.md" in str(err.value) and "bad.qmd line 3" in str(err.value)


def test_include_loop_and_unknown_shortcode(tmp_path):
    (tmp_path / "a.qmd").write_text("{{< include b.md >}}", encoding="utf-8")
    (tmp_path / "b.md").write_text("{{< include a.qmd >}}", encoding="utf-8")
    with pytest.raises(InputError, match="loop"):
        expand_source(tmp_path / "a.qmd")
    (tmp_path / "c.qmd").write_text("{{< meta title >}}", encoding="utf-8")
    with pytest.raises(InputError, match="meta"):
        expand_source(tmp_path / "c.qmd")


@pytest.mark.parametrize(
    "body, needle",
    [
        ("See @fig-nothere.", "@fig-nothere"),
        ("See @tbl-gone.", "@tbl-gone"),
        ("As @smith2020 said.", "@smith2020"),
        ("![a](figures/none.png){#fig-a}\n\n@fig-a", "figures/none.png"),
        ("# A {#sec-a}\n\n# B {#sec-a}\n\n@sec-a", "#sec-a is used twice"),
    ],
)
def test_bad_reference_is_input_error(tmp_path, body, needle):
    project = make_project(tmp_path / "p")
    (project / "bad.qmd").write_text(body + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        render_chapter(project, qmd="bad.qmd", formats=("html",), engine="fallback", log=lambda m: None)
    assert needle in str(err.value)


def test_no_cjk_font_gives_install_hint(tmp_path):
    with pytest.raises(InputError) as err:
        find_cjk_font(font_dirs=[tmp_path], system=False)
    assert "fonts-noto-cjk" in str(err.value)


def test_bad_engine_and_format(tmp_path, monkeypatch):
    project = make_project(tmp_path / "p")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(InputError, match="quarto is not on PATH"):
        render_chapter(project, engine="quarto", log=lambda m: None)
    with pytest.raises(InputError, match="unknown format"):
        render_chapter(project, formats=("epub",), engine="fallback", log=lambda m: None)


def test_auto_engine_picks_fallback_without_quarto(tmp_path, monkeypatch):
    project = make_project(tmp_path / "p")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    out = render_chapter(project, formats=("html",), out_dir=tmp_path / "out", log=lambda m: None)
    assert out["engine"] == "fallback" and out["html"] == (tmp_path / "out" / "chapter.html").resolve()


def test_quarto_engine(tmp_path):
    if not shutil.which("quarto"):
        pytest.skip("quarto not on PATH")
    project = make_project(tmp_path / "p")
    out = render_chapter(project, engine="quarto", out_dir=tmp_path / "out", log=lambda m: None)
    assert out["engine"] == "quarto"
    html = out["html"].read_text(encoding="utf-8")
    assert "L Street" in html and "data:image/png;base64," in html and "{{<" not in html
    text = pdf_text(out["pdf"])
    assert "L Street kept 377 of 412" in text and "Table 1" in text and "Figure 1" in text


def _tool(name, package):
    if not shutil.which(name):
        pytest.skip(f"{name} ({package}) not on PATH")
    return name


@pytest.mark.parametrize("key", ["en", "zh"])
def test_pdf_passes_pdfinfo_and_qpdf_without_complaint(rendered, key):
    """poppler must print nothing on stderr (it used to say 'Suspects object is wrong type')."""
    pdf = str(rendered[key]["pdf"])
    info = subprocess.run([_tool("pdfinfo", "poppler-utils"), pdf], capture_output=True, text=True)
    assert info.returncode == 0 and info.stderr == "", info.stderr
    assert "Tagged:          yes" in info.stdout  # the fix keeps the PDF tagged (accessible)
    check = subprocess.run([_tool("qpdf", "qpdf"), "--check", pdf], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "WARNING" not in check.stdout + check.stderr and "No syntax or stream encoding errors" in check.stdout


def test_plain_quarto_render_renders_only_the_chapter():
    """Without `project: render`, `quarto render` in the build folder renders every generated part
    (generated/*.md) and QUARTO_SUBSET.md as documents of their own. (The fallback ignores the key;
    the fixture renders here all use this _quarto.yml.)"""
    import yaml

    project = yaml.safe_load((REPORT / "_quarto.yml").read_text(encoding="utf-8"))["project"]
    assert project["type"] == "default"
    assert project["render"] == ["chapter.qmd"]


def test_nested_include_paths_are_relative_to_the_main_document(tmp_path):
    """Quarto: includes are pasted into the main file, so paths inside an included file (other
    includes too) resolve against the main document's folder; a leading / is the project root."""
    (tmp_path / "_quarto.yml").write_text("project:\n  type: default\n", encoding="utf-8")
    (tmp_path / "sub" / "parts").mkdir(parents=True)
    (tmp_path / "shared.md").write_text("From the project root.\n", encoding="utf-8")
    (tmp_path / "sub" / "parts" / "a.md").write_text(
        "{{< include parts/b.md >}}\n\n{{< include /shared.md >}}\n", encoding="utf-8"
    )
    (tmp_path / "sub" / "parts" / "b.md").write_text("Nested, relative to the main file.\n", encoding="utf-8")
    (tmp_path / "sub" / "main.qmd").write_text("{{< include parts/a.md >}}\n", encoding="utf-8")
    text = expand_source(tmp_path / "sub" / "main.qmd")
    assert "Nested, relative to the main file." in text and "From the project root." in text

    # the including file's own folder is not where Quarto looks: say so
    (tmp_path / "sub" / "parts" / "a.md").write_text("{{< include b.md >}}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        expand_source(tmp_path / "sub" / "main.qmd")
    msg = str(err.value)
    assert "a.md line 1" in msg and str(tmp_path / "sub" / "b.md") in msg
    assert "relative to the main document" in msg


def _appendix_break_rules(chapter):
    """The chapter's raw typst blocks that switch table page breaks on and off (around the joint
    display and the appendix): on and off in turn, every pair the same rules."""
    blocks = re.findall(r"```\{=typst\}\n(.*?)```", chapter.read_text(encoding="utf-8"), re.S)
    rules = [(b, "\n".join(line for line in b.splitlines() if not line.startswith("//")))
             for b in blocks if "breakable:" in b]
    on, off = [r for b, r in rules if "breakable: true" in b], [r for b, r in rules if "breakable: false" in b]
    assert on and len(on) == len(off), f"{chapter.name}: expected the rules in on/off pairs"
    assert ["true" if "breakable: true" in b else "false" for b, _ in rules] == ["true", "false"] * len(on)
    assert len(set(on)) == 1 and len(set(off)) == 1, f"{chapter.name}: every pair must set the same rules"
    return on[0] + "\n", off[0] + "\n"


def _long_table_figure(kind, rows=88):
    """A long table as each engine writes it: Quarto's Typst floats are figures of kind
    "quarto-float-tbl" (caption passed as figure.caption); pandoc's are figures of kind table."""
    cells = ", ".join(f"[row-{i:03d}], [0.{i:03d}], [text]" for i in range(1, rows + 1))
    table = f"table(columns: 3, table.header([Name], [Value], [Note]), table.hline(), {cells})"
    if kind == "quarto":
        return (
            f"#figure([\n#{table}\n], caption: figure.caption(separator: \"\", position: top, [All parameters]),"
            ' kind: "quarto-float-tbl", supplement: "Table")\n'
        )
    return f"#figure(align(center)[#{table}], caption: [All parameters], kind: table)\n"


@pytest.mark.parametrize("chapter", ["chapter.qmd", "chapter.zh.qmd"])
@pytest.mark.parametrize("engine", ["quarto", "fallback"])
def test_appendix_tables_break_across_pages_in_both_engines(tmp_path, chapter, engine):
    """An 88-row parameter table must run over pages, not overprint the page foot (with real
    Quarto the rule for `kind: table` missed Quarto's tables)."""
    import typst

    on, off = _appendix_break_rules(REPORT / chapter)
    for rule in (on, off):  # Quarto's kind and pandoc's
        assert {"table", '"quarto-float-tbl"'} <= set(re.findall(r"figure\.where\(kind: ([^)]+)\)", rule))
    style = (REPORT / "styles" / "chapter.typ").read_text(encoding="utf-8")
    source = f"{style}\n#lorem(120)\n\n{on}\n{_long_table_figure(engine)}\n{off}\n"
    (tmp_path / "t.typ").write_text(source, encoding="utf-8")
    typst.compile(str(tmp_path / "t.typ"), output=str(tmp_path / "t.pdf"))
    _tool("pdftotext", "poppler-utils")

    def page(n):
        args = ["pdftotext", "-f", str(n), "-l", str(n), str(tmp_path / "t.pdf"), "-"]
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout

    first = page(1)
    assert "row-001" in first and "row-088" not in first  # starts under the text, goes on overleaf
    assert "row-088" in page(2) + page(3)


CJK_NAMES_EN = """---
title: "Names in the English chapter"
---

# Fieldwork {#sec-fieldwork}

The survey ran in {{< var study.street_zh >}} ({{< var study.street >}}), Binzhou.

{{< include generated/provenance.md >}}
"""
# a generated table, as the chapter's provenance table: a Chinese file name in code text
CJK_PROVENANCE = """| Item | Value |
|:-----|:------|
| Street | L街道 |
| Export file | `287514936_按文本_L街道问卷.xlsx` |

: Provenance {#tbl-provenance}
"""


def _names_project(dest):
    project = make_project(dest)
    (project / "names.qmd").write_text(CJK_NAMES_EN, encoding="utf-8")
    (project / "generated").mkdir()
    (project / "generated" / "provenance.md").write_text(CJK_PROVENANCE, encoding="utf-8")
    return project


def _cjk_fonts(pdf):
    out = subprocess.run(
        [_tool("pdffonts", "poppler-utils"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    names = [line.split()[0] for line in out.splitlines()[2:] if line.strip()]
    return [n for n in names if re.search(r"CJK|Han|Song|SimSun|YaHei", n, re.I)]


def test_chinese_names_in_the_english_pdf_use_the_serif_sc_font(tmp_path):
    """Chinese names reach the English chapter through variables and generated tables (even in
    code text: the export's file name); every CJK glyph must come from the Simplified-Chinese
    serif, not from typst's fallback (it picked Noto Sans CJK JP for code text)."""
    family, _ = find_cjk_font()
    if family not in ("Noto Serif CJK SC", "Source Han Serif SC"):
        pytest.skip(f"needs Noto Serif CJK SC (fonts-noto-cjk); the first CJK font found is {family}")
    project = _names_project(tmp_path / "p")
    out = render_chapter(project, qmd="names.qmd", formats=("pdf",), engine="fallback", log=lambda m: None)
    assert "L街道" in pdf_text(out["pdf"])
    fonts = _cjk_fonts(out["pdf"])
    assert fonts, "no CJK font in the PDF"
    serif_sc = re.compile(r"SerifCJKsc|SerifCJKSC|SourceHanSerifSC|SourceHanSerifCN", re.I)
    assert all(serif_sc.search(f) for f in fonts), fonts


def _fake_quarto(monkeypatch, calls):
    """quarto on PATH as a stub that records its command lines and writes the output files."""
    from govsurvey.report import render as render_module

    def fake_run(cmd, cwd=None, **kwargs):
        calls.append(cmd)
        fmt = {"typst": "pdf"}.get(cmd[cmd.index("--to") + 1], cmd[cmd.index("--to") + 1])
        (Path(cwd) / f"{Path(cmd[2]).stem}.{fmt}").write_text("x", encoding="utf-8")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(render_module.shutil, "which", lambda name: "/usr/bin/quarto")
    monkeypatch.setattr(render_module.subprocess, "run", fake_run)


def _font_rule(config, rule="#set text(font:"):
    """The font families a Typst rule in format.typst.include-before-body names, in order."""
    import yaml

    config = yaml.safe_load(config) if isinstance(config, str) else config
    texts = [e["text"] for e in config["format"]["typst"]["include-before-body"] if "text" in e]
    line = next(line for text in texts for line in text.splitlines() if line.startswith(rule))
    return re.findall(r'"([^"]+)"', line.replace('covers: "latin-in-cjk"', ""))


def test_quarto_gets_no_settings_on_its_command_line_only_in_quarto_yml(tmp_path, monkeypatch):
    """Quarto 1.7 set the English body in the CJK font that `-M mainfont:` forced (full-width
    quotes, "study’ s"), and a `quarto render` by hand in the folder gave other fonts again: every
    setting now sits in _quarto.yml, the command line only names the file and the format. Chinese
    that arrives through {{< var >}} or includes still brings the SC serif, as a fallback after
    the Latin serif."""
    import yaml

    family, path = find_cjk_font()
    project = _names_project(tmp_path / "p")
    calls = []
    _fake_quarto(monkeypatch, calls)
    render_chapter(project, qmd="names.qmd", engine="quarto", out_dir=tmp_path / "out", log=lambda m: None)
    assert calls == [["quarto", "render", "names.qmd", "--to", "html"], ["quarto", "render", "names.qmd", "--to", "typst"]]
    config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["lang"] == "en"
    assert _font_rule(config) == ["Libertinus Serif", family, "DejaVu Sans Mono"]  # Latin first
    assert _font_rule(config, "#show raw:") == ["DejaVu Sans Mono", family]
    assert config["format"]["typst"]["font-paths"] == [str(path.parent)]
    assert config["format"]["typst"]["papersize"] == "a4" and config["format"]["html"]["css"]  # kept


def test_quarto_refuses_a_language_its_front_matter_contradicts(tmp_path, monkeypatch):
    """Quarto reads lang from the front matter, so rendering it as another language would need
    -M on the command line, and a hand re-render would differ: an error says so."""
    project = _names_project(tmp_path / "p")
    (project / "names.qmd").write_text("---\nlang: en\n---\n\n# A {#sec-a}\n", encoding="utf-8")
    _fake_quarto(monkeypatch, [])
    with pytest.raises(InputError, match="lang: zh"):
        render_chapter(project, qmd="names.qmd", engine="quarto", lang="zh", log=lambda m: None)


def test_the_fallback_sets_the_fonts_that_quarto_yml_names(tmp_path):
    """The fallback reads the same format.typst settings as Quarto (include-before-body, region,
    font-paths), so the two PDFs agree: another font list in _quarto.yml changes its PDF."""
    from govsurvey.report.references import merge_into_quarto_yml
    from govsurvey.report.render import pdf_settings

    family, _ = find_cjk_font()
    project = _names_project(tmp_path / "p")
    keys = pdf_settings("en", True)
    keys["format"]["typst"]["include-before-body"] = [{"text": f'#set text(font: ("New Computer Modern", "{family}"))\n'}]
    merge_into_quarto_yml(project / "_quarto.yml", keys)
    out = render_chapter(project, qmd="names.qmd", formats=("pdf",), engine="fallback", log=lambda m: None)
    names = _pdf_fonts(out["pdf"])
    # the body's text is in New Computer Modern (the template's title and page numbers lie
    # outside include-before-body's reach, in both engines, and keep the template's font)
    assert "NewCM10-Regular-Identity-H" in names, names


def _pdf_fonts(pdf):
    out = subprocess.run(
        [_tool("pdffonts", "poppler-utils"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return [line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_fonts_latin_serif_first_cjk_serif_sc_never_jp(tmp_path, lang):
    """English: body in the Latin serif, CJK only for Chinese names; Chinese: the SC serif (also
    in bold headings), never typst's own pick (Noto Sans CJK JP) and no system font for symbols
    (✗ and the nested list's ‣ came from OpenSymbol)."""
    family, _ = find_cjk_font()
    if family not in ("Noto Serif CJK SC", "Source Han Serif SC"):
        pytest.skip(f"needs Noto Serif CJK SC (fonts-noto-cjk); the first CJK font found is {family}")
    project = _names_project(tmp_path / "p")
    (project / "names.qmd").write_text(
        f"---\nlang: {lang}\n---\n\n# 标题 Title {{#sec-a}}\n\nL街道 “quoted” study’s text ✗.\n\n"
        "- one\n  - nested\n", encoding="utf-8")
    out = render_chapter(project, qmd="names.qmd", formats=("pdf",), engine="fallback", lang=lang,
                         log=lambda m: None)
    names = _pdf_fonts(out["pdf"])
    assert "LibertinusSerif-Regular-Identity-H" in names
    assert all(re.search(r"Libertinus|SerifCJKsc|DejaVuSansMono", n) for n in names), names
    assert any("SerifCJKsc-Bold" in n for n in names), names  # the heading's Chinese


# ---------------------------------------------------------------- conditional content

CONDITIONAL = """---
title: "Conditional fixture"
---

# Design {#sec-design}

DESIGN-TEXT. @tbl-design, @sec-bootstrap and @sec-discussion follow.

| A | B |
|:--|--:|
| 1 | 2 |

: Design table {#tbl-design}

::: {.content-visible when-meta="govsurvey.has-sem"}
# Structural model {#sec-sem}

SEM-ONLY-TEXT with {{< var sem.missing_value >}} that only this study would have.

![SEM figure](figures/no-such-figure.png){#fig-sem}

| C | D |
|:--|--:|
| 3 | 4 |

: SEM table {#tbl-sem}
:::

::: {.content-hidden unless-meta="govsurvey.has-bootstrap"}
# Bootstrap {#sec-bootstrap}

BOOTSTRAP-TEXT.

::: {.content-hidden when-meta="govsurvey.checks.attention"}
NESTED-HIDDEN-TEXT.
:::

::: {.content-visible when-meta="govsurvey.checks.attention"}
NESTED-SHOWN-TEXT.
:::

| E | F |
|:--|--:|
| 5 | 6 |

: Bootstrap table {#tbl-bootstrap}
:::

# Discussion {#sec-discussion}

Inline [SPAN-HIDDEN]{.content-visible when-meta="govsurvey.has-sem"}[SPAN-SHOWN]{.content-hidden when-meta="govsurvey.has-sem"}.
As @fig-bar and @tbl-bootstrap show.

![Bar figure](figures/bar.png){#fig-bar width="40%"}
"""

FLAGS = """# written by the chapter step: which parts of the chapter this study has
govsurvey:
  has-sem: false
  has-bootstrap: true
  checks:
    attention: true
"""


def _conditional_project(dest, flags=FLAGS, chapter=CONDITIONAL):
    project = make_project(dest)
    (project / "cond.qmd").write_text(chapter, encoding="utf-8")
    if flags is not None:
        (project / "_metadata.yml").write_text(flags, encoding="utf-8")
    return project


def _render_cond(project, formats=("html", "pdf")):
    return render_chapter(project, qmd="cond.qmd", formats=formats, engine="fallback", log=lambda m: None)


@pytest.fixture(scope="module")
def conditional(tmp_path_factory):
    project = _conditional_project(tmp_path_factory.mktemp("cond") / "p")
    out = _render_cond(project)
    html = out["html"].read_text(encoding="utf-8")
    return {"html": html, "html_text": _html_text(html), "pdf_text": pdf_text(out["pdf"])}


@pytest.mark.parametrize("fmt", ["html_text", "pdf_text"])
def test_conditional_content_is_dropped_and_numbering_stays_continuous(conditional, fmt):
    text = re.sub(r"\s+([,.:;])", r"\1", conditional[fmt])  # HTML tags leave "Table 1 ,"
    for gone in ("SEM-ONLY-TEXT", "Structural model", "SEM table", "SEM figure", "NESTED-HIDDEN-TEXT", "SPAN-HIDDEN"):
        assert gone not in text, gone
    for shown in ("DESIGN-TEXT", "BOOTSTRAP-TEXT", "NESTED-SHOWN-TEXT", "SPAN-SHOWN"):
        assert shown in text, shown
    # the hidden section, table and figure take no number: the rest count on without a gap
    for phrase in (
        "1 Design",
        "2 Bootstrap",
        "3 Discussion",
        "Table 1: Design table",
        "Table 2: Bootstrap table",
        "Figure 1: Bar figure",
        "Table 1, Section 2 and Section 3 follow",
        "As Figure 1 and Table 2 show",
    ):
        assert phrase in text, phrase
    for bad in LEFTOVERS + ("GOVSURVEYVAR", "content-visible", "content-hidden", "when-meta"):
        assert bad not in text, bad


def test_conditional_content_leaves_no_wrapper_in_the_html(conditional):
    html = conditional["html"]
    assert "content-visible" not in html and "content-hidden" not in html and "when-meta" not in html
    assert 'id="sec-sem"' not in html and 'id="tbl-sem"' not in html


def test_front_matter_overrides_metadata_file_key_by_key(tmp_path):
    """Quarto merges _quarto.yml < _metadata.yml < front matter, maps key by key."""
    chapter = CONDITIONAL.replace('title: "Conditional fixture"', 'title: "x"\ngovsurvey:\n  has-sem: true')
    project = _conditional_project(tmp_path / "p", chapter=chapter.replace(
        "SEM-ONLY-TEXT with {{< var sem.missing_value >}} that", "SEM-ONLY-TEXT that"
    ).replace("figures/no-such-figure.png", "figures/bar.png"))
    text = _html_text(_render_cond(project, ("html",))["html"].read_text(encoding="utf-8"))
    assert "SEM-ONLY-TEXT" in text and "BOOTSTRAP-TEXT" in text  # has-bootstrap still from _metadata.yml
    assert "2 Structural model" in text and "3 Bootstrap" in text and "Table 3 : Bootstrap table" in text


@pytest.mark.parametrize(
    "flags, chapter_edit, needles",
    [
        # a flag the chapter asks for but nobody wrote: Quarto would silently read it as false
        (FLAGS.replace("  has-bootstrap: true\n", ""), None, ["govsurvey.has-bootstrap", "not set", "_metadata.yml"]),
        # YAML 1.1 booleans read as true to pandoc but as text to Quarto
        (FLAGS.replace("has-sem: false", "has-sem: no"), None, ["_metadata.yml", "'no'", "true or false"]),
        (FLAGS.replace("has-sem: false", 'has-sem: "false"'), None, ["govsurvey.has-sem", "booleans"]),
        (None, None, ["govsurvey.has-sem", "not set"]),
        # a visible reference into hidden content
        (FLAGS, ("@sec-bootstrap and", "@tbl-sem and"), ["@tbl-sem", "hidden by", 'when-meta="govsurvey.has-sem"']),
        # a missing value in visible content is still an error
        (FLAGS, ("DESIGN-TEXT.", "DESIGN-TEXT {{< var sem.nothing >}}."), ["sem.nothing", "cond.qmd line 7"]),
        # conditions the fallback does not evaluate
        (FLAGS, ('when-meta="govsurvey.checks.attention"}\nNESTED-SHOWN', 'when-format="html"}\nNESTED-SHOWN'), ["when-format"]),
    ],
)
def test_conditional_content_errors(tmp_path, flags, chapter_edit, needles):
    chapter = CONDITIONAL.replace(*chapter_edit) if chapter_edit else CONDITIONAL
    project = _conditional_project(tmp_path / "p", flags=flags, chapter=chapter)
    with pytest.raises(InputError) as err:
        _render_cond(project, ("html",))
    for needle in needles:
        assert needle in str(err.value), (needle, str(err.value))
    assert not (project / "cond.html").exists()


def test_a_table_caption_stays_on_the_page_where_its_table_starts(tmp_path):
    """Quarto's PDF left a caption alone at the foot of a page, its table overleaf (the appendix
    lets long tables break). Tables after paragraphs of growing length: each caption must share
    its page with the table's first row, in the styles both engines include."""
    project = make_project(tmp_path / "p")
    parts = ["# Tables {#sec-t}\n", "```{=typst}\n#show figure.where(kind: table): set block(breakable: true)\n"
             '#show figure.where(kind: "quarto-float-tbl"): set block(breakable: true)\n```\n']
    for i in range(1, 13):
        parts.append(" ".join(["Filler words for the page."] * (9 * i)) + "\n")
        rows = "\n".join(f"| T{i:02d}R{r:02d} | {r} |" for r in range(1, 41))
        parts.append(f"| Item | Value |\n|:--|--:|\n{rows}\n\n: Caption of table {i:02d} {{#tbl-t{i:02d}}}\n")
    (project / "captions.qmd").write_text("\n".join(parts), encoding="utf-8")
    out = render_chapter(project, qmd="captions.qmd", formats=("pdf",), engine="fallback", log=lambda m: None)
    _tool("pdftotext", "poppler-utils")
    pages = subprocess.run(["pdftotext", str(out["pdf"]), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    for i in range(1, 13):
        caption = next(n for n, page in enumerate(pages) if f"Caption of table {i:02d}" in page)
        assert f"T{i:02d}R01" in pages[caption], f"table {i}: caption on page {caption + 1}, first row overleaf"


def test_the_software_table_names_the_engine_that_rendered(tmp_path, monkeypatch):
    """With Quarto on PATH the chapter is Quarto's: the software table lists it with its version
    (and the pandoc and Typst it bundles); without, the fallback's pandoc and Typst."""
    from types import SimpleNamespace

    from govsurvey.report.render import engine_software
    from govsurvey.report.tables import versions
    from govsurvey.words import words

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    quarto = bin_dir / "quarto"
    quarto.write_text('#!/bin/sh\ncase "$1" in\n  pandoc) echo "pandoc 3.6.3";;\n  typst) echo "typst 0.13.0";;\n'
                      '  *) echo "1.7.34";;\nesac\n', encoding="utf-8")
    quarto.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    rows = engine_software("auto")
    assert rows == [("Quarto", "1.7.34"), ("pandoc (Quarto)", "3.6.3"), ("Typst (Quarto)", "0.13.0")]
    table = versions(SimpleNamespace(settings={"renderer": rows}, w=words("en")))
    assert "| Quarto | 1.7.34 |" in re.sub(r" +", " ", table)

    import pypandoc

    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no quarto: the fallback
    fallback = dict(engine_software("auto"))
    assert fallback["pandoc (pypandoc-binary)"] == pypandoc.get_pandoc_version()
    assert "Typst (typst)" in fallback and "Quarto" not in fallback
