"""The chapter as Word: the fallback's docx (pandoc + report/reference.docx), chapter numbering in
every format, and the docx as LibreOffice lays it out."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from govsurvey.errors import InputError
from govsurvey.report.render import render_chapter

docx = pytest.importorskip("docx", reason="python-docx (requirements.txt) reads the Word files")

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "docx"
REPORT = ROOT / "report"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
IDEOGRAPHIC_SPACE = "\u3000"
CHAPTER = 4  # number-offset: [3]


def _write_png(path):
    """A real chart, 1200 x 700 px, so the embedded picture can be compared with its source."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(["IN", "OB", "MS", "PM", "GS"], [3.2, 3.8, 2.9, 3.5, 3.6], color="0.4")
    ax.set_ylabel("mean")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=200)
    plt.close(fig)


def make_project(dest, chapters=True):
    """The fixture chapter with the real report/_quarto.yml, reference.docx and styles; chapter 4."""
    shutil.copytree(FIXTURE, dest)
    config = yaml.safe_load((REPORT / "_quarto.yml").read_text(encoding="utf-8"))
    if chapters:
        config["crossref"] = {"chapters": True}
        config["number-offset"] = [CHAPTER - 1]
    (dest / "_quarto.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    shutil.copy(REPORT / "reference.docx", dest / "reference.docx")
    shutil.copytree(REPORT / "styles", dest / "styles")
    _write_png(dest / "figures" / "answers.png")
    return dest


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("docx") / "project")
    out = project.parent / "out"
    quiet = lambda m: None  # noqa: E731
    both = {
        "en": render_chapter(project, "chapter.qmd", ("html", "pdf", "docx"), "fallback", out, "en", quiet, "chapter.en"),
        "zh": render_chapter(project, "chapter.zh.qmd", ("html", "pdf", "docx"), "fallback", out, "zh", quiet, "chapter.zh"),
    }
    return {"project": project, **both}


# ---------------------------------------------------------------- reading the Word file


def _styles(document):
    return {s.get(f"{W}styleId"): s for s in document.styles.element.findall(f"{W}style")}


def _chain(document, style_id):
    """The style and the styles it is based on, nearest first."""
    styles, out = _styles(document), []
    while style_id and style_id in styles:
        out.append(styles[style_id])
        based = styles[style_id].find(f"{W}basedOn")
        style_id = based.get(f"{W}val") if based is not None else None
    return out


def _resolved(document, style_id, path, attr):
    """An attribute as Word resolves it: the style, its bases, then the document defaults."""
    defaults = document.styles.element.find(f"{W}docDefaults")
    for element in [*_chain(document, style_id), defaults]:
        found = element.find(path)
        if found is not None and found.get(f"{W}{attr}") is not None:
            return found.get(f"{W}{attr}")
    return None


def _font(document, style_id, key):
    for path in ("w:rPr/w:rFonts", "w:rPrDefault/w:rPr/w:rFonts"):
        value = _resolved(document, style_id, path.replace("w:", W), key)
        if value:
            return value
    return None


def _size_pt(document, style_id):
    value = _resolved(document, style_id, f"{W}rPr/{W}sz", "val") or _resolved(
        document, style_id, f"{W}rPrDefault/{W}rPr/{W}sz", "val"
    )
    return int(value) / 2


def _style_id(paragraph):
    style = paragraph.find(f"{W}pPr/{W}pStyle")
    return style.get(f"{W}val") if style is not None else "Normal"


def _text(element):
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


def _paragraphs(document, style_id):
    body = document.element.body
    return [_text(p) for p in body.iter(f"{W}p") if _style_id(p) == style_id]


def _open(path):
    return docx.Document(str(path))


# ---------------------------------------------------------------- the docx


EXPECTED = {
    "zh": {
        "Heading1": ["第4章\u3000居民与社区治理"],
        "Heading2": ["4.1 样本", "4.2 模型"],
        "Heading3": ["4.2.1 路径"],
        "TableCaption": ["表4-1\u3000样本特征", "表4-2\u3000标准化路径系数"],
        "ImageCaption": ["图4-1\u3000各维度的作答分布"],
        "refs": ["表4-1 描述样本", "图4-1 展示", "4.2节 给出模型", "4-1 只写编号", "如 图4-1 和 表4-2 所示",
                 "参见 4.1节 与 第4章"],
    },
    "en": {
        "Heading1": ["Chapter\xa04 Residents and community governance"],
        "Heading2": ["4.1 Sample", "4.2 Model"],
        "Heading3": ["4.2.1 Paths"],
        "TableCaption": ["Table\xa04.1: Sample characteristics", "Table\xa04.2: Standardized paths"],
        "ImageCaption": ["Figure\xa04.1: Answers by construct"],
        "refs": ["Table\xa04.1 describes the sample", "Figure\xa04.1 shows", "Section\xa04.2 gives the model",
                 "4.1 is the number alone", "As Figure\xa04.1 and Table\xa04.2 show",
                 "see Section\xa04.1 and Chapter\xa04"],
    },
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_headings_and_captions_are_numbered_within_the_chapter(rendered, lang):
    document = _open(rendered[lang]["docx"])
    for style_id in ("Heading1", "Heading2", "Heading3", "TableCaption", "ImageCaption"):
        assert _paragraphs(document, style_id) == EXPECTED[lang][style_id], style_id
    text = "\n".join(_text(p) for p in document.element.body.iter(f"{W}p"))
    for ref in EXPECTED[lang]["refs"]:
        assert ref in text, ref
    # nothing of the source's syntax, and no raw html / typst block, reaches Word
    for bad in ("[@", "{{<", "@tbl-", "@fig-", "@sec-", "RAW-TYPST-MARKER", "RAW-HTML-MARKER", "GOVSURVEYVAR"):
        assert bad not in text, bad
    # the page break shortcode is a Word page break
    assert any(br.get(f"{W}type") == "page" for br in document.element.body.iter(f"{W}br"))


def assert_three_line_table(document, table):
    """A table of `document` as a school wants it: three rules (top and bottom 1.5 pt, 0.75 pt under
    the header row) from its style, no other rule, columns within the text width, 五号 cells."""
    tbl_pr = table.find(f"{W}tblPr")
    style_id = tbl_pr.find(f"{W}tblStyle").get(f"{W}val")
    # borders: the table's own (direct formatting) or else its style's
    borders = tbl_pr.find(f"{W}tblBorders")
    if borders is None:
        borders = next(s.find(f"{W}tblPr/{W}tblBorders") for s in _chain(document, style_id)
                       if s.find(f"{W}tblPr/{W}tblBorders") is not None)
    for side in ("top", "bottom"):
        rule = borders.find(f"{W}{side}")
        assert (rule.get(f"{W}val"), rule.get(f"{W}sz")) == ("single", "12"), side
    for side in ("left", "right", "insideH", "insideV", "start", "end"):
        rule = borders.find(f"{W}{side}")
        assert rule is None or rule.get(f"{W}val") in ("nil", "none"), side
    # the header row's rule comes from the style's firstRow formatting, which applies only
    # when the table says it has a first row
    assert tbl_pr.find(f"{W}tblLook").get(f"{W}firstRow") == "1"
    first_row = next(
        el for s in _chain(document, style_id) for el in s.findall(f"{W}tblStylePr")
        if el.get(f"{W}type") == "firstRow"
    )
    cell_borders = first_row.find(f"{W}tcPr/{W}tcBorders")
    assert [child.tag.removeprefix(W) for child in cell_borders] == ["bottom"]
    bottom = cell_borders.find(f"{W}bottom")
    assert (bottom.get(f"{W}val"), bottom.get(f"{W}sz")) == ("single", "6")
    assert table.find(f"{W}tr/{W}trPr/{W}tblHeader") is not None  # the header row is marked
    # no cell overrides the style with borders of its own
    assert not list(table.iter(f"{W}tcBorders"))
    # columns fitted to the text (no wider than the page's text, no column under its longest word)
    grid = [int(c.get(f"{W}w")) for c in table.iter(f"{W}gridCol")]
    section = document.sections[0]
    text_width = (section.page_width - section.left_margin - section.right_margin) // 635  # EMU -> twips
    assert tbl_pr.find(f"{W}tblW").get(f"{W}type") == "dxa" and sum(grid) <= text_width + 5
    assert int(tbl_pr.find(f"{W}tblW").get(f"{W}w")) == sum(grid)
    # cells in the table text style (五号, single-spaced), not the list style "Compact"
    assert {_style_id(p) for p in table.iter(f"{W}p")} == {"TableText"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_table_is_a_three_line_table(rendered, lang):
    document = _open(rendered[lang]["docx"])
    tables = list(document.element.body.iter(f"{W}tbl"))
    assert len(tables) == 2
    for table in tables:
        assert_three_line_table(document, table)
    assert _size_pt(document, "TableText") == 10.5
    assert "Compact" in {_style_id(p) for p in document.element.body.iter(f"{W}p")}  # the tight list


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fonts_sizes_and_spacing_come_from_the_reference_docx(rendered, lang):
    document = _open(rendered[lang]["docx"])
    used = {_style_id(p) for p in document.element.body.iter(f"{W}p")}
    assert {"Heading1", "Heading2", "Heading3", "FirstParagraph", "TableCaption", "ImageCaption"} <= used
    for style_id in ("BodyText", "FirstParagraph", "Compact", "Normal"):
        assert _font(document, style_id, "ascii") == "Times New Roman", style_id
        assert _font(document, style_id, "hAnsi") == "Times New Roman", style_id
        assert _font(document, style_id, "eastAsia") == "宋体", style_id
        assert _size_pt(document, style_id) == 12, style_id  # 小四
        spacing = (_resolved(document, style_id, f"{W}pPr/{W}spacing", "line"),
                   _resolved(document, style_id, f"{W}pPr/{W}spacing", "lineRule"))
        assert spacing == ("360", "auto"), style_id  # 1.5 lines
    assert _resolved(document, "FirstParagraph", f"{W}pPr/{W}ind", "firstLineChars") == "200"
    for level, size in ((1, 16), (2, 14), (3, 12)):  # 三号, 四号, 小四
        style_id = f"Heading{level}"
        assert _font(document, style_id, "eastAsia") == "黑体"
        assert _font(document, style_id, "ascii") == "Times New Roman"
        assert _size_pt(document, style_id) == size
        assert _resolved(document, style_id, f"{W}rPr/{W}color", "val") == "000000"
        assert _resolved(document, style_id, f"{W}rPr/{W}color", "themeColor") is None
    for style_id in ("TableCaption", "ImageCaption"):
        assert _size_pt(document, style_id) == 10.5  # 五号
        assert _resolved(document, style_id, f"{W}pPr/{W}jc", "val") == "center"
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)  # A4


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_captions_sit_above_tables_and_below_figures(rendered, lang):
    body = [el for el in _open(rendered[lang]["docx"]).element.body if el.tag in (f"{W}p", f"{W}tbl")]
    for i, el in enumerate(body):
        if el.tag == f"{W}tbl":
            assert _style_id(body[i - 1]) == "TableCaption"
        if el.tag == f"{W}p" and _style_id(el) == "TableCaption":
            assert body[i + 1].tag == f"{W}tbl"
        if el.tag == f"{W}p" and list(el.iter(f"{W}drawing")):
            assert _style_id(body[i + 1]) == "ImageCaption"
            assert _style_id(body[i - 1]) != "ImageCaption"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_figure_is_embedded_unchanged_at_text_width(rendered, lang):
    from PIL import Image

    source = rendered["project"] / "figures" / "answers.png"
    document = _open(rendered[lang]["docx"])
    (shape,) = document.inline_shapes
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip
    part = document.part.related_parts[blip.embed]
    assert part.blob == source.read_bytes()  # the PNG itself, not a resampled copy
    with Image.open(source) as image:
        assert image.size == (1200, 700)
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    assert abs(shape.width - text_width) / text_width < 0.01  # width="100%"
    assert abs(shape.height / shape.width - 700 / 1200) < 0.01


def test_missing_reference_doc_is_an_error_naming_it(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "reference.docx").unlink()
    with pytest.raises(InputError) as err:
        render_chapter(project, formats=("docx",), engine="fallback", log=lambda m: None)
    assert "format.docx.reference-doc" in str(err.value) and "reference.docx" in str(err.value)
    assert "_quarto.yml" in str(err.value)


def test_reference_docx_is_what_its_generator_makes():
    """report/reference.docx is committed; it must be the generator's output, byte for byte."""
    from govsurvey.report.reference_docx import build_reference_docx

    assert build_reference_docx() == (REPORT / "reference.docx").read_bytes(), (
        "run `python -m govsurvey.report.reference_docx` and commit report/reference.docx"
    )


# ---------------------------------------------------------------- numbering in html and pdf


def _flat(text):
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def test_html_numbers_within_the_chapter(rendered):
    for lang, expected in (
        ("zh", ["第4章 居民与社区治理", "4.1 样本", "4.2.1 路径", "表4-1 样本特征", "图4-1 各维度的作答分布",
                "表4-2 标准化路径系数", "4.2节 给出模型", "参见 4.1节 与 第4章"]),
        ("en", ["Chapter 4 Residents", "4.1 Sample", "4.2.1 Paths", "Table 4.1 : Sample characteristics",
                "Figure 4.1 : Answers by construct", "Section 4.2 gives the model", "Chapter 4 )"]),
    ):
        html = rendered[lang]["html"].read_text(encoding="utf-8")
        body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
        text = _flat(re.sub(r"<[^>]+>", " ", body)).replace(IDEOGRAPHIC_SPACE, " ")
        text = re.sub(r" +", " ", text)
        for phrase in expected:
            assert phrase in text, (lang, phrase)
        assert "RAW-HTML-MARKER" in text and "RAW-TYPST-MARKER" not in text


def test_pdf_numbers_within_the_chapter(rendered):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not on PATH")
    for lang, expected in (
        ("zh", ["第4章居民与社区治理", "4.1样本", "4.2.1路径", "表4-1样本特征", "图4-1各维度的作答分布",
                "4.2节给出模型"]),
        ("en", ["Chapter4Residents", "4.1Sample", "Table4.1:Samplecharacteristics",
                "Figure4.1:Answersbyconstruct", "Section4.2givesthemodel"]),
    ):
        out = subprocess.run(["pdftotext", str(rendered[lang]["pdf"]), "-"], capture_output=True, text=True)
        text = re.sub(r"\s", "", out.stdout)  # typst spaces CJK from Latin; compare without spaces
        for phrase in expected:
            assert phrase in text, (lang, phrase)


@pytest.mark.parametrize(
    "edit, needle",
    [
        (lambda c: c.update({"number-offset": ["three"]}), "number-offset"),
        (lambda c: c.update({"crossref": {"chapters": "yes please"}}), "crossref.chapters"),
    ],
)
def test_bad_chapter_settings_are_errors(tmp_path, edit, needle):
    project = make_project(tmp_path / "p")
    config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))
    edit(config)
    (project / "_quarto.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(InputError, match=needle):
        render_chapter(project, formats=("html",), engine="fallback", log=lambda m: None)


def test_chapters_need_a_level_one_heading(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "flat.qmd").write_text("## Only a section {#sec-a}\n\nText.\n", encoding="utf-8")
    with pytest.raises(InputError, match="no numbered level-1 heading"):
        render_chapter(project, qmd="flat.qmd", formats=("html",), engine="fallback", log=lambda m: None)


# ---------------------------------------------------------------- the docx laid out by LibreOffice


FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <!-- the Chinese faces Word documents name, as the Noto CJK faces (fonts-noto-cjk) -->
  <alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>SimSun</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
  <alias binding="same"><family>SimHei</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
</fontconfig>
"""


def docx_to_pdf(path, out_dir):
    """The docx as LibreOffice prints it (private profile, so parallel runs do not share one)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("soffice (LibreOffice, Debian libreoffice-writer-nogui) not on PATH")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "fonts.conf").write_text(FONTS_CONF, encoding="utf-8")
    profile = (out_dir / "lo-profile").resolve().as_uri()
    proc = subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out_dir), str(path)],
        capture_output=True, text=True, timeout=240,
        env={**__import__("os").environ, "FONTCONFIG_FILE": str(out_dir / "fonts.conf")},
    )
    pdf = out_dir / (Path(path).stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists(), proc.stdout + proc.stderr
    return pdf


def _words(pdf):
    """(page width, [(page, xMin, xMax, word)]) from pdftotext -bbox-layout."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    pages = re.split(r"<page ", out.stdout)[1:]
    width = float(re.search(r'width="([\d.]+)"', pages[0]).group(1))
    words = []
    for number, page in enumerate(pages, 1):
        for x_min, x_max, word in re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', page):
            words.append((number, float(x_min), float(x_max), word))
    return width, words


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_libreoffice_lays_the_docx_out_on_two_pages_within_the_margins(rendered, lang, tmp_path):
    if not shutil.which("pdftotext") or not shutil.which("pdfinfo"):
        pytest.skip("pdftotext / pdfinfo (poppler-utils) not on PATH")
    pdf = docx_to_pdf(rendered[lang]["docx"], tmp_path / "lo")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    # page 1: chapter heading, sample table, list; the page break; page 2: figure, paths table
    assert re.search(r"Pages:\s+2\n", info), info
    width, words = _words(pdf)
    section = _open(rendered[lang]["docx"]).sections[0]
    left, right = section.left_margin.pt, width - section.right_margin.pt
    # CJK punctuation may hang into the right margin by up to one character (Word and LibreOffice
    # both allow it by default); anything else past a margin is a layout fault
    hanging = lambda w, b: w[-1:] in "。，、；：）”" and b <= right + 12.5  # noqa: E731
    outside = [(p, round(a), round(b), w) for p, a, b, w in words
               if a < left - 1 or (b > right + 1 and not hanging(w, b))]
    assert not outside, f"text past the margins ({left:.0f}–{right:.0f} pt): {outside[:8]}"
    text = "".join(w for *_, w in words)  # pdftotext splits 表 from 4-2: compare without spaces
    for phrase in ("第4章", "表4-1", "表4-2", "图4-1") if lang == "zh" else ("Chapter4", "Table4.2:", "Figure4.1:"):
        assert phrase in text, phrase
    if lang == "en":
        # the source's dashes give the first column 5 of 100 parts; the docx still fits its words
        assert {"Party-building", "Problem-solving", "0.41", "[0.30,"} <= {w for *_, w in words}
    assert "RAW-TYPST-MARKER" not in text and "RAW-HTML-MARKER" not in text


def test_quarto_engine_writes_the_docx_with_the_reference_styles(tmp_path):
    """Quarto reads the same format.docx.reference-doc; its numbering differs (QUARTO_SUBSET.md)."""
    if not shutil.which("quarto"):
        pytest.skip("quarto not on PATH")
    project = make_project(tmp_path / "p")
    out = render_chapter(project, formats=("docx",), engine="quarto", out_dir=tmp_path / "out", lang="en",
                         log=lambda m: None, name="chapter.en")
    assert out["docx"] == (tmp_path / "out" / "chapter.en.docx").resolve()
    document = _open(out["docx"])
    assert _font(document, "Heading1", "eastAsia") == "黑体" and _size_pt(document, "BodyText") == 12
    text = "\n".join(_text(p) for p in document.element.body.iter(f"{W}p"))
    assert re.search(r"Table\s4\.1", text) and re.search(r"Figure\s4\.1", text)
    assert "RAW-TYPST-MARKER" not in text and "RAW-HTML-MARKER" not in text


def test_a_value_without_its_leading_zero_is_not_broken_after_the_point(tmp_path):
    """In Chinese text Word and LibreOffice may end a line at the "." of ".25"; the docx holds the
    point and the digits together with a word joiner, and leaves other numbers as they are."""
    project = make_project(tmp_path / "project")
    (project / "chapter.qmd").write_text("# 章 {#sec-chapter}\n\nPW 为 .25，RI 为 −.37，0.25 与 1.5 不变。\n",
                                         encoding="utf-8")
    out = render_chapter(project, "chapter.qmd", ("docx",), "fallback", tmp_path / "out", "zh", lambda m: None)
    text = "".join(_text(p) for p in _open(out["docx"]).element.body.iter(f"{W}p"))
    assert "PW 为 .\u206025，RI 为 −.\u206037，0.25 与 1.5 不变。" in text
