"""Which column of an export is which question: headers matched to the instrument's wording
(Chinese or English, folding width, spaces, quotes and numbering), named by a column map, or, in
a generic export, equal to the question's code (a header PL1 is item PL1; no map needed)."""

import difflib

from govsurvey.errors import InputError
from govsurvey.ingest.layouts import META_ROLES
from govsurvey.ingest.readers import column_letter
from govsurvey.ingest.wording import header_candidates, normalize_text

_SEPARATORS = "-_:|/)"  # between a matrix stem and its row text (normalize_text folds every dash to "-")


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
        # A generic table often names its columns by the questions' codes (PL1, gender): those
        # headers need no column map. Platform exports name them by wording, so codes stay out.
        self.codes = {}
        if layout.name == "generic":
            for kind, code in _question_targets(instrument):
                self.codes[normalize_text(code)] = (kind, code)
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
        for text in texts:
            if normalize_text(text) in self.codes:
                return {self.codes[normalize_text(text)]}, "question code"
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


def _question_targets(instrument):
    """(kind, code) of every question a column may hold: items, checks, demographics, personal."""
    return (
        [("item", code) for code in instrument.items]
        + [("check", c.code) for c in instrument.attention_checks]
        + [("demographic", d.code) for d in instrument.demographics]
        + [("personal", q["code"]) for q in instrument.personal_questions]
    )


def _resolve_map_target(value, instrument):
    codes = {code: kind for kind, code in _question_targets(instrument)}
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


def _questions(instrument):
    """(code, kind) of every question of the instrument an export may carry, in questionnaire order."""
    return (
        [(code, "item") for code in instrument.items]
        + [(c.code, "check") for c in instrument.attention_checks]
        + [(d.code, "demographic") for d in instrument.demographics]
    )


def _near_misses(code, unmatched, ambiguous):
    """Columns that nearly match a question: "'header' ~ CODE: wording" or "'header' matches A/B"."""
    hints = []
    for entry in unmatched:
        near = next((c for c in entry["closest"] if c.split(": ", 1)[0] == code), None)
        if near:
            hints.append(f"'{entry['column']}' ~ {near}")
    return hints + [f"'{a['column']}' matches {'/'.join(a['matches'])}" for a in ambiguous if code in a["matches"]]


def absent_questions(raw, instrument, headers, mapping, unmatched, ambiguous, items_absent=()):
    """The instrument's questions the export has no column for: [{code, kind, reason}].

    Items must be there unless streets.<id>.items_absent lists them (reason items_absent);
    attention checks and demographics are optional (reason no_column). A question that some
    column nearly matches is not taken as absent: that would be a guess, so it is an error.
    """
    questions = _questions(instrument)
    known = dict(questions)
    for code in items_absent:
        if code not in known:
            near = difflib.get_close_matches(code, list(known), n=1)
            raise InputError(
                "config.yaml",
                f"streets.<id>.items_absent lists '{code}', which is no question of the instrument.",
                "use item, attention-check or demographic codes of the instrument"
                + (f" (closest: {near[0]})." if near else "."),
            )
    found = {code: j for j, (kind, code) in mapping.items() if kind in ("item", "check", "demographic")}
    for code in items_absent:
        if code in found:
            raise InputError(
                raw.path,
                f"streets.<id>.items_absent lists {code}, but the export has a column for it "
                f"('{headers[found[code]][0]}').",
                f"remove {code} from streets.<id>.items_absent.",
            )
    asked = [code for code, kind in questions if kind in ("item", "check")]
    if not any(code in found for code in asked):
        raise InputError(
            raw.path,
            f"none of the instrument's {len(asked)} questions matches a column: "
            f"this looks like an export of another survey (instrument '{instrument.id}').",
            "check streets.<id>.raw_export and study.instrument in config.yaml, or map the columns "
            "in streets.<id>.column_map.",
        )
    missing = [
        code for code, kind in questions
        if code not in found and code not in items_absent
        and (kind == "item" or _near_misses(code, unmatched, ambiguous))
    ]  # fmt: skip
    if missing:
        hints = list(dict.fromkeys(h for code in missing for h in _near_misses(code, unmatched, ambiguous)))[:3]
        raise InputError(
            raw.path,
            f"the export has no column for {', '.join(missing)}"
            + (f" (near misses: {'; '.join(hints)})." if hints else "."),
            "check that this is an export of the instrument's questionnaire, fix the wording in the instrument, "
            "map the column in streets.<id>.column_map, or list the codes in streets.<id>.items_absent when "
            "this street's export does not carry them.",
        )
    return [
        {"code": code, "kind": kind, "reason": "items_absent" if code in items_absent else "no_column"}
        for code, kind in questions
        if code not in found
    ]


# --- values ---------------------------------------------------------------------------------
