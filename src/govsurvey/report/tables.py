"""Markdown (pipe) tables with Quarto captions, and the tables every kind of study shows:
fit indices, all parameters, missingness, EFA, modification indices, provenance, software."""

import importlib.metadata
import platform
import re
import unicodedata

import pandas as pd

from govsurvey.formatting import apa_number, apa_p, keeps_leading_zero

# Fit indices shown in the fit tables, in this order (thresholds come from the fit-table file).
FIT_INDICES = {
    "chisq_df": "χ²/df",
    "cfi": "CFI",
    "tli": "TLI",
    "rmsea": "RMSEA [90% CI]",
    "srmr": "SRMR",
    "gfi": "GFI",
    "agfi": "AGFI",
    "nfi": "NFI",
    "ifi": "IFI",
}
# The packages the software table names when a job imported them (every package a job imported
# is in its record, results/**/<job>.versions.json); the first eight without job records.
SOFTWARE = ["snakemake", "pandas", "numpy", "scipy", "semopy", "statsmodels", "matplotlib", "seaborn",
            "pyarrow", "openpyxl", "python-calamine", "pyreadstat", "krippendorff", "jieba"]
WRAP_AT = 40  # display columns beyond which a cell is text that wraps
PADDING = 3  # a cell's inset on both sides, in display columns
LINE = 88  # display columns of 10 pt table text across the A4 text block
MIN_TEXT = 12  # display columns a text column keeps when it shrinks (six Chinese characters)
_NUMERIC = re.compile(r"^[\s\d.,\[\]()<>=*%−\-—†]*$")


ZWSP = "\u200b"


def markdown_table(frame, caption, label, whole=()):
    """A pipe table with a Quarto caption line (`: Caption {#tbl-label}`). Columns whose
    positions are in `whole` keep their cells on one line (short names the table is read by).

    Numbers align right, text left. Pandoc sizes wrapped columns by the dashes under the
    header, so each column gets dashes in proportion to its longest cell (long texts capped, as
    they wrap anyway) or its header's longest word (headers wrap between words), plus room for
    the cell padding; when that is wider than a line, text columns give way first (down to
    their longest word), so that numbers, codes and paths do not wrap or overprint.
    """
    cells = frame.astype(str).apply(lambda col: col.str.replace("|", "\\|", regex=False))
    widths, least, numeric = [], [], []
    for column in cells.columns:
        values = list(cells[column])
        # a header's words stay whole; a cell's Chinese text may break between any two characters
        # a zero-width space in a header marks where it may wrap (a long Chinese header over numbers)
        words = str(column).replace(ZWSP, " ").split() + [w for text in values for w in _CJK_BREAKS.sub(" ", text).split()] or [""]
        longest_word = max(_word_width(w) for w in words)
        widths.append(round(min(max(longest_word, *(display_width(v) for v in values)), WRAP_AT)) + PADDING)
        numeric.append(all(_NUMERIC.match(v) for v in values))
        # text can shrink to its longest word, and Chinese text (which breaks anywhere) to MIN_TEXT
        widest = max((display_width(v) for v in values), default=0)
        keep = numeric[-1] or len(least) in whole
        least.append(widths[-1] if keep else round(max(longest_word, min(widest, MIN_TEXT))) + PADDING)
    widths = _fit_line(widths, least)
    rule = [("-" * (w - 1) + ":") if num_col else (":" + "-" * (w - 1)) for w, num_col in zip(widths, numeric)]
    header = "| " + " | ".join(cells.columns) + " |"
    body = ["| " + " | ".join(row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join([header, "|" + "|".join(rule) + "|", *body, "", f": {caption} {{#{label}}}", ""])


def _fit_line(widths, least):
    """Shrink the text columns (not below `least`) so that the table fits LINE columns of text,
    where it can: pandoc shares the page width out in proportion to the widths."""
    excess = sum(widths) - LINE
    room = [w - m for w, m in zip(widths, least)]
    if excess <= 0 or sum(room) == 0:
        return widths
    share = min(1.0, excess / sum(room))
    return [round(w - share * r) for w, r in zip(widths, room)]


_CJK_BREAKS = re.compile(r"(?<=[\u3400-\u9fff])|(?=[\u3400-\u9fff])")


def _word_width(word):
    """A word's print width in display columns: capitals and Greek letters run wider; so does a
    Chinese word, which must not break (a header '题项数' set as '题项' over '数')."""
    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in word)
    return display_width(word) + 0.4 * sum(c.isupper() or "\u0370" <= c <= "\u03ff" for c in word) + 0.5 * wide


def display_width(text):
    """Columns a string takes in print: Chinese characters are twice as wide as Latin ones."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def p_phrase(p):
    """'= .032' or '< .001', to follow a 'p'."""
    text = apa_p(p)
    return text if text.startswith("<") else f"= {text}"


def md_escape(text):
    """Identifiers such as ind_OB_PL_GS or a1*d1 must not turn into emphasis."""
    return re.sub(r"([*_])", r"\\\1", str(text))


def num(value, digits=3):
    return apa_number(value, digits, leading_zero=True)


def level_percent(level):
    """0.95 -> '95', 0.9 -> '90', 0.975 -> '97.5'."""
    return f"{100 * level:.1f}".rstrip("0").rstrip(".")


def fit_table(chapter, fit_table, caption, label):
    """Fit indices beside the strict (Hu & Bentler) and lenient thresholds, with verdicts."""
    values = dict(zip(fit_table["index"], fit_table["value"]))
    rows = [("χ² (df)", f"{values['chisq']:.2f} ({values['df']:.0f})", "", ""), ("p", apa_p(values["pvalue"]), "", "")]
    for r in fit_table.itertuples():
        if r.index not in FIT_INDICES:
            continue
        value = f"{r.value:.2f}" if r.index == "chisq_df" else apa_number(r.value, 3)
        if r.index == "rmsea":
            value += f" [{apa_number(values['rmsea_ci_lower'], 3)}, {apa_number(values['rmsea_ci_upper'], 3)}]"
        rows.append((FIT_INDICES[r.index], value, _threshold(r.threshold_strict, r.verdict_strict),
                     _threshold(r.threshold_lenient, r.verdict_lenient)))  # fmt: skip
    frame = pd.DataFrame(rows, columns=chapter.w["fit_columns"]).replace("", "—")
    return markdown_table(frame, caption, label)


def _threshold(threshold, verdict):
    if not isinstance(threshold, str):
        return ""
    mark = {"met": "✓", "not met": "✗"}.get(verdict, "")
    if not keeps_leading_zero():  # APA: no leading zero where a value cannot exceed 1
        threshold = re.sub(r"(?<!\d)0\.", ".", threshold)
    return f"{threshold} {mark}".strip()


def all_parameters(chapter, params):
    """Every free and fixed parameter (the defined ones have their own table)."""
    columns = chapter.w["params_columns"]
    params = params[params["op"] != ":="]
    frame = pd.DataFrame(
        {
            columns[0]: params["lhs"].map(md_escape),
            columns[1]: params["op"].map(lambda op: f"`{op}`"),
            columns[2]: params["rhs"].map(md_escape),
            columns[3]: params["label"].fillna("").map(md_escape),
            columns[4]: [num(v) for v in params["est"]],
            columns[5]: [num(v) for v in params["se"]],
            columns[6]: [apa_number(v, 2, leading_zero=True) for v in params["z"]],
            columns[7]: [apa_p(v) for v in params["pvalue"]],
            columns[8]: [apa_number(v, 3) for v in params["std_all"]],
        }
    )
    return markdown_table(frame, chapter.w["params_caption"], "tbl-all-params")


def missingness(chapter, missing):
    columns = chapter.w["missingness_columns"]
    frame = pd.DataFrame(
        {
            columns[0]: missing["item"],
            columns[1]: missing["n"],
            columns[2]: missing["n_missing"],
            columns[3]: [f"{v:.1f}" for v in missing["pct_missing"]],
        }
    )
    return markdown_table(frame, chapter.w["missingness_caption"], "tbl-missingness")


def efa(chapter, efa):
    columns = chapter.w["efa_columns"]
    factors = [c for c in efa.columns if re.fullmatch(r"F\d+", c)]
    frame = pd.DataFrame({columns[0]: efa["item"]})
    for f in factors:
        frame[f] = [apa_number(v, 2) if abs(v) >= 0.30 else "" for v in efa[f]]
    frame[columns[1]] = [apa_number(v, 2) for v in efa["communality"]]
    return markdown_table(frame, chapter.w["efa_caption"], "tbl-efa")


def modindices(chapter, mi):
    columns = chapter.w["mi_columns"]
    frame = pd.DataFrame(
        {
            columns[0]: [f"{r.lhs} `{r.op}` {r.rhs}" for r in mi.itertuples()],
            columns[1]: [f"{v:.2f}" for v in mi["mi"]],
            columns[2]: [num(v) for v in mi["epc"]],
            columns[3]: [apa_number(v, 3) for v in mi["sepc_all"]],
        }
    )
    return markdown_table(frame, chapter.w["mi_caption"], "tbl-modindices")


def provenance(chapter, ingest):
    """Where the data came from and what ingest did to them (ingest_report.json), in the chapter's
    language: the values are read from the report's codes, not its English notes."""
    w, v = chapter.w, chapter.w["provenance_values"]
    names = w["provenance_rows"]
    join, paren = w["relation_join"], w["paren"]
    personal = join.join(d["column"] + paren.format(_dropped(w, d, ingest["rows"]))
                         for d in ingest["columns_dropped_personal"])
    missing = join.join(v["count"].format(reason=v["missing"].get(r, r), n=n) for r, n in ingest["missing_by_reason"].items())
    column = ingest.get("record_column")
    record = v["record_column"].format(column=column) if column else v["record_row"]
    encoding = v["encodings"].get(ingest["file_type"], ingest["encoding"])
    rows = [
        (names["file"], f"`{ingest['file']}`" + paren.format(v["bytes"].format(n=f"{ingest['bytes']:,}"))),
        (names["sha256"], _fingerprint(ingest["sha256"])),
        (names["format"], f"{v['formats'].get(ingest['format'], ingest['format_title'])}{w['dash']}"
                          f"{v['chosen'].get(ingest.get('format_chosen_code'), ingest['format_chosen'])}"),
        (names["reader"], f"{ingest['reader']}{join}{encoding}"),
        (names["rows"], f"{ingest['rows']} × {ingest['columns']}{join}{record}"),
        (names["personal"], personal or w["none"]),
        (names["hashed"], w["join"](ingest["identifiers_hashed"]) or w["none"]),
        (names["missing"], missing or w["none"]),
    ]  # fmt: skip
    unmatched = [c["column"] for c in ingest["columns_unmatched"]]
    if unmatched:
        rows.append((names["unmatched"], w["join"](unmatched)))
    unused = [c["column"] for c in ingest.get("columns_dropped_unused", [])]  # older reports have none
    if unused:
        rows.append((names["unused"], w["join"](unused)))
    if ingest["out_of_scale_as_missing"]:
        rows.append((names["out_of_scale"], str(sum(ingest["out_of_scale_as_missing"].values()))))
    # the study's record (rule provenance): what else the numbers rest on, by checksum
    if chapter.files is not None and "study_provenance" in chapter.files.inputs:
        study = chapter.json("study", "provenance")
        rows.append((names["config_sha256"], _fingerprint(study["config_sha256"])))
        for role in ("instrument", "model"):
            for path, digest in study["inputs"].get(role, {}).items():
                # the path in the value column, which is the wide one (a long path in the label
                # column squeezed the checksum to one block a line in Word)
                rows.append((names[f"{role}_sha256"], f"`{path}` " + _fingerprint(digest)))
    frame = pd.DataFrame(rows, columns=w["provenance_columns"])
    return markdown_table(frame, w["provenance_caption"], "tbl-provenance")


def _fingerprint(digest):
    """A SHA-256 in blocks of eight, like a key fingerprint, so that it wraps inside the column."""
    return " ".join(f"`{digest[i:i + 8]}`" for i in range(0, 64, 8))


def _dropped(w, entry, n_rows):
    """Why a column was dropped, from its code (older reports: their English note)."""
    v, kind = w["provenance_values"], entry.get("kind")
    if kind is None:
        return entry["reason"]
    if kind == "pattern":
        kinds = [v["kind_count"].format(kind=v["kinds"].get(k, k), n=n, rows=n_rows) for k, n in entry["found"].items()]
        return v["dropped"]["pattern"].format(kinds=w["join"](kinds))
    what = v["what"].get(entry.get("what"), entry.get("what"))
    return v["dropped"][kind].format(what=what, hash=entry.get("hash", ""))


def versions(chapter, root="results"):
    """What computed the numbers, as the jobs recorded it (provenance.gathered_versions: Python,
    govsurvey with its commit, the SOFTWARE packages a job imported), then what renders the chapter
    (settings["renderer"]: Quarto with its pandoc and Typst, or the fallback's pandoc and Typst).
    Without job records (a chapter built outside the workflow), the report's own versions."""
    from govsurvey.provenance import gathered_versions

    recorded = gathered_versions(root)
    if recorded:
        rows = [(k, recorded[k]) for k in ("Python", "govsurvey", *SOFTWARE) if k in recorded]
        # the commit as code: a hash, not a word of the text
        rows = [(k, re.sub(r"\(([0-9a-f]{10}\+?)\)", r"(`\1`)", v)) for k, v in rows]
    else:
        rows = [("Python", platform.python_version())]
        rows += [(name, importlib.metadata.version(name)) for name in SOFTWARE[:8]]
    rows += [tuple(row) for row in chapter.settings.get("renderer", [])]
    frame = pd.DataFrame(rows, columns=chapter.w["versions_columns"])
    return markdown_table(frame, chapter.w["versions_caption"], "tbl-versions")
