"""The export layouts ingest knows, and which one a file is.

Wenjuanxing 按文本 / 按序号, Tencent Questionnaire, Qualtrics (three header rows), SPSS .sav and
generic tables with a column map: their header rows, answer kind, missing-value markers and
metadata columns; `choose_layout` detects the layout from the file and checks it against the
format named in config.
"""

from dataclasses import dataclass

from govsurvey.errors import InputError
from govsurvey.ingest.wording import normalize_text

FORMATS = ("auto", "wenjuanxing_text", "wenjuanxing_code", "tencent", "qualtrics", "spss", "generic")
# What a blank or marker cell stands for. Code exports: −2 not answered, −3 skipped by logic.
# how the layout was chosen: code -> the ingest report's words
CHOSEN = {"detected": "detected from the file", "config": "named in config",
          "column_map": "auto: no platform layout found; column map given",
          "question_codes": "auto: no platform layout found; headers are the instrument's codes",
          "config_confirmed": "named in config, confirmed by the file"}
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


def _without_record(raw):
    """The error for a Wenjuanxing header that lacks its 序号 (else None): it would otherwise
    match no layout, and a message about layouts hides what is missing."""
    first = set(_first_row(raw))
    times = [h for h in ("提交答卷时间", "所用时间") if normalize_text(h) in first]
    if normalize_text("序号") in first or not times:
        return None
    return InputError(
        raw.path,
        f"the header is a Wenjuanxing export's ({', '.join(times)}) but has no 序号 column, its record number.",
        "export it again from Wenjuanxing (序号 included) or restore the column; or set streets.<id>.format: "
        "generic with a streets.<id>.column_map.",
    )


def holds_export(raw):
    """Whether a table (one sheet of a workbook) looks like a survey export of a known platform."""
    return detect_layout(raw) is not None or _without_record(raw) is not None


def choose_layout(raw, declared, column_map, codes=()):
    """(layout name, how it was chosen: a code of CHOSEN); a declared format that the file
    contradicts is an error. `codes`: the instrument's item codes; a table of no platform
    whose headers include one is a generic export (no column map needed)."""
    detected = detect_layout(raw)
    source = raw.path
    if declared not in FORMATS:
        raise InputError(source, f"format '{declared}' is not supported.", f"use one of: {', '.join(FORMATS)}.")
    if declared == "auto":
        if detected is None:
            if column_map:
                return "generic", "column_map"
            if {normalize_text(c) for c in codes} & set(_first_row(raw)):
                return "generic", "question_codes"
            if _without_record(raw):
                raise _without_record(raw)
            raise InputError(
                source,
                "the header matches no supported export layout (Wenjuanxing, Tencent, Qualtrics, SPSS).",
                "export the survey from its platform unchanged, name the columns by the instrument's "
                "codes (PL1, gender), or set streets.<id>.format: generic with a streets.<id>.column_map.",
            )
        return ("wenjuanxing_text" if detected == "wenjuanxing" else detected), "detected"
    if declared == "generic":
        return "generic", "config"
    family = "wenjuanxing" if declared.startswith("wenjuanxing") else declared
    if detected != family:
        if detected is None and family == "wenjuanxing" and _without_record(raw):
            raise _without_record(raw)
        seen = {None: "no known platform layout", "wenjuanxing": "a Wenjuanxing export"}.get(
            detected, f"a {LAYOUTS.get(detected, LAYOUTS['generic']).title} export"
        )
        raise InputError(
            source,
            f"config says format {declared}, but the file looks like {seen}.",
            "set streets.<id>.format to auto (or to the file's real format).",
        )
    return declared, "config_confirmed"


# --- columns --------------------------------------------------------------------------------
