"""Cell values to codes: answers through the instrument's labels (or the export's codes and
value labels), record numbers, submission times and completion times."""

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from govsurvey.errors import InputError
from govsurvey.ingest import privacy
from govsurvey.ingest.wording import fold_lookalikes, nearest_difference, normalize_text
from govsurvey.ingest.layouts import MISSING_MARKERS

_OTHER_TEXT = re.compile(r"〖.*〗$")  # Wenjuanxing's "其他〖free text〗"


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


# --- answers ------------------------------------------------------------------------------


def _as_number(text):
    """The number a cell's text is, or None."""
    try:
        return float(text)
    except ValueError:
        return None


def _as_code(text):
    number = _as_number(text)
    return int(number) if number is not None and number.is_integer() else None


def token_set(tokens):
    """Missing-value tokens as they are compared: look-alikes folded, case ignored."""
    return frozenset(fold_lookalikes(t).strip().casefold() for t in tokens)


def _is_token(text, tokens):
    return fold_lookalikes(text).casefold() in tokens


# A value that looks like someone's missing-value marker: -99, 999, NA, N/A, NULL, '.', '-', 无, 缺失...
_MISSING_LOOK = re.compile(
    r"-\d+|9{2,}|#?n\.?/?a\.?|#null!?|nan|null|none|nil|missing|\.+|-+|/|\?+|无|空|缺失|不适用|不详|未填|未答|拒答",
    re.IGNORECASE,
)


def _is_code_export(data, mapping, missing, tokens):
    """Wenjuanxing: answers all numbers -> the 按序号 export (stops at the first answer text)."""
    seen_number = False
    for j, (kind, _) in mapping.items():
        if kind in ("item", "check", "demographic"):
            values = {str(v).strip() for v in pd.unique(data[j])} - set(missing)
            values = {v for v in values if not _is_token(v, tokens)}
            if any(_as_code(v) is None for v in values):
                return False
            seen_number = seen_number or bool(values)
    return seen_number


class _Context:
    """What value errors need: file, record numbers, layout, missing-value tokens, the out-of-scale policy."""

    def __init__(self, source, records, record_label, layout, out_of_scale, missing_tokens=frozenset()):
        self.source, self.records, self.record_label = source, records, record_label
        self.layout, self.out_of_scale, self.missing_tokens = layout, out_of_scale, missing_tokens


@dataclass(frozen=True)
class AnswerKey:
    """The answers one column may hold: the instrument's wordings (zh and en) and their codes."""

    what: str  # "scale labels" | "answer options", for messages
    noun: str  # "label" | "option": one of them
    wordings: tuple  # ((wording, code), ...) in the instrument's order
    numbers: frozenset  # codes a bare number in a code export stands for

    @property
    def codes(self):
        """Normalized wording -> code."""
        return {normalize_text(w): code for w, code in self.wordings}


def _unknown_answer(text, key, ctx, column, record, value_labels):
    """The error for an answer that is none of the key's: what it is, and the fix that fits it."""
    shown = f"'{privacy.mask(text)}'"
    if value_labels and text in value_labels:
        shown += f" (labelled '{privacy.mask(value_labels[text])}')"
    problem = f"record {ctx.record_label}={record}, column '{column}': answer {shown} is not one of the {key.what}"
    wordings = [w for w, _ in key.wordings]
    allowed = list(dict.fromkeys(wordings)) if ctx.layout.answers == "text" else sorted(key.numbers)
    expected = f"expected one of: {', '.join(map(str, allowed))}; or '(空)' for no answer"
    if _MISSING_LOOK.fullmatch(fold_lookalikes(text)):
        raise InputError(
            ctx.source,
            f"{problem}; it looks like a missing-value marker.",
            f"if {shown} marks an unanswered question, list it in ingest.missing_tokens (all streets) or "
            "streets.<id>.missing_tokens (this street) in config.yaml; it is then counted as missing "
            "(reason missing_token).",
        )
    if _as_number(text) is not None:  # a number off the scale: only then may it count as missing
        raise InputError(
            ctx.source,
            f"{problem}.",
            f"{expected}; or set ingest.out_of_scale: missing to count such answers as missing.",
        )
    near = None if privacy.personal_kinds(text) else nearest_difference(text, wordings, key.noun)
    raise InputError(
        ctx.source,
        f"{problem}" + (f" ({near})." if near else "."),
        f"{expected}; if the questionnaire as fielded worded its options otherwise, correct the wording in the "
        "instrument.",
    )


def check_missing_tokens(tokens, keys):
    """A token that is also an answer's wording would hide real answers: an error, never a guess.

    `keys` maps a question code (or 'scale') to its AnswerKey."""
    for name, key in keys.items():
        wordings = token_set(w for w, _ in key.wordings)
        for token in tokens:
            if _is_token(token.strip(), wordings):
                where = "one of the scale labels" if name == "scale" else f"an answer option of {name}"
                raise InputError(
                    "config.yaml",
                    f"the missing-value token '{token}' is also {where}, so it would hide real answers.",
                    f"remove '{token}' from ingest.missing_tokens (or streets.<id>.missing_tokens).",
                )


def scale_key(instrument):
    pairs = tuple((label[lang], point) for point, label in instrument.labels.items() for lang in ("zh", "en"))
    return AnswerKey("scale labels", "label", pairs, frozenset(instrument.scale_points))


def option_key(options):
    pairs = tuple((o[lang], number) for number, o in enumerate(options, start=1) for lang in ("zh", "en"))
    return AnswerKey("answer options", "option", pairs, frozenset(range(1, len(options) + 1)))


def map_answers(values, key, ctx, column, value_labels=None):
    """Text answers -> codes (float, NaN when missing); returns (codes, {reason: count}, out-of-scale mask)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    mapped = np.full(len(uniques), np.nan)
    reason_of = {}
    mode = ctx.layout.answers
    text_codes = key.codes
    for k, raw_value in enumerate(uniques):
        text = str(raw_value).strip()
        if fold_lookalikes(text) in ctx.layout.missing:  # '（空）' is '(空)'
            reason_of[k] = ctx.layout.missing[fold_lookalikes(text)]
            continue
        if _is_token(text, ctx.missing_tokens):  # configured tokens win over codes: they are explicit
            reason_of[k] = "missing_token"
            continue
        code = None
        if value_labels and text in value_labels:  # SPSS: the label says what the code means
            label = value_labels[text].strip()
            if label in MISSING_MARKERS:
                reason_of[k] = MISSING_MARKERS[label]
                continue
            if _is_token(label, ctx.missing_tokens):
                reason_of[k] = "missing_token"
                continue
            code = text_codes.get(normalize_text(_OTHER_TEXT.sub("", label)))
        else:
            if mode in ("text", "either"):
                code = text_codes.get(normalize_text(_OTHER_TEXT.sub("", text)))
            if code is None and mode in ("code", "either"):
                number = _as_code(text)
                code = number if number in key.numbers else None
        if code is None:
            if ctx.out_of_scale == "missing":
                reason_of[k] = "out_of_scale"
                continue
            row = int(np.flatnonzero(codes == k)[0])
            _unknown_answer(text, key, ctx, column, ctx.records[row], value_labels)
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
