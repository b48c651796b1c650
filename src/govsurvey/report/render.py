"""Render the Quarto thesis chapter to HTML, PDF and Word (docx).

With `quarto` on PATH the project is rendered by Quarto itself. Without it, a fallback renders the
same source with pandoc 3 (PyPI pypandoc-binary) and Typst (PyPI typst), for the Quarto subset
written down in report/QUARTO_SUBSET.md: front matter, `{{< var >}}` from _variables.yml,
`{{< include >}}`, `{{< pagebreak >}}`, conditional content (`.content-visible` / `.content-hidden`
with `when-meta` / `unless-meta`), numbered sections/figures/tables and `@fig-`/`@tbl-`/`@sec-`
cross-references (done by a pandoc Lua filter so that HTML, PDF and docx share one numbering;
with `crossref: chapters: true` in _quarto.yml numbered per chapter, 表4-1 / Table 4.1), and
citations (`[@key]`, by pandoc's citeproc from the `bibliography` and `csl` of _quarto.yml). The
docx takes its styles from the reference document named by `format.docx.reference-doc`.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from importlib import resources
from pathlib import Path

import yaml

from govsurvey.errors import InputError
from govsurvey.report.references import check_cited_keys, cited_keys, merge_into_quarto_yml, quarto_bibliography

FORMATS = ("html", "pdf", "docx")

# CJK families in order of preference (serif first: it matches the Latin serif of the body text).
CJK_FAMILIES = (
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Songti SC",  # macOS
    "STSong",
    "SimSun",  # Windows
    "Microsoft YaHei",
)
# Places fonts-noto-cjk and its cousins install to; typst also scans the system font dirs itself.
CJK_FONT_DIRS = (
    "/usr/share/fonts/opentype/noto",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk",  # Arch
    "/usr/share/fonts/google-noto-cjk",  # Fedora
    "/usr/share/fonts/google-noto-serif-cjk-fonts",
)
LATIN_SERIF = "Libertinus Serif"  # embedded in typst, so always there
MONO = "DejaVu Sans Mono"  # typst's code font, embedded too
CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")

SHORTCODE_RE = re.compile(r"\{\{<\s*([A-Za-z_][\w-]*)\s*(.*?)\s*>\}\}")
COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
FILTER_ERROR_RE = re.compile(r"GOVSURVEY-ERROR: ([^\n]*)")

PAGEBREAK = (
    '\n```{=html}\n<div style="page-break-after: always;"></div>\n```\n\n```{=typst}\n#pagebreak()\n```\n'
    '\n```{=openxml}\n<w:p><w:r><w:br w:type="page"/></w:r></w:p>\n```\n'
)

# Numbering, caption prefixes and cross-references for the fallback (package data).
CROSSREF_LUA = resources.files("govsurvey.report").joinpath("crossref.lua")



# ---------------------------------------------------------------- source expansion


def _flatten(mapping, prefix=""):
    """Dotted keys of a nested mapping -> value (groups included, so errors can name them)."""
    out = {}
    for key, value in mapping.items():
        dotted = f"{prefix}{key}"
        out[dotted] = value
        if isinstance(value, dict):
            out.update(_flatten(value, dotted + "."))
    return out


def load_variables(project_dir) -> dict:
    """The project's `_variables.yml` as {dotted.key: value}; {} when the file does not exist."""
    path = Path(project_dir) / "_variables.yml"
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(path, f"is not valid YAML ({exc}).", "Fix the YAML syntax.") from None
    if not isinstance(data, dict):
        raise InputError(path, "must be a mapping of keys to values.", "Write `key: value` lines.")
    return _flatten(data)


def _var_text(key, variables, where, var_path):
    if key not in variables:
        close = difflib.get_close_matches(
            key, [k for k in variables if not isinstance(variables[k], dict)], n=3
        )
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        if not var_path.exists():
            hint = " (that file does not exist)"
        raise InputError(
            where,
            f"{{{{< var {key} >}}}} names the key '{key}', which is not in {var_path}.{hint}",
            f"Add '{key}' to {var_path.name} (or the step that writes it), or correct the key.",
        )
    value = variables[key]
    if isinstance(value, dict):
        raise InputError(
            where,
            f"'{key}' in {var_path} is a group of keys, not a value.",
            f"Use one of: {', '.join(sorted(k for k in variables if k.startswith(key + '.')))}.",
        )
    if value is None or (isinstance(value, float) and math.isnan(value)) or isinstance(value, (list, tuple)):
        raise InputError(
            where,
            f"'{key}' in {var_path} has no printable value ({value!r}).",
            "Give it a single text or number value.",
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def project_root(start_dir):
    """Quarto's project folder for a document in `start_dir`: the nearest folder at or above it that
    holds a _quarto.yml (or _quarto.yaml); None when there is none (a file outside any project)."""
    start = Path(start_dir).resolve()
    for folder in (start, *start.parents):
        if (folder / "_quarto.yml").is_file() or (folder / "_quarto.yaml").is_file():
            return folder
    return None


DEFERRED_RE = re.compile(r"GOVSURVEYVAR\d{4}Q")


def expand_source(qmd_path, variables=None, var_path=None, _stack=(), _main_dir=None, deferred=None) -> str:
    """Text of `qmd_path` with includes inlined and `{{< var >}}` resolved.

    Include paths resolve as in Quarto, which pastes an included file into the main one: against
    the main document's folder, also inside included files; a leading `/` means the project root.
    Errors name the file and line of the shortcode. HTML comments are dropped first, so a
    shortcode mentioned in a comment is not expanded.

    With a dict as `deferred`, a `{{< var >}}` that cannot be resolved becomes a placeholder word
    (DEFERRED_RE) and its error is kept under that word, to be raised only if the placeholder
    reaches the output: in hidden conditional content a missing value does not matter (Quarto
    drops such content before it resolves shortcodes).
    """
    qmd_path = Path(qmd_path).resolve()
    main_dir = Path(_main_dir) if _main_dir else qmd_path.parent
    if variables is None:
        variables = load_variables(qmd_path.parent)
    var_path = Path(var_path) if var_path else qmd_path.parent / "_variables.yml"
    if qmd_path in _stack:
        chain = " -> ".join(p.name for p in (*_stack, qmd_path))
        raise InputError(_stack[-1], f"includes itself in a loop ({chain}).", "Remove the circular include.")
    # keep the comment's line breaks so error line numbers stay right
    text = COMMENT_RE.sub(lambda m: "\n" * m.group().count("\n"), qmd_path.read_text(encoding="utf-8"))

    def where(match):
        return f"{qmd_path} line {text.count(chr(10), 0, match.start()) + 1}"

    def replace(match):
        name, arg = match.group(1), match.group(2).strip().strip("'\"")
        if name == "var":
            try:
                return _var_text(arg, variables, where(match), var_path)
            except InputError as exc:
                if deferred is None:
                    raise
                token = f"GOVSURVEYVAR{len(deferred):04d}Q"
                deferred[token] = exc
                return token
        if name == "include":
            if arg.startswith("/"):
                target = ((project_root(main_dir) or main_dir) / arg.lstrip("/")).resolve()
            else:
                target = (main_dir / arg).resolve()
            if not target.is_file():
                raise InputError(
                    where(match),
                    f"{{{{< include {arg} >}}}}: the file {target} does not exist.",
                    "Create it (or run the step that writes it) or correct the path. As in Quarto, "
                    f"include paths are relative to the main document's folder ({main_dir}), also "
                    "inside included files; a path that starts with / is relative to the project root.",
                )
            return expand_source(target, variables, var_path, (*_stack, qmd_path), main_dir, deferred)
        if name == "pagebreak":
            return PAGEBREAK
        raise InputError(
            where(match),
            f"the shortcode {{{{< {name} >}}}} is not in the supported Quarto subset.",
            "Use var, include or pagebreak (see report/QUARTO_SUBSET.md).",
        )

    return SHORTCODE_RE.sub(replace, text)


# ---------------------------------------------------------------- metadata for conditions


class _YAML12Booleans(yaml.SafeLoader):
    """PyYAML's safe loader, but a boolean must be written true or false (any case), as in YAML 1.2."""


def _yaml12_bool(loader, node):
    if node.value.lower() not in ("true", "false"):
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"'{node.value}' is a boolean to pandoc (YAML 1.1) but text to Quarto (YAML 1.2); "
            "write true or false",
            node.start_mark,
        )
    return node.value.lower() == "true"


_YAML12Booleans.add_constructor("tag:yaml.org,2002:bool", _yaml12_bool)


def metadata_files(qmd_path) -> list:
    """The metadata files Quarto merges under a document's front matter, lowest priority first.

    Within a project (a folder at or above the document with _quarto.yml): the project's
    _quarto.yml, then a _metadata.yml (or .yaml) in each folder from the project folder down to
    the document's own. Outside a project: none. Each file must be a YAML mapping whose booleans
    read the same to pandoc and Quarto.
    """
    folder = Path(qmd_path).resolve().parent
    root = project_root(folder)
    if root is None:
        return []
    files = [root / "_quarto.yml" if (root / "_quarto.yml").is_file() else root / "_quarto.yaml"]
    here = root
    for part in ("", *folder.relative_to(root).parts):
        here = here / part
        found = [here / n for n in ("_metadata.yml", "_metadata.yaml") if (here / n).is_file()]
        files += found[:1]
    for path in files:
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML12Booleans)
        except yaml.YAMLError as exc:
            raise InputError(path, f"is not valid YAML here ({exc}).", "Fix the YAML.") from None
        if data is not None and not isinstance(data, dict):
            raise InputError(path, "must be a mapping of keys to values.", "Write `key: value` lines.")
        if isinstance(data, dict) and "metadata-files" in data:
            raise InputError(
                path,
                "uses metadata-files, which the fallback renderer does not read.",
                "Put the keys in _metadata.yml beside the chapter instead (see report/QUARTO_SUBSET.md).",
            )
    return files


# ---------------------------------------------------------------- fonts


def find_cjk_font(font_dirs=None, system=True):
    """(family, font file) of the first usable CJK font, searched by typst's own font discovery.

    `font_dirs` defaults to the usual Noto CJK install folders; `system=False` looks only there.
    Raises InputError with install hints when none is found.
    """
    import typst

    dirs = [str(d) for d in (CJK_FONT_DIRS if font_dirs is None else font_dirs) if Path(d).is_dir()]
    fonts = typst.Fonts(include_system_fonts=system, include_embedded_fonts=False, font_paths=dirs)
    found = {}
    for info in fonts.fonts():
        found.setdefault(info.family, info.path)
    for family in CJK_FAMILIES:
        if family in found:
            return family, (Path(found[family]) if found[family] else None)
    raise InputError(
        "fonts",
        "no Chinese (CJK) font was found for the PDF (looked for " + ", ".join(CJK_FAMILIES[:4]) + ", ...).",
        "Install one: Debian/Ubuntu `sudo apt-get install fonts-noto-cjk`; "
        "Fedora `google-noto-serif-cjk-fonts`; "
        "macOS has Songti SC (or `brew install --cask font-noto-serif-cjk-sc`); Windows has SimSun.",
    )


def needs_cjk_font(qmd_path, lang) -> bool:
    """Whether the rendered chapter has Chinese text: lang zh, or CJK characters in the source with
    its includes and variables expanded (names reach the English chapter through both)."""
    if lang.lower().startswith("zh"):
        return True
    try:
        text = expand_source(qmd_path)
    except InputError:  # outside the fallback's subset (the Quarto path): look at every text file
        folder = Path(qmd_path).resolve().parent
        files = [Path(qmd_path), *folder.rglob("*.md"), *folder.rglob("*.qmd"), folder / "_variables.yml"]
        text = "".join(f.read_text(encoding="utf-8", errors="replace") for f in files if f.is_file())
    return bool(CJK_RE.search(text))


def font_lists(lang, cjk_family):
    """(body, code) font lists of the PDF, Typst's order of preference per character.

    English: the Latin serif first, so letters, digits and ’ “ ” keep its design (a CJK font first
    sets "study’ s" with full-width quotes); the CJK serif only for Chinese characters. Chinese:
    the Latin serif for Latin letters and digits only (Typst's `covers: "latin-in-cjk"`), so the
    CJK serif sets the text and its “ ” ， 。. Last, DejaVu Sans Mono (embedded in Typst, like
    Libertinus) for the few symbols neither has (‣ of nested lists, ✗): without it Typst picks
    whatever system font has them, a different one on each machine. Code text: the mono font,
    then the CJK serif (else Typst's own fallback served Chinese file names in Noto Sans CJK JP).
    """
    zh = lang.lower().startswith("zh")
    cjk = [cjk_family] if cjk_family else []
    latin = {"name": LATIN_SERIF, "covers": "latin-in-cjk"} if zh and cjk_family else LATIN_SERIF
    return [latin, *cjk, MONO], [MONO, *cjk]


def _typst_fonts(fonts):
    """A Typst array of font families: ("A", (name: "B", covers: "latin-in-cjk"),)."""
    def one(font):
        if isinstance(font, dict):
            return "(" + ", ".join(f'{k}: "{v}"' for k, v in font.items()) + ")"
        return f'"{font}"'
    return "(" + ", ".join(one(f) for f in fonts) + ",)"


FONT_RULES_MARK = "// govsurvey: the PDF's fonts"


def font_rules(lang, cjk_family):
    """Typst rules that set the fonts, for `format.typst.include-before-body` of _quarto.yml.

    After the template's `#show: doc => article(...)` (Quarto) / `conf(...)` (pandoc), where both
    engines put include-before-body, so they win over the template's own `set text(font: ...)`
    (Quarto's 1.7 template takes one `mainfont` family only). Headings and code get theirs too,
    as a template may set other fonts there (Quarto's title uses `heading-family`).
    """
    body, code = font_lists(lang, cjk_family)
    return "\n".join([
        FONT_RULES_MARK + " (written by the report step; both engines read this _quarto.yml)",
        f"#set text(font: {_typst_fonts(body)})",
        f"#show heading: set text(font: {_typst_fonts(body)})",
        f"#show raw: set text(font: {_typst_fonts(code)})",
    ]) + "\n"


def pdf_settings(lang, needs_cjk, cjk=None) -> dict:
    """The `_quarto.yml` keys of the PDF's language and fonts, read by both engines.

    {"lang": lang, "format": {"typst": {"include-before-body": [{"text": font rules}],
    "font-paths": [the CJK font's folder], "region": "CN" (zh)}}}. `cjk` is (family, file) of
    the CJK font; found with find_cjk_font when the text needs one and it is not given. Quarto
    passes format.typst's font-paths to `typst compile --font-path` and region to its template.
    """
    family = None
    typst_keys = {}
    if needs_cjk:
        family, path = cjk or find_cjk_font()
        if path:
            typst_keys["font-paths"] = [str(Path(path).parent)]
    if lang.lower().startswith("zh"):
        typst_keys["region"] = "CN"
    typst_keys["include-before-body"] = [{"text": font_rules(lang, family)}]
    return {"lang": lang, "format": {"typst": typst_keys}}


def has_pdf_settings(config) -> bool:
    """Whether a _quarto.yml (as a mapping) sets the PDF's fonts: an include-before-body of its
    typst format that sets them (pdf_settings writes it)."""
    fmt = _format_options(config, "typst")
    for entry in _as_list(fmt.get("include-before-body")):
        if isinstance(entry, dict) and "#set text(font:" in str(entry.get("text", "")):
            return True
    return False


# format.typst options that reach the Typst template as metadata, in Quarto's and pandoc's
# templates alike (the fallback passes them to pandoc as Quarto does)
TYPST_TEMPLATE_KEYS = ("fontsize", "margin", "region", "mainfont", "codefont")


def effective_typst_options(config, qmd_path, lang, text=None) -> dict:
    """format.typst of _quarto.yml with the PDF's language and font settings: the file's own when
    it has them (has_pdf_settings), else pdf_settings' for this language and text, as
    render_chapter would write them for Quarto. `text` is the expanded chapter (for CJK)."""
    fmt = dict(_format_options(config, "typst"))
    if has_pdf_settings(config):
        return fmt
    needs = (lang.lower().startswith("zh") or bool(CJK_RE.search(text))) if text is not None \
        else needs_cjk_font(qmd_path, lang)
    defaults = pdf_settings(lang, needs)["format"]["typst"]
    for key, value in defaults.items():
        if key == "include-before-body":
            fmt[key] = [*_as_list(fmt.get(key)), *value]
        else:
            fmt.setdefault(key, value)
    return fmt


def write_pdf_settings(project_dir, lang, needs_cjk, log=print) -> dict:
    """Merge pdf_settings into the project's _quarto.yml (so a `quarto render` by hand in the
    folder gives the same PDF: nothing is passed on the command line). Returns the keys."""
    keys = pdf_settings(lang, needs_cjk)
    merge_into_quarto_yml(Path(project_dir) / "_quarto.yml", keys)
    log(f"render: the PDF's language and fonts are in {Path(project_dir) / '_quarto.yml'}")
    return keys


# ---------------------------------------------------------------- engines


def _pandoc_path():
    try:
        import pypandoc
    except ImportError:
        raise InputError(
            "pandoc",
            "the fallback renderer needs pandoc 3 from the PyPI package pypandoc-binary.",
            "pip install pypandoc-binary (or install Quarto).",
        ) from None
    return pypandoc.get_pandoc_path()


def _quarto_config(project_dir):
    path = Path(project_dir) / "_quarto.yml"
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _typst_includes(config, project_dir, key="include-in-header"):
    """Text of format.typst.<key> entries (paths or {text:}/{file:} items), as Quarto reads them."""
    fmt = (config.get("format") or {}).get("typst") or {}
    parts = []
    for entry in _as_list(fmt.get(key)):
        if isinstance(entry, dict):
            if "text" in entry:
                parts.append(entry["text"])
                continue
            entry = entry.get("file")
        path = Path(project_dir) / str(entry)
        if not path.is_file():
            raise InputError(
                Path(project_dir) / "_quarto.yml",
                f"format.typst.{key} names {path}, which does not exist.",
                "Correct the path.",
            )
        parts.append(path.read_text(encoding="utf-8"))
    return parts


def _format_options(config, fmt):
    """format.<fmt> of _quarto.yml as a mapping (`docx: default` and a missing key give {})."""
    options = (config.get("format") or {}).get(fmt)
    return options if isinstance(options, dict) else {}


def reference_doc(project_dir, config=None):
    """The Word styles template named by _quarto.yml's `format.docx.reference-doc` (a path relative to
    the project folder, as Quarto reads it); None when the key is not set (pandoc's own styles)."""
    project_dir = Path(project_dir)
    config = _quarto_config(project_dir) if config is None else config
    name = _format_options(config, "docx").get("reference-doc")
    if not name:
        return None
    path = project_dir / str(name)
    if not path.is_file():
        raise InputError(
            project_dir / "_quarto.yml",
            f"format.docx.reference-doc names {path}, which does not exist.",
            "Put the Word template (.docx) there or correct the path; report/reference.docx is made by "
            "`python -m govsurvey.report.reference_docx`. Without the key pandoc's default styles are used.",
        )
    return path


TABLE_RE = re.compile(r"<w:tbl>.*?</w:tbl>", re.S)
TABLE_TEXT_STYLE = "TableText"
TWIPS_PER_COLUMN = 105  # one Latin character of 10.5 pt (五号) table text, in twips; CJK count two
CELL_PADDING = 216 + 110  # 108 twips each side (pandoc's table style) and a character of air: the
# estimates run short for capitals and symbols ("=~" and "PW1" wrapped with less)
TIGHT_MARGIN = 57  # 1 mm each side, for a table whose longest words do not fit otherwise
PAGE_RE = re.compile(r'<w:pgSz [^>]*w:w="(\d+)"[^>]*/>\s*<w:pgMar [^>]*w:left="(\d+)"[^>]*w:right="(\d+)"')


def _display_width(text):
    """Print width in Latin characters: CJK and full-width count two, capitals a little more."""
    return sum(
        2 if unicodedata.east_asian_width(c) in "WF" else 1.4 if c.isupper() else 1 for c in text
    )


def _fit_columns(table, text_width):
    """Column widths (twips) for a docx table from its cells' text.

    pandoc gives a table either equal columns (no relative widths in the source) or the pipe
    table's dash proportions for the HTML/PDF page. Word re-fits auto tables, but LibreOffice and
    WPS keep the grid, so equal columns squeeze long cells and dash widths sized for the PDF's
    smaller type can split a number ("0.78" over two lines). Each column gets its longest line,
    or, when the table would be wider than the text, is narrowed towards its longest word.
    """
    rows = re.findall(r"<w:tr>.*?</w:tr>", table, re.S)
    n = len(re.findall(r"<w:gridCol ", table))
    want, least = [0.0] * n, [0.0] * n
    for row in rows:
        for i, cell in enumerate(re.findall(r"<w:tc>.*?</w:tc>", row, re.S)[:n]):
            for para in re.findall(r"<w:p>.*?</w:p>|<w:p .*?</w:p>", cell, re.S):
                text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", para))
                words = re.split(r"\s+", text.strip()) if text.strip() else [""]
                want[i] = max(want[i], _display_width(text))
                # CJK text may break between any two characters; short labels (构念, 黄河社区) read
                # better whole, so up to four characters count as one word
                least[i] = max(least[i], *(min(_display_width(w), 8) if re.search(r"[\u3400-\u9fff]", w)
                                           else _display_width(w) for w in words))
    # a wide table whose words do not fit with the usual cell margins gets narrow ones (tight)
    tight = sum(least) * TWIPS_PER_COLUMN + n * CELL_PADDING > text_width
    padding = 2 * TIGHT_MARGIN + 20 if tight else CELL_PADDING
    want = [w * TWIPS_PER_COLUMN + padding for w in want]
    least = [w * TWIPS_PER_COLUMN + padding for w in least]
    excess = sum(want) - text_width
    if excess <= 0:
        return [round(w) for w in want], tight
    room = [w - m for w, m in zip(want, least)]
    if sum(room) >= excess:
        share = excess / sum(room)
        return [round(w - share * r) for w, r in zip(want, room)], tight
    return [round(m * text_width / sum(least)) for m in least], tight  # words do not fit: scale


DOCX_TEXT_RE = re.compile(r"(<w:t(?: [^>]*)?>)([^<]*)(</w:t>)")
LEADING_POINT_RE = re.compile(r"(?<![\d.])\.(?=\d)")


def filters_after_citeproc(config, project_dir):
    """The Lua filters `_quarto.yml` lists after `citeproc` (`filters: [citeproc, x.lua]`, as
    Quarto orders them): the fallback runs them after pandoc's citeproc. Other filters are not in
    the subset (an error)."""
    filters = [str(f) for f in _as_list(config.get("filters"))]
    if not filters:
        return []
    if filters[0] != "citeproc" or any(not f.endswith(".lua") for f in filters[1:]):
        raise InputError(Path(project_dir) / "_quarto.yml", f"filters {filters} are not in the fallback's subset.",
                         "List citeproc first, then the Lua filters to run after it (report/QUARTO_SUBSET.md).")
    paths = [Path(project_dir) / f for f in filters[1:]]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise InputError(Path(project_dir) / "_quarto.yml", f"the filter {missing[0]} does not exist.",
                         "Correct the path (relative to the project folder).")
    return paths


def _docx_tables(path):
    """Fit the columns of the docx's tables and give their cells the "Table Text" style.

    Cells: pandoc writes cell paragraphs in "Compact", which tight lists use too; a style of their
    own lets tables be set smaller and single-spaced (五号) without shrinking lists. A reference
    document without the style keeps "Compact" (Word would otherwise fall back to Normal).
    Columns: see _fit_columns; the table is then as wide as its columns, at most the text width.
    """
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    parts = dict((info.filename, data) for info, data in items)
    restyle = f'w:styleId="{TABLE_TEXT_STYLE}"'.encode() in parts.get("word/styles.xml", b"")
    document = parts["word/document.xml"].decode("utf-8")
    page = PAGE_RE.search(document)
    text_width = int(page.group(1)) - int(page.group(2)) - int(page.group(3)) if page else 7920

    def fix(match):
        table = match.group()
        if restyle:
            table = table.replace('<w:pStyle w:val="Compact" />', f'<w:pStyle w:val="{TABLE_TEXT_STYLE}" />')
        widths, tight = _fit_columns(table, text_width)
        widths = iter(widths)
        if tight:  # direct formatting over the style's cell margins (schema order: before tblLook)
            margins = "".join(f'<w:{side} w:w="{TIGHT_MARGIN}" w:type="dxa" />' for side in ("left", "right"))
            table = table.replace("<w:tblLook ", f"<w:tblCellMar>{margins}</w:tblCellMar><w:tblLook ", 1)
        table = re.sub(r'<w:gridCol w:w="\d+" />', lambda m: f'<w:gridCol w:w="{next(widths)}" />', table)
        total = sum(int(w) for w in re.findall(r'<w:gridCol w:w="(\d+)" />', table))
        return re.sub(r"<w:tblW [^>]*/>", f'<w:tblW w:type="dxa" w:w="{total}" />', table, count=1)

    document = TABLE_RE.sub(fix, document)
    # ".25" (APA's value without its leading zero) must not break after the point: in Chinese text
    # Word and LibreOffice may end a line at "." and start the next with "25"; a word joiner
    # (U+2060, invisible) holds them together
    document = DOCX_TEXT_RE.sub(lambda m: m.group(1) + LEADING_POINT_RE.sub(".\u2060", m.group(2)) + m.group(3),
                                document)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename == "word/document.xml":
                data = document.encode("utf-8")
            zout.writestr(info, data)


def _relative_to(path, folder):
    """`path` relative to `folder` when it lies inside it, else as given."""
    path, folder = Path(path).resolve(), Path(folder).resolve()
    return path.relative_to(folder).as_posix() if path.is_relative_to(folder) else str(path)


def _run_pandoc(args, text, cwd, source, env=None):
    proc = subprocess.run(
        [_pandoc_path(), *args],
        input=text,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    if proc.returncode != 0:
        found = FILTER_ERROR_RE.search(proc.stderr)
        problem = found.group(1) + "." if found else "pandoc failed: " + proc.stderr.strip()[-1500:]
        raise InputError(source, problem, "Fix the chapter source (see report/QUARTO_SUBSET.md).")
    return proc


def _render_fallback(qmd_path, formats, out_dir, lang, log, name):
    try:
        import typst
    except ImportError:
        raise InputError(
            "typst",
            "the fallback renderer needs the PyPI package typst for the PDF.",
            "pip install typst (or install Quarto).",
        ) from None

    project_dir = qmd_path.parent
    log(f"render: expanding includes and variables in {qmd_path.name}")
    deferred = {}  # var errors, raised only for values that reach the output (see expand_source)
    text = expand_source(qmd_path, deferred=deferred)
    leftover = re.search(r"\{\{<|\?var", text)
    if leftover:
        raise InputError(
            qmd_path,
            f"an unexpanded shortcode remains near: {text[leftover.start():leftover.start() + 60]!r}",
            "Check the shortcode syntax ({{< name args >}}).",
        )
    config = _quarto_config(project_dir)
    # citations: every cited key must be in a bibliography file of _quarto.yml before pandoc runs
    bibliography, csl = quarto_bibliography(project_dir)
    check_cited_keys(cited_keys(text), bibliography, qmd_path)
    typst_fmt = _format_options(config, "typst")
    html_fmt = _format_options(config, "html")
    reference = reference_doc(project_dir, config) if "docx" in formats else None
    docdir = qmd_path.parent.resolve()
    # metadata that when-meta / unless-meta read besides the front matter (as Quarto merges it)
    meta_env = {"GOVSURVEY_METADATA_FILES": "\n".join(str(f) for f in metadata_files(qmd_path))}

    def check_placeholders(path):
        if path.suffix == ".docx":
            with zipfile.ZipFile(path) as docx:
                text = docx.read("word/document.xml").decode("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        found = DEFERRED_RE.search(text)
        if found:
            raise deferred[found.group()]

    outputs = {}
    with tempfile.TemporaryDirectory(prefix="govsurvey-render-") as tmp:
        tmp = Path(tmp)
        built = {}  # format -> file in tmp; moved to out_dir once every format has rendered
        lua = tmp / "crossref.lua"
        lua.write_text(CROSSREF_LUA.read_text(encoding="utf-8"), encoding="utf-8")
        common = [
            "--from",
            "markdown",
            "--standalone",
            "--lua-filter",
            str(lua),
            "--metadata",
            f"lang={lang}",
            "--resource-path",
            str(project_dir),
            # after the crossref filter (pandoc runs filters and citeproc in the order given), so
            # hidden content is gone and @fig-/@tbl-/@sec- are links before citeproc sees citations
            "--citeproc",
            *[arg for bib in bibliography for arg in ("--bibliography", str(bib))],
            # relative to the project (pandoc runs there): the Word file keeps the style's path
            # among its document properties, which must not name the folder the run was in
            *(["--csl", _relative_to(csl, project_dir)] if csl else []),
            *[arg for f in filters_after_citeproc(config, project_dir) for arg in ("--lua-filter", str(f))],
        ]
        if "html" in formats:
            out = tmp / f"{qmd_path.stem}.html"
            args = [*common, "--to", "html5", "--embed-resources", "--mathml", "--output", str(out)]
            for css in _as_list(html_fmt.get("css")):
                args += ["--css", str(project_dir / css)]
            log(f"render: html via pandoc (fallback) -> {out_dir / (name + out.suffix)}")
            _run_pandoc(args, text, project_dir, qmd_path, meta_env)
            check_placeholders(out)
            built["html"] = out
        if "docx" in formats:
            out = tmp / f"{qmd_path.stem}.docx"
            # raw html / typst blocks are dropped by pandoc's docx writer; page breaks come as openxml
            args = [*common, "--to", "docx", "--output", str(out)]
            if reference:
                args += ["--reference-doc", str(reference)]
            log(f"render: docx via pandoc (fallback, styles from {reference or 'pandoc'}) -> {out_dir / (name + out.suffix)}")
            _run_pandoc(args, text, project_dir, qmd_path, meta_env)
            check_placeholders(out)
            _docx_tables(out)
            built["docx"] = out
        if "pdf" in formats:
            # language and fonts from _quarto.yml, as Quarto reads them (pdf_settings when unset)
            typst_fmt = effective_typst_options(config, qmd_path, lang, text)
            font_paths = [str(project_dir / f) for f in _as_list(typst_fmt.get("font-paths"))]
            header = [
                "// captions carry their own 'Figure N:' prefix from the crossref filter",
                "#set figure(numbering: none)",
                *_typst_includes(config, project_dir),
            ]
            (tmp / "header.typ").write_text("\n".join(header) + "\n", encoding="utf-8")
            before = _typst_includes({"format": {"typst": typst_fmt}}, project_dir, "include-before-body")
            (tmp / "before.typ").write_text("\n".join(before) + "\n", encoding="utf-8")
            typ = tmp / f"{qmd_path.stem}.typ"
            anchor = Path(docdir.anchor)
            # page and font options from _quarto.yml's typst format, as pandoc template metadata
            # (the template variables Quarto's typst template reads under the same names)
            meta = {"papersize": typst_fmt.get("papersize", "a4")}
            meta.update({k: typst_fmt[k] for k in TYPST_TEMPLATE_KEYS if k in typst_fmt})
            (tmp / "meta.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
            args = [
                *common,
                "--to",
                "typst",
                "--include-in-header",
                str(tmp / "header.typ"),
                "--include-before-body",
                str(tmp / "before.typ"),
                "--metadata-file",
                str(tmp / "meta.yaml"),
                "--output",
                str(typ),
            ]
            # typst resolves absolute image paths against its root: the filesystem anchor
            env = {"GOVSURVEY_DOCDIR": "/" + docdir.relative_to(anchor).as_posix(), **meta_env}
            _run_pandoc(args, text, project_dir, qmd_path, env)
            check_placeholders(typ)
            out = tmp / f"{qmd_path.stem}.pdf"
            log(f"render: pdf via pandoc + typst (fallback) -> {out_dir / (name + out.suffix)}")
            stamp = os.environ.get("SOURCE_DATE_EPOCH")
            # format.typst.pdf-standard, as Quarto (1.9+) reads it: "2.0" keeps the PDF tagged but
            # leaves out /MarkInfo /Suspects (deprecated in PDF 2.0), the key poppler misreports.
            standards = [str(s) for s in _as_list(typst_fmt.get("pdf-standard"))]
            try:
                typst.compile(
                    str(typ),
                    output=str(out),
                    root=str(anchor),
                    font_paths=font_paths,
                    **({"pdf_standards": standards} if standards else {}),
                    **({"timestamp": int(stamp)} if stamp else {}),
                )
            except Exception as exc:  # typst.TypstError: keep the .typ so the problem can be found
                kept = out_dir / f"{name}.fallback.typ"
                shutil.copy(typ, kept)
                if "pdf standard" in str(exc).lower():
                    raise InputError(
                        project_dir / "_quarto.yml",
                        f"format.typst.pdf-standard {standards} is not one typst knows: {exc}",
                        'Use a PDF version ("1.7", "2.0") or a standard such as "a-2b", "ua-1".',
                    ) from None
                raise InputError(
                    kept,
                    f"typst could not compile the chapter: {exc}",
                    "Look at the kept .typ file; raw typst blocks in the chapter are the usual cause.",
                ) from None
            built["pdf"] = out
        for fmt, path in built.items():
            outputs[fmt] = out_dir / f"{name}.{fmt}"
            shutil.move(str(path), str(outputs[fmt]))
    return outputs


def _front_matter(qmd_path):
    """The chapter's YAML front matter as a mapping ({} without one)."""
    text = Path(qmd_path).read_text(encoding="utf-8")
    found = re.match(r"---\s*\n(.*?)\n---\s*\n", text, re.S)
    data = yaml.safe_load(found.group(1)) if found else None
    return data if isinstance(data, dict) else {}


def _render_quarto(qmd_path, formats, out_dir, lang, log, name):
    """`quarto render <chapter> --to <format>` with nothing else on the command line: every setting
    is in the project's _quarto.yml (and _metadata.yml, the front matter), so `quarto render` by
    hand in the folder gives the same files. Missing PDF settings are written there first."""
    project_dir = qmd_path.parent
    stated = _front_matter(qmd_path).get("lang") or _quarto_config(project_dir).get("lang")
    if stated and str(stated) != lang:
        raise InputError(
            qmd_path,
            f"the chapter is in lang {stated} (front matter or _quarto.yml), but it was to be rendered as {lang}.",
            f"Set `lang: {lang}` in its front matter: Quarto reads the language from there, not from the caller.",
        )
    if "pdf" in formats and not has_pdf_settings(_quarto_config(project_dir)):
        write_pdf_settings(project_dir, lang, needs_cjk_font(qmd_path, lang), log)
    outputs = {}
    for fmt in formats:
        # Quarto's typst format writes the PDF; its docx format reads format.docx.reference-doc
        to = {"pdf": "typst", "html": "html", "docx": "docx"}[fmt]
        cmd = ["quarto", "render", qmd_path.name, "--to", to]
        log(f"render: {fmt} via {' '.join(cmd)}")
        proc = subprocess.run(cmd, cwd=project_dir, capture_output=True, text=True)
        if proc.returncode != 0:
            raise InputError(
                qmd_path,
                "quarto render failed:\n" + proc.stderr.strip()[-3000:],
                "Fix the problem quarto reports above.",
            )
        built = project_dir / f"{qmd_path.stem}.{fmt}"
        if not built.exists():
            raise InputError(
                qmd_path,
                f"quarto reported success but {built} is missing.",
                "Check output-dir in _quarto.yml.",
            )
        out = out_dir / f"{name}.{fmt}"
        if out.resolve() != built.resolve():
            shutil.copy(built, out)  # the build folder keeps its own, as a hand re-render leaves it
        outputs[fmt] = out
    return outputs


def resolve_engine(engine="auto"):
    """"quarto" or "fallback" for an engine setting (auto: quarto when on PATH)."""
    if engine == "auto":
        return "quarto" if shutil.which("quarto") else "fallback"
    if engine == "quarto" and not shutil.which("quarto"):
        raise InputError(
            "report engine",
            "engine 'quarto' was asked for, but quarto is not on PATH.",
            "Install Quarto (https://quarto.org/docs/get-started/, 1.7 or later) or use engine: auto / fallback.",
        )
    if engine not in ("quarto", "fallback"):
        raise InputError("report engine", f"unknown engine {engine!r}.", "Use auto, quarto or fallback.")
    return engine


def _first_version(cmd):
    """The first x.y[.z] in a program's --version output, or None when it cannot be run."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\d+\.\d+(?:\.\d+)*", out or "")
    return found.group() if found else None


def engine_software(engine) -> list:
    """[(program, version)] of what renders the chapter, for the software table: Quarto with the
    pandoc and Typst it bundles, or the fallback's pandoc (pypandoc-binary) and Typst (typst)."""
    engine = resolve_engine(engine)
    if engine == "quarto":
        rows = [("Quarto", _first_version(["quarto", "--version"]) or "?")]
        for program, shown in (("pandoc", "pandoc"), ("typst", "Typst")):
            version = _first_version(["quarto", program, "--version"])
            if version:
                rows.append((f"{shown} (Quarto)", version))
        return rows
    import importlib.metadata

    rows = []
    try:
        import pypandoc

        rows.append(("pandoc (pypandoc-binary)", pypandoc.get_pandoc_version()))
    except (ImportError, OSError, RuntimeError):
        pass
    try:
        rows.append(("Typst (typst)", importlib.metadata.version("typst")))
    except importlib.metadata.PackageNotFoundError:
        pass
    return rows


def render_chapter(
    project_dir,
    qmd="chapter.qmd",
    formats=("html", "pdf"),
    engine="auto",
    out_dir=None,
    lang="en",
    log=print,
    name=None,
):
    """Render `project_dir/qmd` to the given formats ("html", "pdf", "docx").

    engine: "auto" (quarto when on PATH, else the fallback), "quarto" or "fallback".
    `lang` ("en" or "zh") overrides the front matter's lang. Outputs go to `out_dir` (default: the
    project folder) as `<name>.<format>`; `name` defaults to the source's stem ("chapter.zh" gives
    chapter.zh.docx). Returns {format: Path, ..., "engine": "quarto" | "fallback"}.
    """
    project_dir = Path(project_dir)
    qmd_path = (project_dir / qmd).resolve()
    if not qmd_path.is_file():
        raise InputError(qmd_path, "the chapter source does not exist.", "Check report paths in config.yaml.")
    formats = tuple(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise InputError(
            "report formats",
            f"unknown format(s) {bad or formats}; supported: {', '.join(FORMATS)}.",
            "Use any of html, pdf and docx.",
        )
    name = qmd_path.stem if name is None else str(name)
    if not name or Path(name).name != name:
        raise InputError("report output name", f"{name!r} is not a file name.", "Give a stem such as chapter.zh.")
    engine = resolve_engine(engine)
    out_dir = Path(out_dir) if out_dir else qmd_path.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir = out_dir.resolve()
    log(f"render: {qmd_path} -> {', '.join(formats)} with {engine} (lang {lang})")
    render = _render_quarto if engine == "quarto" else _render_fallback
    outputs = render(qmd_path, formats, out_dir, lang, log, name)
    outputs["engine"] = engine
    return outputs
