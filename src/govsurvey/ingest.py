"""Ingest a raw survey export into a tidy table keyed by the instrument's codes.

Supported layouts (`streets.<id>.format`, `auto` detects them from the file):
wenjuanxing_text (问卷星 按文本), wenjuanxing_code (按序号, −2/−3 for missing), tencent (腾讯问卷),
qualtrics (three header rows), spss (.sav, value labels applied), generic (any csv/xlsx, with
`streets.<id>.column_map`). Each may come as xlsx or csv (UTF-8 ± BOM, GBK, GB18030); see
readers.py. Columns are matched to the instrument by wording (zh or en) or by the column map;
answers go through the instrument's labels or codes. Nothing is guessed: an unknown answer,
a missing item or a layout that disagrees with config is an InputError naming file and fix.

Personal data never leaves this module (see privacy.py): IPs and respondent identifiers become
salted hashes, personal columns are dropped and the report says which and why.
"""

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from govsurvey import privacy
from govsurvey.errors import InputError
from govsurvey.privacy import hash_identifier, load_salt  # noqa: F401  (public here too)
from govsurvey.readers import column_letter, read_file

FORMATS = ("auto", "wenjuanxing_text", "wenjuanxing_code", "tencent", "qualtrics", "spss", "generic")
# What a blank or marker cell stands for. Code exports: −2 not answered, −3 skipped by logic.
MISSING_MARKERS = {"": "blank", "(空)": "not_answered", "(跳过)": "skipped"}
CODE_MISSING = {"-2": "not_answered", "-3": "skipped"}
QUALTRICS_MISSING = {"-99": "seen_not_answered"}
# Metadata roles a column can play; user_id and ip are kept only as salted hashes.
META_ROLES = ("record", "submitted_at", "duration", "source", "source_detail", "ip", "user_id", "drop", "ignore")

WENJUANXING_META = {
    "序号": "record", "提交答卷时间": "submitted_at", "所用时间": "duration", "来源": "source",
    "来源详情": "source_detail", "来自IP": "ip", "用户ID": "user_id", "总分": "ignore", "答题序号": "ignore",
}  # fmt: skip
TENCENT_META = {
    "编号": "record", "用户ID": "user_id", "openid": "user_id", "昵称": "drop", "开始答题时间": "ignore",
    "结束答题时间": "submitted_at", "答题时长": "duration", "IP": "ip", "IP地址": "ip", "来源": "source",
    "地理位置国家和地区": "drop", "地理位置省": "drop", "地理位置市": "drop", "自定义字段": "ignore",
}  # fmt: skip
QUALTRICS_META = {
    "StartDate": "ignore", "EndDate": "submitted_at", "Status": "ignore", "IPAddress": "ip",
    "Progress": "ignore", "Duration (in seconds)": "duration", "Finished": "ignore", "RecordedDate": "ignore",
    "ResponseId": "user_id", "RecipientLastName": "drop", "RecipientFirstName": "drop", "RecipientEmail": "drop",
    "ExternalReference": "drop", "LocationLatitude": "drop", "LocationLongitude": "drop",
    "DistributionChannel": "source", "UserLanguage": "ignore",
}  # fmt: skip


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    header_rows: int
    answers: str  # text | code | either
    missing: dict
    meta: dict


LAYOUTS = {
    "wenjuanxing_text": Layout("wenjuanxing_text", "Wenjuanxing 按文本 (answer text)", 1, "text", MISSING_MARKERS, WENJUANXING_META),
    "wenjuanxing_code": Layout("wenjuanxing_code", "Wenjuanxing 按序号 (answer codes)", 1, "code",
                               {**MISSING_MARKERS, **CODE_MISSING}, WENJUANXING_META),
    "tencent": Layout("tencent", "Tencent Questionnaire (腾讯问卷)", 1, "either", MISSING_MARKERS, TENCENT_META),
    "qualtrics": Layout("qualtrics", "Qualtrics (three header rows)", 3, "either",
                        {**MISSING_MARKERS, **QUALTRICS_MISSING}, QUALTRICS_META),
    "spss": Layout("spss", "SPSS .sav", 0, "either", {**MISSING_MARKERS, **CODE_MISSING},
                   {**WENJUANXING_META, **TENCENT_META, **QUALTRICS_META}),
    "generic": Layout("generic", "generic table with a column map", 1, "either", MISSING_MARKERS,
                      {**WENJUANXING_META, **TENCENT_META, **QUALTRICS_META}),
}  # fmt: skip

_QUOTES = re.compile(r"[\"'“”‘’「」『』]")
_NUMBERING = re.compile(r"^(?:第\d+题[、.:)]?|\d+[、.)]|q\d+[.:、)])")
_SEPARATORS = "—-_:|/)"
_OTHER_TEXT = re.compile(r"〖.*〗$")  # Wenjuanxing's "其他〖free text〗"


def normalize_text(text):
    """Fold what differs between exports of the same wording: width, spaces, quotes, numbering."""
    text = unicodedata.normalize("NFKC", str(text))
    text = re.sub(r"\s+", "", text)
    text = _NUMBERING.sub("", text.lower())
    text = _QUOTES.sub("", text)
    return text.rstrip(":：")


def header_candidates(header):
    """Wordings a header may stand for: itself, the row after a stem's dash, the text in (…)."""
    whole = normalize_text(header)
    found = [whole]
    if "—" in whole:
        found.append(whole.rsplit("—", 1)[1])
    match = re.fullmatch(r"\((.+)\)", whole)
    if match:
        found.append(match.group(1))
    return found


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_duration(value, source, record):
    """'312秒', '5分12秒', '00:05:12' or '312' -> seconds."""
    text = str(value).strip()
    match = re.fullmatch(r"(?:(\d+)小?时)?(?:(\d+)分钟?)?(\d+)秒", text) or re.fullmatch(
        r"(\d+):(\d{1,2}):(\d{1,2})", text
    )
    if match:
        hours, minutes, seconds = (int(g or 0) for g in match.groups())
        return hours * 3600 + minutes * 60 + seconds
    try:
        return float(text)
    except ValueError:
        raise InputError(
            source,
            f"record 序号={record}: completion time '{privacy.mask(text)}' is not like '312秒'.",
            "check the completion-time column (所用时间 / 答题时长 / Duration) of the export.",
        ) from None


# --- layout -------------------------------------------------------------------------------


def _first_row(raw):
    return [normalize_text(v) for v in raw.cells.iloc[0]] if len(raw.cells) else []


def detect_layout(raw):
    """The layout the file's content shows, or None. Wenjuanxing text vs code is decided later."""
    if raw.file_type == "sav":
        return "spss"
    cells = raw.cells
    if len(cells) >= 3 and cells.iloc[2].astype(str).str.startswith('{"ImportId"').any():
        return "qualtrics"
    first = set(_first_row(raw))
    if "序号" in first and ({"提交答卷时间", "所用时间"} & first):
        return "wenjuanxing"
    if {"开始答题时间", "结束答题时间", "答题时长"} & first:
        return "tencent"
    return None


def choose_layout(raw, declared, column_map):
    """(layout name, how it was chosen); a declared format that the file contradicts is an error."""
    detected = detect_layout(raw)
    source = raw.path
    if declared not in FORMATS:
        raise InputError(source, f"format '{declared}' is not supported.", f"use one of: {', '.join(FORMATS)}.")
    if declared == "auto":
        if detected is None:
            if column_map:
                return "generic", "auto: no platform layout found; column map given"
            raise InputError(
                source,
                "the header matches no supported export layout (Wenjuanxing, Tencent, Qualtrics, SPSS).",
                "export the survey from its platform unchanged, or set streets.<id>.format: generic "
                "with a streets.<id>.column_map.",
            )
        return ("wenjuanxing_text" if detected == "wenjuanxing" else detected), "detected from the file"
    if declared == "generic":
        return "generic", "named in config"
    family = "wenjuanxing" if declared.startswith("wenjuanxing") else declared
    if detected != family:
        seen = {None: "no known platform layout", "wenjuanxing": "a Wenjuanxing export"}.get(
            detected, f"a {LAYOUTS.get(detected, LAYOUTS['generic']).title} export"
        )
        raise InputError(
            source,
            f"config says format {declared}, but the file looks like {seen}.",
            "set streets.<id>.format to auto (or to the file's real format).",
        )
    return declared, "named in config, confirmed by the file"


# --- columns --------------------------------------------------------------------------------


def _column_headers(raw, layout):
    """Per column: the texts that name it (display header first)."""
    if raw.file_type == "sav":
        return [[t for t in (label, name) if t] for label, name in zip(raw.labels, raw.names)]
    rows = [raw.cells.iloc[i].tolist() for i in range(min(layout.header_rows, len(raw.cells)))]
    if layout.name == "qualtrics":
        return [[t for t in (str(text).strip(), str(name).strip()) if t] for name, text in zip(rows[0], rows[1])]
    return [[str(h).strip()] if str(h).strip() else [] for h in rows[0]]


def _check_headers(raw, headers, data):
    """Empty or merged header cells and duplicated headers are errors; all-empty columns are left out."""
    named = [bool(h) for h in headers]
    empty_column = [not named[j] and not data[j].astype(bool).any() for j in range(len(headers))]
    blank = [column_letter(j) for j in range(len(headers)) if not named[j] and not empty_column[j]]
    if blank:
        raise InputError(
            raw.path,
            f"header cells are empty or merged in column(s) {', '.join(blank)}.",
            "unmerge the header cells so that every column has its own header (as the platform exports it).",
        )
    seen = {}
    for j, texts in enumerate(headers):
        if empty_column[j]:
            continue
        if texts[0] in seen:
            raise InputError(
                raw.path,
                f"duplicated column header '{texts[0]}' (columns {column_letter(seen[texts[0]])} and {column_letter(j)}).",
                "remove or rename the repeated column.",
            )
        seen[texts[0]] = j
    return [j for j in range(len(headers)) if not empty_column[j]]


class _Matcher:
    """Maps header texts to what they stand for: (kind, code) with kind item | check | demographic | personal | meta."""

    def __init__(self, instrument, layout):
        self.wordings = {}
        for item in instrument.items.values():
            self._add((item.zh, item.en), ("item", item.code))
        for check in instrument.attention_checks:
            self._add((check.zh, check.en), ("check", check.code))
        for demo in instrument.demographics:
            self._add((demo.zh, demo.en), ("demographic", demo.code))
        for question in instrument.personal_questions:
            self._add((question["zh"], question["en"]), ("personal", question["code"]))
        meta = dict(layout.meta)
        for role, spec in instrument.metadata.items():
            meta[spec["header"]] = "record" if role == "respondent_id" else role if role in META_ROLES else "ignore"
            if spec.get("personal") and role not in ("ip", "user_id"):
                meta[spec["header"]] = "drop"
        self.meta = {normalize_text(h): ("meta", role) for h, role in meta.items()}

    def _add(self, texts, target):
        for text in texts:
            self.wordings.setdefault(normalize_text(text), set()).add(target)

    def match(self, texts):
        """(targets found, how); one target is a match, several are ambiguous, none unmatched."""
        for text in texts:
            if normalize_text(text) in self.meta:
                return {self.meta[normalize_text(text)]}, "metadata header"
        exact = set()
        for text in texts:
            for candidate in header_candidates(text):
                exact |= self.wordings.get(candidate, set())
        if exact:
            return exact, "wording"
        # "<stem> - <row text>" (Qualtrics, Tencent): the wording ends the header after a separator.
        best, found = 0, set()
        for text in texts:
            whole = normalize_text(text)
            for wording, targets in self.wordings.items():
                if (
                    len(whole) > len(wording) >= best
                    and whole.endswith(wording)
                    and whole[-len(wording) - 1] in _SEPARATORS
                ):
                    found = (found | targets) if len(wording) == best else set(targets)
                    best = len(wording)
        return found, "wording after a stem"

    def closest(self, texts, n=3):
        """The instrument wordings nearest to a header (difflib), as 'CODE: wording'."""
        names = {}
        for wording, targets in self.wordings.items():
            for _, code in targets:
                names[wording] = code
        near = difflib.get_close_matches(header_candidates(texts[0])[-1], list(names), n=n, cutoff=0.5)
        return [f"{names[w]}: {w}" for w in near]


def _resolve_map_target(value, instrument):
    codes = {code: "item" for code in instrument.items}
    codes.update({c.code: "check" for c in instrument.attention_checks})
    codes.update({d.code: "demographic" for d in instrument.demographics})
    codes.update({q["code"]: "personal" for q in instrument.personal_questions})
    if value in codes:
        return (codes[value], value)
    if value in META_ROLES:
        return ("meta", value)
    raise InputError(
        "config.yaml",
        f"streets.<id>.column_map maps a column to '{value}', which is neither an instrument code nor a column role.",
        f"use an item, check or demographic code, or one of: {', '.join(META_ROLES)}.",
    )


def match_columns(raw, headers, columns, instrument, layout, column_map):
    """{column position: target}, plus the report of unmatched and ambiguous columns."""
    matcher = _Matcher(instrument, layout)
    by_text = {}
    for j in columns:
        for text in headers[j]:
            by_text.setdefault(text, j)
            by_text.setdefault(normalize_text(text), j)
    mapping, how, unmatched, ambiguous = {}, {}, [], []
    for header, value in (column_map or {}).items():
        j = by_text.get(str(header), by_text.get(normalize_text(header)))
        if j is None:
            near = difflib.get_close_matches(str(header), [h[0] for h in headers if h], n=3, cutoff=0.5)
            raise InputError(
                raw.path,
                f"streets.<id>.column_map names column '{header}', which is not in the file"
                + (f" (closest: {', '.join(repr(n) for n in near)})." if near else "."),
                "fix the column name in streets.<id>.column_map.",
            )
        mapping[j], how[j] = _resolve_map_target(value, instrument), "column map"
    for j in columns:
        if j in mapping:
            continue
        targets, way = matcher.match(headers[j])
        if len(targets) == 1:
            mapping[j], how[j] = next(iter(targets)), way
        elif targets:
            ambiguous.append({"column": headers[j][0], "matches": sorted(code for _, code in targets)})
        else:
            unmatched.append({"column": headers[j][0], "closest": matcher.closest(headers[j])})
    seen = {}
    for j, target in mapping.items():
        if target[0] == "meta" and target[1] in ("drop", "ignore"):
            continue
        if target in seen:
            raise InputError(
                raw.path,
                f"columns '{headers[seen[target]][0]}' and '{headers[j][0]}' both match {target[1]}.",
                "remove one of them, or map them explicitly in streets.<id>.column_map.",
            )
        seen[target] = j
    return mapping, how, unmatched, ambiguous


def _check_required(raw, instrument, mapping, unmatched, ambiguous):
    found = {code for kind, code in mapping.values() if kind in ("item", "check")}
    required = list(instrument.items) + [c.code for c in instrument.attention_checks]
    missing = [code for code in required if code not in found]
    if len(missing) == len(required):
        raise InputError(
            raw.path,
            f"none of the instrument's {len(required)} questions matches a column: "
            f"this looks like an export of another survey (instrument '{instrument.id}').",
            "check streets.<id>.raw_export and study.instrument in config.yaml, or map the columns "
            "in streets.<id>.column_map.",
        )
    if missing:
        hints = [f"'{u['column']}' ~ {u['closest'][0]}" for u in unmatched if u["closest"]][:3]
        hints += [f"'{a['column']}' matches {'/'.join(a['matches'])}" for a in ambiguous][:3]
        raise InputError(
            raw.path,
            f"the export has no column for {', '.join(missing)}"
            + (f" (near misses: {'; '.join(hints)})." if hints else "."),
            "check that this is an export of the instrument's questionnaire, fix the wording in the instrument, "
            "or map the column in streets.<id>.column_map.",
        )


# --- values ---------------------------------------------------------------------------------


def _as_code(text):
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _is_code_export(data, mapping, missing):
    """Wenjuanxing: answers all numbers -> the 按序号 export (stops at the first answer text)."""
    seen_number = False
    for j, (kind, _) in mapping.items():
        if kind in ("item", "check", "demographic"):
            values = {str(v).strip() for v in pd.unique(data[j])} - set(missing)
            if any(_as_code(v) is None for v in values):
                return False
            seen_number = seen_number or bool(values)
    return seen_number


class _Context:
    """What value errors need: file, record numbers, layout and the out-of-scale policy."""

    def __init__(self, source, records, record_label, layout, out_of_scale):
        self.source, self.records, self.record_label = source, records, record_label
        self.layout, self.out_of_scale = layout, out_of_scale


def map_answers(values, text_codes, valid_codes, ctx, column, what, value_labels=None):
    """Text answers -> codes (float, NaN when missing); returns (codes, {reason: count}, out-of-scale mask)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    mapped = np.full(len(uniques), np.nan)
    reason_of = {}
    mode = ctx.layout.answers
    for k, raw_value in enumerate(uniques):
        text = str(raw_value).strip()
        if text in ctx.layout.missing:
            reason_of[k] = ctx.layout.missing[text]
            continue
        code = None
        if value_labels and text in value_labels:  # SPSS: the label says what the code means
            label = value_labels[text].strip()
            if label in MISSING_MARKERS:
                reason_of[k] = MISSING_MARKERS[label]
                continue
            code = text_codes.get(normalize_text(_OTHER_TEXT.sub("", label)))
        else:
            if mode in ("text", "either"):
                code = text_codes.get(normalize_text(_OTHER_TEXT.sub("", text)))
            if code is None and mode in ("code", "either"):
                number = _as_code(text)
                code = number if number in valid_codes else None
        if code is None:
            if ctx.out_of_scale == "missing":
                reason_of[k] = "out_of_scale"
                continue
            row = int(np.flatnonzero(codes == k)[0])
            shown = f"'{privacy.mask(text)}'"
            if value_labels and text in value_labels:
                shown += f" (labelled '{privacy.mask(value_labels[text])}')"
            allowed = sorted({k2 for k2 in text_codes if not k2.isdigit()}) if mode == "text" else sorted(valid_codes)
            raise InputError(
                ctx.source,
                f"record {ctx.record_label}={ctx.records[row]}, column '{column}': answer {shown} "
                f"is not one of the {what}.",
                f"expected one of: {', '.join(map(str, allowed))}; or '(空)' for no answer; "
                "or set ingest.out_of_scale: missing to count such answers as missing.",
            )
        mapped[k] = code
    out = np.append(mapped, np.nan)[codes]
    counts = {}
    for k, reason in reason_of.items():
        counts[reason] = counts.get(reason, 0) + int((codes == k).sum())
    blank = int((codes == -1).sum())
    if blank:
        counts["blank"] = counts.get("blank", 0) + blank
    outside = np.isin(codes, [k for k, reason in reason_of.items() if reason == "out_of_scale"])
    return out, counts, outside


def _scale_codes(instrument):
    return {
        normalize_text(text): point for point, label in instrument.labels.items() for text in (label["zh"], label["en"])
    }


def _option_codes(options):
    return {normalize_text(o[lang]): number for number, o in enumerate(options, start=1) for lang in ("zh", "en")}


def _records(values, ctx_source, header, first_line):
    numbers = pd.to_numeric(pd.Series(values, dtype=object).str.strip(), errors="coerce")
    bad = numbers.isna() | (numbers % 1 != 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            ctx_source,
            f"line {first_line + row}, column '{header}': record number '{privacy.mask(values[row])}' is not a whole number.",
            "restore the column from the original export.",
        )
    numbers = numbers.astype("int64")
    repeated = numbers[numbers.duplicated()]
    if len(repeated):
        raise InputError(
            ctx_source,
            f"column '{header}': record number {repeated.iloc[0]} occurs more than once.",
            "give each record its own number (the platform's export does), or remove the repeated rows.",
        )
    return numbers.to_numpy()


def _timestamps(values, ctx, column):
    series = pd.Series(values, dtype=object).str.strip()
    uniques = pd.unique(series)
    parsed = None
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "mixed"):
        attempt = pd.to_datetime(
            pd.Series(uniques, dtype=object).where(pd.Series(uniques) != "", None), format=fmt, errors="coerce"
        )
        if parsed is None or attempt.notna().sum() > parsed.notna().sum():
            parsed = attempt
        if parsed.notna().sum() == sum(1 for u in uniques if u):
            break
    text = dict(zip(uniques, parsed.dt.strftime("%Y-%m-%d %H:%M:%S").where(parsed.notna(), None)))
    bad = [u for u in uniques if u and text[u] is None]
    if bad:
        row = int(np.flatnonzero(series.to_numpy() == bad[0])[0])
        raise InputError(
            ctx.source,
            f"record {ctx.record_label}={ctx.records[row]}, column '{column}': '{privacy.mask(bad[0])}' is not a date and time.",
            "restore the column from the original export (e.g. 2026/09/03 12:00:00).",
        )
    return series.map(text).to_numpy(dtype=object)


def _durations(values, ctx):
    series = pd.Series(values, dtype=object).str.strip()
    seconds = {}
    for value in pd.unique(series):
        try:
            seconds[value] = parse_duration(value, ctx.source, None) if value else np.nan
        except InputError:  # name the first record that has it
            row = int(np.flatnonzero(series.to_numpy() == value)[0])
            parse_duration(value, ctx.source, ctx.records[row])
    out = series.map(seconds).astype(float)
    return out.astype("int64").to_numpy() if out.notna().all() and (out % 1 == 0).all() else out.to_numpy()


# --- the whole stage ------------------------------------------------------------------------


def ingest_export(path, instrument, street, salt, settings=None, log=print):
    """Read a raw export of any supported format; return (tidy table, ingest report dict).

    `street` is the street's config entry (format, encoding, column_map, communities);
    `settings` the config's `ingest` section (out_of_scale: error | missing).
    """
    settings = settings or {}
    street = street or {}
    declared = street.get("format", "auto")
    column_map = street.get("column_map") or {}
    raw = read_file(path, street.get("encoding", "auto"))
    source = str(path)
    if raw.cells.shape[0] == 0 or raw.cells.shape[1] == 0:
        raise InputError(source, "the file has no rows, not even a header.", "export the survey again.")
    layout_name, chosen = choose_layout(raw, declared, column_map)
    layout = LAYOUTS[layout_name]
    headers = _column_headers(raw, layout)
    data = raw.cells.iloc[layout.header_rows :].reset_index(drop=True)
    columns = _check_headers(raw, headers, data)
    if len(data) == 0:
        raise InputError(source, "the export has a header row but no responses.", "export again after data collection.")
    log(f"ingest: read {len(data)} records x {len(columns)} columns from {source} ({raw.reader}, {raw.encoding})")
    mapping, how, unmatched, ambiguous = match_columns(raw, headers, columns, instrument, layout, column_map)
    _check_required(raw, instrument, mapping, unmatched, ambiguous)
    if layout.name.startswith("wenjuanxing"):
        actual = (
            "wenjuanxing_code"
            if _is_code_export(data, mapping, {**MISSING_MARKERS, **CODE_MISSING})
            else "wenjuanxing_text"
        )
        if declared.startswith("wenjuanxing") and declared != actual:
            raise InputError(
                source,
                f"config says format {declared}, but the answers are "
                + (
                    "option numbers (a 按序号 export)."
                    if actual.endswith("code")
                    else "answer texts (a 按文本 export)."
                ),
                f"set streets.<id>.format to auto (or {actual}).",
            )
        layout = LAYOUTS[actual]
    return _tidy(raw, layout, chosen, headers, data, columns, mapping, how, unmatched, ambiguous,
                 instrument, street, salt, settings, log)  # fmt: skip


def _tidy(raw, layout, chosen, headers, data, columns, mapping, how, unmatched, ambiguous, instrument, street, salt,
          settings, log):  # fmt: skip
    source = str(raw.path)
    role_column = {code: j for j, (kind, code) in mapping.items() if kind == "meta"}
    first_line = layout.header_rows + 1
    if "record" in role_column:
        j = role_column["record"]
        records = _records(data[j].tolist(), source, headers[j][0], first_line)
        record_label, record_from = headers[j][0], f"column '{headers[j][0]}'"
    else:
        records = np.arange(1, len(data) + 1)
        record_label, record_from = "row", "row number in the file (the export has no record number)"
    ctx = _Context(source, records, record_label, layout, settings.get("out_of_scale", "error"))
    tidy = {"record": records}
    dropped, ignored, hashed = [], [], []
    j = role_column.get("submitted_at")
    tidy["submitted_at"] = (
        _timestamps(data[j].tolist(), ctx, headers[j][0]) if j is not None else np.full(len(data), None)
    )
    j = role_column.get("duration")
    tidy["duration_s"] = _durations(data[j].tolist(), ctx) if j is not None else np.full(len(data), np.nan)
    if j is None:
        log("ingest: WARNING the export has no completion-time column; duration_s is empty")
    for role in ("source", "source_detail"):
        if role in role_column:
            j = role_column[role]
            found = privacy.scan_column(data[j].to_numpy())
            if found:
                dropped.append({"column": headers[j][0], "reason": privacy.describe_kinds(found, len(data))})
            else:
                tidy[role] = data[j].to_numpy(dtype=object)
    for role, name, reason in (
        ("ip", "ip_hash", "IP address"),
        ("user_id", "respondent_hash", "respondent identifier"),
    ):
        if role in role_column:
            j = role_column[role]
            tidy[name] = privacy.hash_column(data[j].to_numpy(), salt, strip_place=role == "ip")
            dropped.append({"column": headers[j][0], "reason": f"{reason}: kept only as the salted hash {name}"})
            hashed.append(headers[j][0])
    missing_counts, out_of_scale = {}, {}
    demographics = {d.code: d for d in instrument.demographics}
    scale_text, scale_codes = _scale_codes(instrument), set(instrument.scale_points)
    answers, n_outside = {}, np.zeros(len(data), dtype=int)
    for j, (kind, code) in mapping.items():
        labels = raw.value_labels.get(j)
        if kind in ("item", "check"):
            answers[code], counts, outside = map_answers(
                data[j].to_numpy(), scale_text, scale_codes, ctx, headers[j][0], "scale labels", labels
            )
            n_outside += outside
        elif kind == "demographic":
            options = instrument.demographic_options(demographics[code], street)
            answers[code], counts, _ = map_answers(
                data[j].to_numpy(), _option_codes(options), set(range(1, len(options) + 1)),
                ctx, headers[j][0], "answer options", labels,
            )  # fmt: skip
        elif kind == "personal":
            dropped.append({"column": headers[j][0], "reason": f"personal data ({code}), marked in the instrument"})
            continue
        elif code == "drop":
            dropped.append({"column": headers[j][0], "reason": f"personal data ({layout.title} column {how[j]})"})
            continue
        else:
            if code == "ignore":
                ignored.append(headers[j][0])
            continue
        if counts:
            missing_counts[code] = counts
        if counts.get("out_of_scale"):
            out_of_scale[code] = counts["out_of_scale"]
    for entry in unmatched + ambiguous:  # left out anyway; the report says when they held personal data
        j = next(k for k in columns if headers[k][0] == entry["column"])
        found = privacy.scan_column(data[j].to_numpy())
        if found:
            dropped.append({"column": entry["column"], "reason": privacy.describe_kinds(found, len(data))})
    order = ["record", "submitted_at", "duration_s", "source", "source_detail", "ip_hash", "respondent_hash"]
    frame = pd.DataFrame({c: tidy[c] for c in order if c in tidy})
    for demo in instrument.demographics:
        if demo.code in answers:
            frame[demo.code] = answers[demo.code]
    for code in [c.code for c in instrument.attention_checks] + list(instrument.items):
        frame[code] = answers[code]
    if ctx.out_of_scale == "missing":  # screening excludes records with answers off the scale
        frame["n_out_of_range"] = n_outside
    reasons = {}
    for counts in missing_counts.values():
        for reason, n in counts.items():
            reasons[reason] = reasons.get(reason, 0) + n
    report = {
        "file": Path(raw.path).name,
        "sha256": file_sha256(raw.path),
        "bytes": Path(raw.path).stat().st_size,
        "format": layout.name,
        "format_title": layout.title,
        "format_chosen": chosen,
        "file_type": raw.file_type,
        "reader": raw.reader,
        "encoding": raw.encoding,
        "header_rows": layout.header_rows,
        "rows": int(len(data)),
        "columns": int(len(columns)),
        "record_from": record_from,
        "columns_matched": len(mapping),
        "columns_by_column_map": sum(1 for w in how.values() if w == "column map"),
        "demographics_absent": [d.code for d in instrument.demographics if d.code not in answers],
        "columns_unmatched": unmatched,
        "columns_ambiguous": ambiguous,
        "columns_ignored": ignored,
        "columns_dropped_personal": dropped,
        "identifiers_hashed": hashed,
        "missing_answers": missing_counts,
        "missing_by_reason": reasons,
        "out_of_scale_as_missing": out_of_scale,
    }
    log(f"ingest: format {layout.name} ({chosen}); {len(mapping)} columns matched")
    if unmatched or ambiguous:
        log(f"ingest: left out {len(unmatched)} unmatched and {len(ambiguous)} ambiguous column(s): "
            + "; ".join(f"'{u['column']}' (closest: {', '.join(u.get('closest', [])) or 'none'})" for u in unmatched)
            + "; ".join(f"'{a['column']}' (matches {', '.join(a['matches'])})" for a in ambiguous))  # fmt: skip
    log(
        f"ingest: dropped {len(dropped)} personal-data column(s); kept {frame.shape[1]} columns; missing answers {reasons}"
    )
    return frame, report
