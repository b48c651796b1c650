"""Cell values to codes: answers through the instrument's labels (or the export's codes and
value labels), record numbers, submission times and completion times."""

import calendar
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from govsurvey.errors import InputError
from govsurvey.ingest import privacy
from govsurvey.ingest.wording import fold_lookalikes, nearest_difference, normalize_text

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
    r"-\d+|9{2,}|#?n\.?/?a\.?|#null!?|nan|null|none|nil|missing|\.+|-+|/|\?+"
    r"|无|空|缺失|不适用|不详|未填|未答|拒答",
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
    """The answers one column may hold: the instrument's choices (zh and en wording) and their codes."""

    what: str  # "scale labels" | "answer options", for messages
    noun: str  # "label" | "option": one of them
    choices: tuple  # ((code, {"zh", "en"}), ...) in the instrument's order
    # Numbers that are codes by themselves: the scale's points. Empty for option lists, whose
    # numbers mean something only through value labels or a code map.
    points: frozenset

    @cached_property
    def wordings(self):
        return [text for _, wording in self.choices for text in (wording["zh"], wording["en"])]

    @cached_property
    def codes(self):
        """Normalized wording -> code."""
        return {normalize_text(text): code for code, wording in self.choices for text in (wording["zh"], wording["en"])}

    def listed(self, language):
        return ", ".join(wording[language] for _, wording in self.choices)


def scale_key(instrument):
    choices = tuple(instrument.labels.items())
    return AnswerKey("scale labels", "label", choices, frozenset(instrument.scale_points))


def option_key(options):
    return AnswerKey("answer options", "option", tuple(enumerate(options, start=1)), frozenset())


# How the codes of a column were read (ingest report, codes_read_as).
SCALE_POINTS = "scale points (options numbered 1..k in the scale's order)"
VALUE_LABELS = "value labels in the file"
CODE_MAP = "streets.<id>.code_map"


@dataclass(frozen=True)
class CodeMeaning:
    """What the codes of one column stand for, and who says so (the file's value labels or config)."""

    labels: dict  # code as text ("1") -> wording
    source: str  # VALUE_LABELS | CODE_MAP
    entry: str = ""  # the code_map entry: a question code or "scale"

    def label_of(self, text):
        if text in self.labels:
            return self.labels[text]
        code = _as_code(text)
        return None if code is None else self.labels.get(str(code))


def code_meanings(code_map, instrument, keys):
    """streets.<id>.code_map checked against the instrument: {entry: CodeMeaning}.

    `keys` maps demographic codes and 'scale' to their AnswerKey. Every code must be a whole
    number and every wording one of the question's choices, each choice at most once."""
    questions = set(instrument.items) | {c.code for c in instrument.attention_checks} | {"scale"}
    numeric = {d.code for d in instrument.demographics if d.numeric}
    meanings = {}
    for entry, codes in (code_map or {}).items():
        if entry in numeric:
            raise InputError(
                "config.yaml",
                f"streets.<id>.code_map names '{entry}', a numeric question: its answers are numbers, not codes.",
                f"remove {entry} from streets.<id>.code_map.",
            )
        key = keys.get("scale" if entry in questions else entry)
        if key is None:
            raise InputError(
                "config.yaml",
                f"streets.<id>.code_map names '{entry}', which is no question of the instrument.",
                "use a demographic, item or attention-check code of the instrument, or 'scale' for every item.",
            )
        where, chosen, labels = f"streets.<id>.code_map.{entry}", {}, {}
        for code, wording in codes.items():
            number = _as_code(str(code))
            if number is None or str(code).strip() != str(number):
                examples = ", ".join(f"{n}: {w['zh']}" for n, (_, w) in enumerate(key.choices[:2], start=1))
                raise InputError(
                    "config.yaml",
                    f"{where} has the code '{code}', which is not a whole number.",
                    f"use the numbers the export holds, e.g. {{{examples}}}.",
                )
            choice = key.codes.get(normalize_text(wording))
            if choice is None:
                raise InputError(
                    "config.yaml",
                    f"{where} maps {code} to '{wording}', which is not one of its {key.noun}s "
                    f"({key.listed('zh')}, {key.listed('en')}).",
                    f"use the wording of one of the {key.noun}s in the instrument (zh or en).",
                )
            if choice in chosen:
                raise InputError(
                    "config.yaml",
                    f"{where} maps both {chosen[choice]} and {code} to {dict(key.choices)[choice]['zh']}.",
                    f"give each code its own {key.noun}.",
                )
            chosen[choice], labels[str(number)] = code, wording
        meanings[entry] = CodeMeaning(labels, CODE_MAP, entry)
    return meanings


def unstated_codes(values, key, layout, tokens):
    """Numbers in an option column that no wording explains (sorted): codes whose meaning is unknown.

    In a code export every number is a code, even one that reads like an option ('1' of 1, 2, 3+)."""
    found = set()
    for value in pd.unique(pd.Series(values, dtype=object)):
        text = str(value).strip()
        if not text or fold_lookalikes(text) in layout.missing or _is_token(text, tokens):
            continue
        worded = layout.answers != "code" and normalize_text(text) in key.codes
        if not worded and _as_code(text) is not None:
            found.add(_as_code(text))
    return sorted(found)


def unstated_codes_error(source, columns, language):
    """One error for every option column of bare codes: [(header, question code, key, codes)]."""
    held = "; ".join(f"column '{h}' ({code}) codes {', '.join(privacy.mask(c) for c in codes)}"
                     for h, code, _, codes in columns)  # fmt: skip
    # A "code" that looks like a phone or ID number is someone's, not an option's: no entry for it.
    skeleton = ", ".join(f"{code}: {{{', '.join(f'{c}: …' for c in codes if not privacy.personal_kinds(c))}}}"
                         for _, code, _, codes in columns)  # fmt: skip
    options = "; ".join(f"{code}: {key.listed(language)}" for _, code, key, _ in columns)
    return InputError(
        source,
        f"the export carries answer codes whose meaning the file does not state: {held}.",
        "say which option each code stands for on the questionnaire as fielded, in config.yaml: "
        f"streets.<id>.code_map: {{{skeleton}}}, each … the wording of an option in the instrument ({options}); "
        "or export the answers as text instead of codes (问卷星 按文本, Qualtrics 'Use choice text').",
    )


def _marker_error(ctx, problem, shown):
    return InputError(
        ctx.source,
        f"{problem}; it looks like a missing-value marker.",
        f"if {shown} marks an unanswered question, list it in ingest.missing_tokens (all streets) or "
        "streets.<id>.missing_tokens (this street) in config.yaml; it is then counted as missing "
        "(reason missing_token).",
    )


def _mislabelled(ctx, problem, key, label, labels):
    """A code whose value label is none of the options (labels of another street or questionnaire
    version): the options expected and the file's labels, each code with its label."""
    options = key.listed("zh" if not label.isascii() else "en")
    return InputError(
        ctx.source,
        f"{problem} ({options}).",
        f"expected a code labelled with one of them; the file labels {', '.join(labels)}; check that the export "
        f"is this street's (streets.<id>.raw_export) and that the instrument's {key.noun}s (for communities: "
        "streets.<id>.communities) are worded as on the questionnaire as fielded; or set ingest.out_of_scale: "
        "missing to count such answers as missing.",
    )


def _unknown_answer(text, key, ctx, column, record, meaning):
    """The error for an answer that is none of the key's: what it is, and the fix that fits it."""
    shown = f"'{privacy.mask(text)}'"
    label = meaning.label_of(text) if meaning else None
    if label is not None:
        shown += f" (labelled '{privacy.mask(label)}')"
    problem = f"record {ctx.record_label}={record}, column '{column}': answer {shown} is not one of the {key.what}"
    if meaning:
        allowed = sorted(meaning.labels, key=lambda c: (_as_number(c) is None, _as_number(c) or 0, c))
        if meaning.source == VALUE_LABELS:  # a bare code means nothing to the reader: show its label
            allowed = [f"{c} = {privacy.mask(meaning.labels[c])}" for c in allowed]
    elif key.points and ctx.layout.answers != "text":
        allowed = sorted(key.points)
    else:
        allowed = list(dict.fromkeys(key.wordings))
    expected = f"expected one of: {', '.join(map(str, allowed))}; or '(空)' for no answer"
    if _MISSING_LOOK.fullmatch(fold_lookalikes(text)):
        raise _marker_error(ctx, problem, shown)
    if label is not None and meaning.source == VALUE_LABELS:  # labelled, but not with an option
        raise _mislabelled(ctx, problem, key, label, allowed)
    if _as_number(text) is not None:  # a number off the scale: only then may it count as missing
        # a phone or ID number typed as an answer is no code to explain
        unmapped = meaning is not None and meaning.source == CODE_MAP and label is None and not privacy.personal_kinds(text)
        add = f"; say what {text} stands for in {CODE_MAP}.{meaning.entry}" if unmapped else ""
        raise InputError(
            ctx.source,
            f"{problem}.",
            f"{expected}{add}; or set ingest.out_of_scale: missing to count such answers as missing.",
        )
    near = None if privacy.personal_kinds(text) else nearest_difference(text, key.wordings, key.noun)
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
        wordings = token_set(key.wordings)
        for token in tokens:
            if _is_token(token.strip(), wordings):
                where = "one of the scale labels" if name == "scale" else f"an answer option of {name}"
                raise InputError(
                    "config.yaml",
                    f"the missing-value token '{token}' is also {where}, so it would hide real answers.",
                    f"remove '{token}' from ingest.missing_tokens (or streets.<id>.missing_tokens).",
                )


@dataclass
class Mapped:
    """One column's answers as codes (float, NaN when missing), missing counts by reason, the mask of
    answers counted as off the scale, and how codes were read (None when no answer was a code)."""

    codes: np.ndarray
    missing: dict
    outside: np.ndarray
    codes_read_as: str | None


def map_answers(values, key, ctx, column, meaning=None):
    """Answers -> codes through the instrument's wordings, the column's CodeMeaning (value labels or
    code map) or, for scale items in a code export only, the number as the scale point."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    mapped = np.full(len(uniques), np.nan)
    reason_of, read_as = {}, None
    mode = ctx.layout.answers
    text_codes = key.codes
    for k, raw_value in enumerate(uniques):
        text = str(raw_value).strip()
        reason = _missing_reason(text, ctx)  # configured tokens win over codes: they are explicit
        if reason:
            reason_of[k] = reason
            continue
        code = None
        label = meaning.label_of(text) if meaning else None
        if label is not None:  # the file's value labels or the code map say what the code means
            label = label.strip()
            reason = _missing_reason(label, ctx)
            if reason:
                reason_of[k] = reason
                continue
            code = text_codes.get(normalize_text(_OTHER_TEXT.sub("", label)))
            read_as = read_as or (meaning.source if code is not None else None)
        else:
            if mode in ("text", "either"):
                code = text_codes.get(normalize_text(_OTHER_TEXT.sub("", text)))
            if code is None and mode in ("code", "either") and meaning is None:
                number = _as_code(text)
                code = number if number in key.points else None
                read_as = read_as or (SCALE_POINTS if code is not None else None)
        if code is None:
            if ctx.out_of_scale == "missing":
                reason_of[k] = "out_of_scale"
                continue
            row = int(np.flatnonzero(codes == k)[0])
            _unknown_answer(text, key, ctx, column, ctx.records[row], meaning)
        mapped[k] = code
    return _mapped(codes, mapped, reason_of, read_as)


def _missing_reason(text, ctx):
    """Why a cell counts as missing: a layout marker ('(空)', -2 in code exports), a configured token; else None."""
    marker = fold_lookalikes(text.strip())  # '（空）' is '(空)'
    if marker in ctx.layout.missing:
        return ctx.layout.missing[marker]
    return "missing_token" if _is_token(text.strip(), ctx.missing_tokens) else None


def _mapped(codes, mapped, reason_of, read_as):
    """Per-distinct-value results spread over the column, with missing counts by reason."""
    out = np.append(mapped, np.nan)[codes]
    counts = {}
    for k, reason in reason_of.items():
        counts[reason] = counts.get(reason, 0) + int((codes == k).sum())
    blank = int((codes == -1).sum())
    if blank:
        counts["blank"] = counts.get("blank", 0) + blank
    outside = np.isin(codes, [k for k, reason in reason_of.items() if reason == "out_of_scale"])
    return Mapped(out, counts, outside, read_as)


def _number_text(number):
    return str(int(number)) if float(number).is_integer() else str(number)


def describe_numeric(demographic):
    """'age: a whole number from 18 to 100, in 岁' - what a numeric question takes."""
    low, high = demographic.minimum, demographic.maximum
    text = f"{demographic.code}: {'a whole number' if demographic.integer else 'a number'}"
    if low is not None and high is not None:
        text += f" from {_number_text(low)} to {_number_text(high)}"
    elif low is not None:
        text += f" of at least {_number_text(low)}"
    elif high is not None:
        text += f" of at most {_number_text(high)}"
    return text + (f", in {demographic.unit['zh']}" if demographic.unit else "")


def _without_unit(text, unit):
    """'45岁' or '45 years' -> '45' when the question's unit is 岁 / years."""
    folded = fold_lookalikes(text).strip()
    for word in (unit or {}).values():
        if folded.casefold().endswith(word.casefold()):
            return folded[: -len(word)].strip()
    return folded


def _numeric_problem(number, demographic):
    """What is wrong with a numeric answer ('not a number', 'outside 18 to 100', ...), or None."""
    low, high = demographic.minimum, demographic.maximum
    if number is None or not np.isfinite(number):
        return "not a number"
    if demographic.integer and not float(number).is_integer():
        return "not a whole number"
    if low is not None and high is not None and not low <= number <= high:
        return f"outside {_number_text(low)} to {_number_text(high)}"
    if low is not None and number < low:
        return f"below {_number_text(low)}"
    if high is not None and number > high:
        return f"above {_number_text(high)}"
    return None


def map_numbers(values, demographic, ctx, column, meaning=None):
    """Answers of a numeric question (kind: numeric) -> numbers (float, NaN when missing), checked
    against its range; missing markers and tokens count as missing, as for any other answer."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    mapped = np.full(len(uniques), np.nan)
    reason_of = {}
    for k, raw_value in enumerate(uniques):
        text = str(raw_value).strip()
        label = meaning.label_of(text) if meaning else None  # SPSS may label its missing codes
        reason = _missing_reason(text, ctx) or (_missing_reason(label, ctx) if label is not None else None)
        if reason:
            reason_of[k] = reason
            continue
        # A phone or ID number typed into the age field is personal data, never a number to keep.
        number = None if privacy.personal_kinds(text) else _as_number(_without_unit(text, demographic.unit))
        wrong = _numeric_problem(number, demographic)
        if wrong is None:
            mapped[k] = number
        elif ctx.out_of_scale == "missing":
            reason_of[k] = "out_of_scale"
        else:
            row = int(np.flatnonzero(codes == k)[0])
            shown = f"'{privacy.mask(text)}'"
            problem = f"record {ctx.record_label}={ctx.records[row]}, column '{column}': answer {shown} is {wrong}"
            if _MISSING_LOOK.fullmatch(fold_lookalikes(text)):
                raise _marker_error(ctx, problem, shown)
            if wrong == "not a number":
                unit = (demographic.unit or {}).get("zh", "")
                fix = f"write the number, alone or with its unit (45 or 45{unit}); or '(空)' for no answer"
            elif wrong == "not a whole number":
                fix = (f"correct the answer in the export, or set integer: false for {demographic.code} "
                       "in the instrument")
            else:
                fix = f"correct the answer in the export, or min/max of {demographic.code} in the instrument"
            raise InputError(
                ctx.source,
                f"{problem} ({describe_numeric(demographic)}).",
                f"{fix}; or set ingest.out_of_scale: missing to count such answers as missing.",
            )
    return _mapped(codes, mapped, reason_of, None)


def _records(values, ctx_source, header, first_line):
    # The record number is kept in every result and quoted in every message: never a personal value.
    personal = next((v for v in pd.unique(pd.Series(values, dtype=object)) if privacy.personal_kinds(v)), None)
    if personal is not None:
        row = next(k for k, v in enumerate(values) if v == personal)
        raise InputError(
            ctx_source,
            f"line {first_line + row}, column '{header}': record number '{privacy.mask(personal)}' looks like "
            "personal data, and the record number is kept in every result.",
            "use the export's own record number (序号) as the record column, or restore the column from the "
            "original export.",
        )
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
            f"column '{header}': record number {privacy.mask(repeated.iloc[0])} occurs more than once.",
            "give each record its own number (the platform's export does), or remove the repeated rows.",
        )
    return numbers.to_numpy()


# Excel keeps a date cell as days since 1899-12-30 (a float; the time is the fraction). A number
# in a time column is read as such a serial only between 1990 and 2099, where a survey can be.
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL_RANGE = (32874, 73051)  # 1990-01-01, 2100-01-01
_DATE_PARTS = re.compile(r"(\d{4})\D(\d{1,2})\D(\d{1,2})\D*?(?:\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?")


def _serial_time(text):
    """The moment an Excel date serial stands for (to the second), or None."""
    number = _as_number(text)
    if number is None or not _SERIAL_RANGE[0] <= number < _SERIAL_RANGE[1]:
        return None
    return (_EXCEL_EPOCH + pd.Timedelta(days=number)).round("s")


def _why_not_a_time(text):
    """Why a time cell cannot be read, when the reason is plain: ' (there is no month 13)', or ''."""
    if _as_number(text) is not None and np.isfinite(_as_number(text)):  # 'NaN' is no number to a reader
        return " (a number, but not an Excel date serial from 1990 to 2099)"
    match = _DATE_PARTS.match(text)
    if not match:
        return ""
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    if not 1 <= month <= 12:
        return f" (there is no month {month})"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return f" ({calendar.month_name[month]} has no day {day})"
    for what, value, top in (("hour", hour, 23), ("minute", minute, 59), ("second", second, 59)):
        if value > top:
            return f" (there is no {what} {value})"
    return ""


def _timestamps(values, ctx, column):
    """Submission times as 'YYYY-MM-DD HH:MM:SS' (None when blank); Excel serials are dates too.
    A cell that is no date and time stops ingest: a lost time silently disables the duplicate rule."""
    series = pd.Series(values, dtype=object).str.strip()
    uniques = [u for u in pd.unique(series) if u]
    stamps = {u: _serial_time(u) for u in uniques}
    texts = [u for u in uniques if stamps[u] is None and _as_number(u) is None]
    best = None
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "mixed"):
        attempt = pd.to_datetime(pd.Series(texts, dtype=object), format=fmt, errors="coerce")
        if best is None or attempt.notna().sum() > best.notna().sum():
            best = attempt
        if best.notna().all():
            break
    stamps.update(zip(texts, best))
    bad = [u for u in uniques if pd.isna(stamps[u])]  # None (a number, not a serial) or NaT
    if bad:
        row = int(np.flatnonzero(series.to_numpy() == bad[0])[0])
        raise InputError(
            ctx.source,
            f"record {ctx.record_label}={ctx.records[row]}, column '{column}': '{privacy.mask(bad[0])}' is not a "
            f"date and time{_why_not_a_time(bad[0])}.",
            "restore the column from the original export (e.g. 2026/09/03 12:00:00, or an Excel date).",
        )
    # Built element by element: a Series' .where(mask, None) gives NaN, not None, under pandas 3.
    text = {u: stamp.strftime("%Y-%m-%d %H:%M:%S") for u, stamp in stamps.items()}
    return np.array([text.get(v) for v in series], dtype=object)


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
