"""What an export's columns are, guessed from its headers and answers: the first draft of a new
study's instrument (`govsurvey init`). Every guess carries the reason a reviewer needs.

Items: headers that are item codes (PL1, PL_2, pl3: letters then a number), grouped into
constructs by their letter prefix; in a platform export whose headers are wordings, the columns
answered on the agreement scale, grouped by their matrix stem. The scale: the smallest and
largest numeric answer, or the answer texts in the order of a known agreement vocabulary (the
file's value labels for SPSS). Metadata (record, times, IP) by the platform's headers and common
names; personal data (names, phones, ID numbers, addresses, e-mail, IPs) by the ingest privacy
patterns and header names; demographics are the other columns with few distinct answers.
"""

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govsurvey.ingest import privacy
from govsurvey.ingest.columns import _column_headers
from govsurvey.ingest.layouts import LAYOUTS, detect_layout
from govsurvey.ingest.wording import normalize_text

ITEM_CODE = re.compile(r"^([A-Za-z]+)[_.-]?(\d+)$")
# Metadata columns of a generic table, by their usual names (platform headers come from the layout).
META_NAMES = {
    "record": ("id", "record", "respondent", "respondent_id", "resp_id", "resp_no", "no", "序号", "编号"),
    "submitted_at": ("submitted_at", "submitted", "time", "timestamp", "date", "提交时间", "提交答卷时间"),
    "duration": ("duration", "seconds", "secs", "duration_s", "用时", "所用时间", "答题时长"),
    "ip": ("ip", "ip_addr", "ip_address", "ipaddress", "ip地址", "来自ip"),
}
# Header words that name a personal column even before its values are looked at.
PERSONAL_NAMES = re.compile(
    r"姓名|名字|电话|手机|联系方式|地址|住址|身份证|证件|微信|邮箱|qq|name|phone|mobile|tel|address|e-?mail|wechat|id_?card",
    re.IGNORECASE,
)
# Agreement (and satisfaction) labels with their place on the scale, to order a text export's answers.
AGREEMENT = {
    "完全不同意": -3, "非常不同意": -3, "很不同意": -3, "不同意": -2, "比较不同意": -1, "有点不同意": -1,
    "一般": 0, "说不清": 0, "中立": 0, "不确定": 0, "有点同意": 1, "比较同意": 1, "同意": 2,
    "非常同意": 3, "完全同意": 3, "很同意": 3,
    "非常不满意": -3, "不满意": -2, "比较不满意": -1, "比较满意": 1, "满意": 2, "非常满意": 3,
    "strongly disagree": -3, "completely disagree": -3, "disagree": -2, "somewhat disagree": -1,
    "neither agree nor disagree": 0, "neutral": 0, "somewhat agree": 1, "agree": 2,
    "strongly agree": 3, "completely agree": 3,
}  # fmt: skip
ENGLISH = {
    -3: "Strongly disagree", -2: "Disagree", -1: "Somewhat disagree", 0: "Neutral", 1: "Somewhat agree",
    2: "Agree", 3: "Strongly agree",
}  # fmt: skip
# Labels of an n-point numeric agreement scale (the usual wording; the draft flags them for review).
NUMERIC_LABELS = {
    5: [(-3, "非常不同意"), (-2, "不同意"), (0, "一般"), (2, "同意"), (3, "非常同意")],
    7: [(-3, "完全不同意"), (-2, "不同意"), (-1, "有点不同意"), (0, "说不清"), (1, "有点同意"), (2, "同意"),
        (3, "完全同意")],
}  # fmt: skip
CHECK_WORDS = re.compile(r"请直接选择|请选择|本题请|please (?:select|choose|tick)", re.IGNORECASE)
MAX_OPTIONS = 12  # a column with more distinct answers is free text or a number, not a choice
MISSING = {"", "(空)", "(跳过)", "-2", "-3", "-99", "NA", "N/A", "nan"}


@dataclass
class Column:
    header: str
    kind: str  # item | check | meta | personal | demographic | numeric | unused
    code: str = ""
    construct: str = ""
    why: str = ""  # the reason for the guess, shown to the reviewer
    values: list = field(default_factory=list)  # distinct answers (demographics, options)
    stem: str = ""  # the matrix stem of a wording-headed item
    wording: str = ""  # its row text
    reverse: bool = False
    expected: int | None = None  # attention check: the answer asked for


@dataclass
class Draft:
    layout: str  # generic or a platform layout
    columns: list
    scale: list  # [(point, zh, en)]
    scale_why: str
    code_export: bool  # numeric answers: ingest reads codes (a code map for the demographics)
    rows: int


def _answers(values):
    return [v for v in values if str(v).strip() not in MISSING]


def _numbers(values):
    try:
        return np.array([float(v) for v in values])
    except ValueError:
        return None


def _slug(text, fallback):
    code = re.sub(r"[^A-Za-z0-9_]+", "_", str(text)).strip("_")
    if not code or not code[0].isalpha():
        return fallback
    return code


def _option_order(distinct, numbers):
    """Codes in numeric order; texts by their first number when all have one (18–30岁 < 31–40岁),
    '以下' / 'under' first and '以上' / 'over' last; else as they first appear."""
    if numbers is not None:
        return sorted(distinct, key=float)
    firsts = [re.search(r"\d+(?:\.\d+)?", v) for v in distinct]
    if all(firsts):
        def key(v, m):
            low = any(w in v.lower() for w in ("以下", "under", "below", "less"))
            high = any(w in v.lower() for w in ("以上", "over", "above", "more"))
            return (float(m.group(0)), 0 if low else 2 if high else 1)
        return [v for v, _ in sorted(zip(distinct, firsts), key=lambda vm: key(*vm))]
    return distinct


def _meta_role(header, layout):
    name = normalize_text(header)
    for text, role in layout.meta.items():
        if normalize_text(text) == name:
            return role
    for role, names in META_NAMES.items():
        if name in {normalize_text(n) for n in names}:
            return role
    return None


def _separator(header):
    return next((sep for sep in ("—", " - ", "-", ":", "：", "|") if sep in header.rstrip(":：")), "—")


def _stem(header):
    """A matrix row's stem ('请对以下说法表明同意程度—PL1 wording' -> the part before the dash)."""
    for sep in ("—", " - ", "-", ":", "：", "|"):
        if sep in header.rstrip(":："):
            return re.sub(r"^(?:第\d+题[、.:)]?|\d+[、.)]|[Qq]\d+[.:、)])\s*", "", header.rsplit(sep, 1)[0].strip())
    return ""


def scale_from_texts(texts, value_labels=None):
    """[(point, zh, en)] of a text export's answer labels, ordered by the agreement vocabulary
    (or by the file's value labels), and the reason; None when the order is unknown."""
    if value_labels:
        ordered = sorted(value_labels.items(), key=lambda kv: float(kv[0]))
        return [(int(float(c)), label, ENGLISH.get(AGREEMENT.get(label.lower()), label)) for c, label in ordered], (
            "the file's value labels, in the order of their codes")
    ranks = {t: AGREEMENT.get(str(t).strip().lower()) for t in texts}
    if None in ranks.values():
        return None
    ordered = sorted(texts, key=lambda t: ranks[t])
    if len({ranks[t] for t in texts}) != len(texts):
        return None
    english = [ENGLISH[ranks[t]] if re.search(r"[\u4e00-\u9fff]", t) else t for t in ordered]
    zh = [t if re.search(r"[\u4e00-\u9fff]", t) else t for t in ordered]
    return [(k + 1, z, e) for k, (z, e) in enumerate(zip(zh, english))], (
        "the answer texts, ordered as agreement labels (" + " < ".join(ordered) + ")")


def _scale_from_numbers(low, high):
    n = high - low + 1
    if n in NUMERIC_LABELS:
        return [(low + k, zh, ENGLISH[rank]) for k, (rank, zh) in enumerate(NUMERIC_LABELS[n])]
    return [(p, str(p), str(p)) for p in range(low, high + 1)]


def _item_rest_reversed(frame, codes):
    """Items whose correlation with the sum of the construct's other items is negative."""
    data = frame[codes].apply(pd.to_numeric, errors="coerce")
    flipped = []
    for code in codes:
        rest = data.drop(columns=code).sum(axis=1, min_count=1)
        if data[code].notna().sum() > 2 and data[code].corr(rest) < 0:
            flipped.append(code)
    return flipped


def guess_columns(raw):
    """A Draft of what each column of `raw` (an ingest RawFile) is."""
    detected = detect_layout(raw)
    layout = LAYOUTS["wenjuanxing_text" if detected == "wenjuanxing" else detected or "generic"]
    headers = [(texts[0] if texts else "") for texts in _column_headers(raw, layout)]
    data = raw.cells.iloc[layout.header_rows :].reset_index(drop=True)
    columns, seen_codes, stem = [], set(), ""
    for j, header in enumerate(headers):
        values = [str(v).strip() for v in data[j]]
        answered = _answers(values)
        column = Column(header, "unused")
        columns.append(column)
        if not header or not answered:
            column.why = "no header or no answers"
            continue
        role = _meta_role(header, layout)
        personal = privacy.scan_column(answered)
        if role:
            column.kind, column.code = "meta", role
            column.why = f"metadata: {role}" + (" (IP addresses: kept only as salted hashes)" if role == "ip" else "")
            continue
        if set(personal) & {"ipv4", "ipv6"} and sum(personal.values()) >= len(answered) / 2:
            column.kind, column.code, column.why = "meta", "ip", "values are IP addresses (kept only as salted hashes)"
            continue
        if personal or PERSONAL_NAMES.search(header):
            column.kind, column.code = "personal", _slug(header, f"personal{j + 1}").lower()
            column.why = "personal data: " + (privacy.describe_kinds(personal, len(values)) if personal
                                               else "the header names personal data")  # fmt: skip
            continue
        distinct = list(dict.fromkeys(answered))
        numbers = _numbers(distinct)
        match = ITEM_CODE.match(header)
        on_scale = numbers is not None and len(distinct) <= MAX_OPTIONS and bool(np.all(numbers == np.round(numbers)))
        text_scale = numbers is None and all(str(t).lower() in AGREEMENT for t in distinct)
        if match and (on_scale or text_scale or j in raw.value_labels):
            column.kind, column.code, column.construct = "item", header, match.group(1).upper()
            column.why = f"item of construct {column.construct} (code prefix)"
        elif not match and text_scale and (_stem(header) or stem):
            # a platform writes the matrix stem over its first row only: the rows after it follow it
            stem = _stem(header) or stem
            column.kind, column.stem = "item", stem
            column.wording = header[len(header.rstrip(":：").rsplit(_separator(header), 1)[0]):].lstrip(" —-:：|") \
                if _stem(header) else header
            column.why = "answered on the agreement scale, in the matrix headed by its stem"
            if CHECK_WORDS.search(header):
                column.kind = "check"
                column.why = "its wording asks for a given answer: an attention check"
        elif numbers is not None and len(distinct) > MAX_OPTIONS:
            column.kind, column.code = "numeric", _slug(header, f"number{j + 1}").lower()
            column.values = [float(numbers.min()), float(numbers.max())]
            column.why = f"a number ({column.values[0]:g} to {column.values[1]:g}): a numeric demographic?"
        elif len(distinct) <= MAX_OPTIONS:
            column.kind, column.code = "demographic", _slug(header, f"demographic{j + 1}").lower()
            column.values = _option_order(distinct, numbers)
            column.why = f"{len(distinct)} distinct answers: a demographic question"
        else:
            column.why = f"free text ({len(distinct)} distinct answers): left out at ingest"
        if column.kind not in ("item", "check"):
            stem = ""
        if column.code and column.code in seen_codes:
            column.code = f"{column.code}_{j + 1}"
        seen_codes.add(column.code)
    _name_stem_items([c for c in columns if c.kind in ("item", "check")])
    _single_items_as_checks(columns, data, headers)
    items = [c for c in columns if c.kind == "item"]
    scale, why, code_export = _scale(items, data, headers, raw)
    for c in columns:
        if c.kind == "check" and c.expected is None:  # the answer most gave is the one asked for
            modal = pd.Series(_item_numbers(data[headers.index(c.header)], scale)).mode()
            c.expected = int(modal.iloc[0]) if len(modal) else scale[-1][0]
    frame = pd.DataFrame({c.code: _item_numbers(data[headers.index(c.header)], scale) for c in items})
    for construct in dict.fromkeys(c.construct for c in items):
        codes = [c.code for c in items if c.construct == construct]
        for code in _item_rest_reversed(frame, codes) if len(codes) > 2 else []:
            item = next(c for c in items if c.code == code)
            item.reverse = True
    return Draft(layout.name if detected else "generic", columns, scale, why, code_export, len(data))


def _name_stem_items(columns):
    """Wording-headed items: one construct per matrix stem (F1, F2, ...), codes F1_1, F1_2, ...;
    the checks among them AC1, AC2, ..."""
    stems = list(dict.fromkeys(c.stem for c in columns if c.stem and c.kind == "item"))
    checks, counts = 0, {}
    for c in columns:
        if c.stem and c.kind == "check":
            checks += 1
            c.code = f"AC{checks}"
        elif c.stem:
            c.construct = f"F{stems.index(c.stem) + 1}"
            counts[c.construct] = counts.get(c.construct, 0) + 1
            c.code = f"{c.construct}_{counts[c.construct]}"


def _single_items_as_checks(columns, data, headers):
    """A prefix with one item is no construct: an attention check when most gave one answer, else left out."""
    items = [c for c in columns if c.kind == "item"]
    counts = pd.Series([c.construct for c in items]).value_counts()
    for c in items:
        if counts[c.construct] > 1:
            continue
        answers = pd.Series(_answers([str(v).strip() for v in data[headers.index(c.header)]]))
        top = answers.value_counts()
        numbers = _numbers([top.index[0]]) if len(top) else None
        if len(top) and top.iloc[0] >= 0.7 * len(answers) and numbers is not None:
            c.kind, c.expected = "check", int(numbers[0])
            c.why = (f"one item with its prefix, and {top.iloc[0] / len(answers):.0%} answered {top.index[0]}: "
                     "an attention check?")
        else:
            c.kind, c.why = "unused", "one item with its prefix: no construct (a construct needs two items)"


def _item_numbers(values, scale):
    texts = {str(zh): p for p, zh, _ in scale} | {str(en).lower(): p for p, _, en in scale}
    out = []
    for v in values:
        v = str(v).strip()
        try:
            out.append(float(v))
        except ValueError:
            out.append(texts.get(v, texts.get(v.lower(), np.nan)))
    return out


def _scale(items, data, headers, raw):
    """(scale points, the reason, whether the items hold numbers)."""
    answers = []
    for c in items:
        answers += _answers([str(v).strip() for v in data[headers.index(c.header)]])
    distinct = list(dict.fromkeys(answers))
    numbers = _numbers(distinct)
    if not items:
        return [(1, "非常不同意", "Strongly disagree"), (5, "非常同意", "Strongly agree")], "no items found", True
    if numbers is not None:
        low, high = int(numbers.min()), int(numbers.max())
        labels = next((raw.value_labels[headers.index(c.header)] for c in items
                       if headers.index(c.header) in raw.value_labels), None)  # fmt: skip
        if labels:
            scale, why = scale_from_texts(list(labels.values()), labels)
            return scale, why, True
        return _scale_from_numbers(low, high), f"the smallest and largest numeric answer ({low} to {high})", True
    found = scale_from_texts(distinct)
    if found is None:
        ordered = sorted(distinct)
        return [(k + 1, t, t) for k, t in enumerate(ordered)], (
            "the answer texts, in an order that is only a guess (no known agreement labels): CHECK IT"), False
    return found[0], found[1], False
