"""Make report/reference.docx: the Word styles the chapter's docx takes (pandoc --reference-doc).

Starts from pandoc's own reference document (`pandoc -o x --print-default-data-file reference.docx`,
so every style pandoc writes exists) and edits its styles to what Chinese universities ask of a
thesis: body text Times New Roman for Latin and 宋体 for Chinese, 小四 (12 pt), 1.5 line spacing,
first lines indented two characters; headings 黑体 三号 / 四号 / 小四, black; captions 五号
(10.5 pt) centred; tables in the three-line style (1.5 pt rules above and below, a 0.75 pt rule
under the header row, nothing else); A4 with a page number in the footer. Captions come from the
crossref filter ("表4-1　…", table caption above, figure caption below, as pandoc places them).

    python -m govsurvey.report.reference_docx [out.docx]    # default: report/reference.docx

A school's own template replaces it through `format.docx.reference-doc` in _quarto.yml.
The output is byte-for-byte reproducible for a given pandoc and python-docx (fixed zip times).
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

LATIN = "Times New Roman"
SONG = "宋体"  # SimSun: the body face Chinese schools name
HEI = "黑体"  # SimHei: headings
BODY_PT = 12  # 小四
CAPTION_PT = 10.5  # 五号
TABLE_PT = 10.5
HEADINGS = {1: 16, 2: 14, 3: 12}  # 三号, 四号, 小四
RULE_OUTER = 12  # eighths of a point: 1.5 pt, the top and bottom rules of a three-line table
RULE_HEADER = 6  # 0.75 pt under the header row
TABLE_TEXT = "Table Text"  # render.py moves table cells from "Compact" to this style
DEFAULT_OUT = Path(__file__).resolve().parents[3] / "report" / "reference.docx"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def pandoc_reference_docx() -> bytes:
    """pandoc's default reference.docx (from the pandoc of pypandoc-binary)."""
    from govsurvey.report.render import _pandoc_path

    with tempfile.TemporaryDirectory(prefix="govsurvey-refdoc-") as tmp:
        out = Path(tmp) / "reference.docx"  # pandoc writes binary data files only to a file
        subprocess.run(
            [_pandoc_path(), "-o", str(out), "--print-default-data-file", "reference.docx"],
            capture_output=True,
            check=True,
        )
        return out.read_bytes()


def _set_fonts(rpr, latin, east_asia):
    """Explicit faces for Latin and East Asian text; theme attributes go, since Word lets a theme
    font win over a named one."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for key in ("ascii", "hAnsi", "cs"):
        fonts.set(qn(f"w:{key}"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _by_id(doc, style_id):
    """A style by its id (python-docx looks up by UI name, and renames some built-ins)."""
    return next(s for s in doc.styles if s.style_id == style_id)


def _new_style(doc, name, base_id):
    style = doc.styles.add_style(name, 1)
    style.base_style = _by_id(doc, base_id)
    style.quick_style = True
    return style


def _paragraph(style, size=None, font=SONG, line=None, before=None, after=None, indent=None,
               align=None, bold=None, italic=None, keep_next=None):
    if size is not None:
        style.font.size = Pt(size)
        rpr = style.element.get_or_add_rPr()
        _set_fonts(rpr, LATIN, font)
        size_cs = rpr.find(qn("w:szCs"))
        if size_cs is not None:  # pandoc's headings set it; keep it equal to w:sz
            size_cs.set(qn("w:val"), str(int(size * 2)))
    if bold is not None:
        style.font.bold = bold
    if italic is not None:
        style.font.italic = italic
    pf = style.paragraph_format
    if line is not None:
        pf.line_spacing = line  # a float: a multiple of single spacing (w:lineRule="auto")
    if before is not None:
        pf.space_before = Pt(before)
    if after is not None:
        pf.space_after = Pt(after)
    if align is not None:
        pf.alignment = align
    if keep_next is not None:
        pf.keep_with_next = keep_next
    if indent is not None:
        _first_line_chars(style, indent)


def _first_line_chars(style, chars):
    """First-line indent in characters (w:firstLineChars, hundredths): 2 characters is the Chinese
    convention, and stays two characters whatever the font size."""
    ppr = style.element.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
    ind.set(qn("w:firstLineChars"), str(int(chars * 100)))
    ind.set(qn("w:firstLine"), str(int(chars * BODY_PT * 20)))  # the same in twips, for old readers


def _border(tag, size):
    el = OxmlElement(tag)
    if size:
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
    else:
        el.set(qn("w:val"), "nil")
    return el


def _replace(parent, tag, new):
    old = parent.find(qn(tag))
    if old is not None:
        parent.remove(old)
    parent.append(new)
    return new


def three_line_table_style(doc):
    """pandoc's table style "Table" as a three-line table.

    Table borders: top and bottom 1.5 pt, no left, right or inside rules. Conditional formatting
    for the header row (firstRow; pandoc's tables carry tblLook firstRow="1"): a 0.75 pt rule
    under it. Tables are centred and their text set in 五号.
    """
    style = _by_id(doc, "Table")
    tbl_pr = style.element.find(qn("w:tblPr"))
    borders = OxmlElement("w:tblBorders")
    for tag, size in (("top", RULE_OUTER), ("left", 0), ("bottom", RULE_OUTER), ("right", 0),
                      ("insideH", 0), ("insideV", 0)):
        borders.append(_border(f"w:{tag}", size))
    _replace(tbl_pr, "w:tblBorders", borders)
    jc = OxmlElement("w:jc")
    jc.set(qn("w:val"), "center")
    _replace(tbl_pr, "w:jc", jc)
    # the header row: only a bottom rule (the table's top rule stays above it)
    first = next(el for el in style.element.findall(qn("w:tblStylePr")) if el.get(qn("w:type")) == "firstRow")
    tc_pr = first.find(qn("w:tcPr"))
    cell_borders = OxmlElement("w:tcBorders")
    cell_borders.append(_border("w:bottom", RULE_HEADER))
    _replace(tc_pr, "w:tcBorders", cell_borders)
    tc_pr.insert(0, tc_pr.find(qn("w:tcBorders")))  # schema order: tcBorders before vAlign


def _page_number_footer(section):
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def build_reference_docx(source: bytes | None = None) -> bytes:
    """The styled reference document as bytes (from `source`, default pandoc's own)."""
    doc = Document(io.BytesIO(source if source is not None else pandoc_reference_docx()))
    styles = doc.styles

    # document defaults: what any style without its own font falls back to
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(defaults, LATIN, SONG)

    black = RGBColor(0, 0, 0)
    _paragraph(_by_id(doc, "Normal"), size=BODY_PT, line=1.5, before=0, after=0)
    _paragraph(_by_id(doc, "BodyText"), size=BODY_PT, line=1.5, before=0, after=0, indent=2,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _paragraph(_by_id(doc, "FirstParagraph"), indent=2)
    _paragraph(_by_id(doc, "Compact"), size=BODY_PT, line=1.5, before=0, after=0, indent=0)
    table_text = _new_style(doc, TABLE_TEXT, "Normal")
    _paragraph(table_text, size=TABLE_PT, line=1.0, before=0, after=0)
    _paragraph(_by_id(doc, "BlockText"), size=BODY_PT, line=1.5, before=6, after=6)
    _paragraph(_by_id(doc, "FootnoteText"), size=9, line=1.0)

    for level, size in HEADINGS.items():
        heading = _by_id(doc, f"Heading{level}")
        _paragraph(heading, size=size, font=HEI, line=1.5, bold=True, keep_next=True,
                   before=(24 if level == 1 else 12), after=(18 if level == 1 else 6),
                   align=(WD_ALIGN_PARAGRAPH.CENTER if level == 1 else WD_ALIGN_PARAGRAPH.LEFT))
        heading.font.color.rgb = black
        linked = _by_id(doc, f"Heading{level}Char")
        linked.font.size, linked.font.bold, linked.font.color.rgb = Pt(size), True, black
        _set_fonts(linked.element.get_or_add_rPr(), LATIN, HEI)
    _paragraph(_by_id(doc, "Title"), size=18, font=HEI, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
               before=0, after=12)
    _by_id(doc, "Title").font.color.rgb = black
    _paragraph(_by_id(doc, "Subtitle"), size=14, font=HEI, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    _by_id(doc, "Subtitle").font.color.rgb = black
    for name in ("Author", "Date"):
        _paragraph(_by_id(doc, name), size=BODY_PT, indent=0, align=WD_ALIGN_PARAGRAPH.CENTER)

    # captions: 五号, centred, upright; the table caption stays with its table
    _paragraph(_by_id(doc, "Caption"), size=CAPTION_PT, line=1.0, before=6, after=6, italic=False,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(_by_id(doc, "TableCaption"), keep_next=True, before=12)
    _paragraph(_by_id(doc, "ImageCaption"), after=12)
    # figures centred and single-spaced (1.5 spacing would add space above an inline picture)
    _paragraph(_by_id(doc, "Figure"), line=1.0, before=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(_by_id(doc, "CaptionedFigure"), keep_next=True)

    # cross-references are internal links: body-coloured, not blue and underlined
    link = _by_id(doc, "Hyperlink")
    link.font.color.rgb, link.font.underline = black, False

    three_line_table_style(doc)

    # A4 portrait, margins of Word's Chinese default (2.54 cm top/bottom, 3.17 cm left/right)
    doc.element.body.get_or_add_sectPr()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(3.17)
    section.header_distance, section.footer_distance = Cm(1.5), Cm(1.75)
    section.gutter = Cm(0)  # w:gutter is a required attribute of w:pgMar
    _page_number_footer(section)

    return _deterministic(doc)


def _deterministic(doc) -> bytes:
    """Saved bytes with fixed zip entry times, so regenerating gives the same file."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(fixed, zin.read(info.filename))
    return out.getvalue()


def write_reference_docx(path=DEFAULT_OUT) -> Path:
    path = Path(path)
    path.write_bytes(build_reference_docx())
    return path


if __name__ == "__main__":
    print(write_reference_docx(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT))
