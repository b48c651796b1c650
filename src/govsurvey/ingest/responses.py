"""Ingest a raw survey export into a tidy table keyed by the instrument's codes.

Supported layouts (`streets.<id>.format`, `auto` detects them from the file):
wenjuanxing_text (问卷星 按文本), wenjuanxing_code (按序号, −2/−3 for missing), tencent (腾讯问卷),
qualtrics (three header rows), spss (.sav, value labels applied), generic (any csv/xlsx whose
headers are the instrument's codes, or with `streets.<id>.column_map`). Each may come as xlsx or
csv (UTF-8 ± BOM, GBK, GB18030); see readers.py. Columns are matched to the instrument by wording (zh or en) or by the column map;
answers go through the instrument's labels or codes. Nothing is guessed: an unknown answer,
a missing item or a layout that disagrees with config is an InputError naming file and fix.
A code in an option column is read only through the file's value labels or the street's
`code_map`, never as a position in the instrument's option list; agreement-scale codes are the
scale points unless the code map says otherwise. Missing-value tokens (`missing_tokens`) count
as missing; numeric demographics (`kind: numeric`) hold the number.

A question the export does not carry (an attention check or demographic, or an item listed in
`streets.<id>.items_absent`) is left out of the table, not filled with NaN, and listed in the
report's `columns_absent`: a column missing from the table means "not asked", NaN in a column
means "asked, not answered".

Personal data never leaves this module (see privacy.py): the table is built from a keep-list
(KEPT_METADATA and the instrument's questions), so no free-text or unused metadata column passes;
IPs and respondent identifiers become salted hashes; the report lists every column left behind
(personal or unused) with its kind and reason, never its values.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from govsurvey.errors import InputError
from govsurvey.ingest import privacy
from govsurvey.ingest.answers import (VALUE_LABELS, CodeMeaning, _Context, _durations, _is_code_export, _records,
                                      _timestamps, check_missing_tokens, code_meanings, map_answers, map_numbers,
                                      option_key, scale_key, token_set, unstated_codes, unstated_codes_error)
from govsurvey.ingest.columns import _check_headers, _column_headers, absent_questions, match_columns
from govsurvey.ingest.layouts import CHOSEN, CODE_MISSING, LAYOUTS, MISSING_MARKERS, choose_layout, holds_export
from govsurvey.ingest.readers import read_file
from govsurvey.io import file_sha256
from govsurvey.schema import load_schema


# The keep-list: the only metadata the table carries (what screening reads). Answers of the
# instrument's items, checks and demographics are kept as codes; every other column of the
# export (来源, 来源详情, free text, platform extras) stays behind whatever it holds, and the report
# lists it with its kind and the reason, never its values.
KEPT_METADATA = ("record", "submitted_at", "duration_s", "ip_hash", "respondent_hash")
KEPT_ROLES = ("record", "submitted_at", "duration", "ip", "user_id")  # the metadata roles read (ip, user_id: hashed)


def ingest_defaults():
    """The defaults of config's `ingest` section, as the schema gives them (one place for them)."""
    spec = load_schema("config.schema.yaml")["properties"]["ingest"]["properties"]
    return {key: value["default"] for key, value in spec.items() if "default" in value}


def _missing_tokens(street, settings):
    """(tokens, where they come from): the street's list replaces the global one."""
    if "missing_tokens" in street:
        return list(street["missing_tokens"]), "streets.<id>.missing_tokens"
    return list(settings["missing_tokens"]), "ingest.missing_tokens"


def ingest_export(path, instrument, street, salt, settings=None, log=print):
    """Read a raw export of any supported format; return (tidy table, ingest report dict).

    `street` is the street's config entry (format, encoding, column_map, missing_tokens,
    communities); `settings` the config's `ingest` section (out_of_scale, missing_tokens).
    """
    settings = {**ingest_defaults(), **(settings or {})}
    street = street or {}
    declared = street.get("format", "auto")
    column_map = street.get("column_map") or {}
    def holds_data(table):  # which sheet of a workbook to read: a platform's export, or the mapped columns
        first = {str(h).strip() for h in table.cells.iloc[0]} if len(table.cells) else set()
        return holds_export(table) or bool(column_map) and {str(h) for h in column_map} <= first

    raw = read_file(path, street.get("encoding", "auto"), street.get("sheet"), holds_data)
    source = str(path)
    if raw.cells.shape[0] == 0 or raw.cells.shape[1] == 0:
        raise InputError(source, "the file has no rows, not even a header.", "export the survey again.")
    # an item code in the header marks a generic table (not 'name' or 'age': any table has those)
    layout_name, chosen = choose_layout(raw, declared, column_map, list(instrument.items))
    layout = LAYOUTS[layout_name]
    headers = _column_headers(raw, layout)
    data = raw.cells.iloc[layout.header_rows :].reset_index(drop=True)
    columns = _check_headers(raw, headers, data)
    if len(data) == 0:
        raise InputError(source, "the export has a header row but no responses.", "export again after data collection.")
    where = f", sheet '{raw.sheet}'" if raw.sheet else f", {raw.delimiter}-delimited" if raw.delimiter else ""
    log(f"ingest: read {len(data)} records x {len(columns)} columns from {source}{where} "
        f"({raw.reader}, {raw.encoding})")
    mapping, how, unmatched, ambiguous = match_columns(raw, headers, columns, instrument, layout, column_map)
    absent = absent_questions(raw, instrument, headers, mapping, unmatched, ambiguous, street.get("items_absent", []))
    tokens = token_set(_missing_tokens(street, settings)[0])
    if layout.name.startswith("wenjuanxing"):
        numeric = {d.code for d in instrument.demographics if d.numeric}  # numbers in text and code exports alike
        answered = {j: target for j, target in mapping.items() if target[1] not in numeric}
        actual = (
            "wenjuanxing_code"
            if _is_code_export(data, answered, {**MISSING_MARKERS, **CODE_MISSING}, tokens)
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
    return _tidy(raw, layout, chosen, headers, data, columns, mapping, how, unmatched, ambiguous, absent,
                 instrument, street, salt, settings, log)  # fmt: skip


def _answers(raw, headers, data, mapping, instrument, street, tokens, ctx):
    """Every item, check and demographic column as codes: (answers, missing counts by reason, how
    codes were read, answers off the scale per record)."""
    asked = {code for kind, code in mapping.values() if kind == "demographic"}
    code_map = street.get("code_map") or {}
    demographics = {d.code: d for d in instrument.demographics}
    keys = {"scale": scale_key(instrument)} | {
        d.code: option_key(instrument.demographic_options(d, street))
        for d in instrument.demographics if (d.code in asked or d.code in code_map) and not d.numeric
    }  # fmt: skip
    check_missing_tokens(tokens, keys)
    configured = code_meanings(code_map, instrument, keys)

    def meaning_of(j, kind, code):
        """The column's code map entry (its own, else 'scale' for items), else the file's value labels."""
        own = configured.get(code) or (configured.get("scale") if kind in ("item", "check") else None)
        if own:
            return own
        return CodeMeaning(raw.value_labels[j], VALUE_LABELS) if j in raw.value_labels else None

    columns = {j: target for j, target in mapping.items() if target[0] in ("item", "check", "demographic")}
    # Codes in an option column mean nothing by themselves: without labels or a code map, stop.
    unstated = [
        (headers[j][0], code, keys[code], found)
        for j, (kind, code) in columns.items()
        if code in keys and meaning_of(j, kind, code) is None
        and (found := unstated_codes(data[j].to_numpy(), keys[code], ctx.layout, ctx.missing_tokens))
    ]  # fmt: skip
    if unstated:
        raise unstated_codes_error(ctx.source, unstated, instrument.language)
    answers, missing_counts, codes_read_as = {}, {}, {}
    n_outside = np.zeros(len(data), dtype=int)
    for j, (kind, code) in columns.items():
        values, meaning = data[j].to_numpy(), meaning_of(j, kind, code)
        if kind == "demographic" and demographics[code].numeric:
            mapped = map_numbers(values, demographics[code], ctx, headers[j][0], meaning)
        else:
            key = keys[code] if kind == "demographic" else keys["scale"]
            mapped = map_answers(values, key, ctx, headers[j][0], meaning)
        answers[code] = mapped.codes
        if mapped.missing:
            missing_counts[code] = mapped.missing
        if mapped.codes_read_as:
            codes_read_as[code] = mapped.codes_read_as
        if kind != "demographic":  # screening excludes records with items or checks off the scale
            n_outside += mapped.outside
    return answers, missing_counts, codes_read_as, n_outside


_KIND_NAMES = {"item": "item", "check": "attention check", "demographic": "demographic"}


def _absence_line(entry):
    """The log line for a question the export does not carry."""
    what = f"{_KIND_NAMES[entry['kind']]} {entry['code']}"
    if entry["reason"] == "items_absent":
        return f"ingest: {what} is absent, as streets.<id>.items_absent says; left out of the table"
    consequence = "; screening cannot apply the attention check" if entry["kind"] == "check" else ""
    return f"ingest: WARNING no column for {what}; left out of the table{consequence}"


def _tidy(raw, layout, chosen, headers, data, columns, mapping, how, unmatched, ambiguous, absent, instrument, street,
          salt, settings, log):  # fmt: skip
    source = str(raw.path)
    role_column = {code: j for j, (kind, code) in mapping.items() if kind == "meta"}
    first_line = layout.header_rows + 1
    if "record" in role_column:
        j = role_column["record"]
        records = _records(data[j].tolist(), source, headers[j][0], first_line)
        record_label, record_from, record_column = headers[j][0], f"column '{headers[j][0]}'", headers[j][0]
    else:
        records = np.arange(1, len(data) + 1)
        record_label, record_from = "row", "row number in the file (the export has no record number)"
        record_column = None
    tokens, tokens_from = _missing_tokens(street, settings)
    ctx = _Context(source, records, record_label, layout, settings["out_of_scale"], token_set(tokens))
    tidy = {"record": records}
    dropped, ignored, hashed, unused = [], [], [], []
    j = role_column.get("submitted_at")
    tidy["submitted_at"] = (
        _timestamps(data[j].tolist(), ctx, headers[j][0]) if j is not None else np.full(len(data), None)
    )
    j = role_column.get("duration")
    tidy["duration_s"] = _durations(data[j].tolist(), ctx) if j is not None else np.full(len(data), np.nan)
    if j is None:
        log("ingest: WARNING the export has no completion-time column; duration_s is empty")
    for role, name, reason in (
        ("ip", "ip_hash", "IP address"),
        ("user_id", "respondent_hash", "respondent identifier"),
    ):
        if role in role_column:
            j = role_column[role]
            tidy[name] = privacy.hash_column(data[j].to_numpy(), salt, strip_place=role == "ip")
            dropped.append({"column": headers[j][0], "reason": f"{reason}: kept only as the salted hash {name}",
                            "kind": "hashed", "what": role, "hash": name})
            hashed.append(headers[j][0])
    answers, missing_counts, codes_read_as, n_outside = _answers(
        raw, headers, data, mapping, instrument, street, tokens, ctx
    )
    out_of_scale = {code: counts["out_of_scale"] for code, counts in missing_counts.items() if "out_of_scale" in counts}
    for j, (kind, code) in mapping.items():
        if kind == "personal":
            dropped.append({"column": headers[j][0], "reason": f"personal data ({code}), marked in the instrument",
                            "kind": "marked", "what": code})
        elif code == "drop":
            dropped.append({"column": headers[j][0], "reason": f"personal data ({layout.title} column {how[j]})",
                            "kind": "layout", "what": how[j]})
        elif kind == "meta" and code not in KEPT_ROLES:  # 来源, 来源详情, 总分 …: never read, never kept
            if code == "ignore":
                ignored.append(headers[j][0])
            found = privacy.scan_column(data[j].to_numpy())
            if found:
                dropped.append({"column": headers[j][0], "reason": privacy.describe_kinds(found, len(data)),
                                "kind": "pattern", "found": found, "what": code})
            else:
                unused.append({"column": headers[j][0], "kind": "unused", "what": code,
                               "reason": f"metadata ({code}) the analysis does not read"})
    for entry in unmatched + ambiguous:  # left out anyway; the report says when they held personal data
        j = next(k for k in columns if headers[k][0] == entry["column"])
        found = privacy.scan_column(data[j].to_numpy())
        if found:
            dropped.append({"column": entry["column"], "reason": privacy.describe_kinds(found, len(data)),
                            "kind": "pattern", "found": found})
    frame = pd.DataFrame({c: tidy[c] for c in KEPT_METADATA if c in tidy})
    for demo in instrument.demographics:
        if demo.code in answers:
            frame[demo.code] = answers[demo.code]
    for code in [c.code for c in instrument.attention_checks] + list(instrument.items):
        if code in answers:  # questions the export does not carry are left out (report: columns_absent)
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
        "format_chosen": CHOSEN[chosen],
        "format_chosen_code": chosen,
        "file_type": raw.file_type,
        "reader": raw.reader,
        "encoding": raw.encoding,
        "sheet": raw.sheet,  # xlsx: the sheet read (else None)
        "delimiter": raw.delimiter,  # csv: comma | semicolon | tab (else None)
        "header_rows": layout.header_rows,
        "rows": int(len(data)),
        "columns": int(len(columns)),
        "record_from": record_from,
        "record_column": record_column,
        "columns_matched": len(mapping),
        "columns_by_column_map": sum(1 for w in how.values() if w == "column map"),
        "columns_by_code": sum(1 for w in how.values() if w == "question code"),  # generic: header = code
        "demographics_absent": [d.code for d in instrument.demographics if d.code not in answers],
        "columns_absent": absent,
        "columns_unmatched": unmatched,
        "columns_ambiguous": ambiguous,
        "columns_ignored": ignored,
        "columns_dropped_personal": dropped,
        "columns_dropped_unused": unused,
        "identifiers_hashed": hashed,
        "missing_answers": missing_counts,
        "missing_by_reason": reasons,
        "missing_tokens": tokens,
        "missing_tokens_from": tokens_from,
        "out_of_scale_as_missing": out_of_scale,
        "codes_read_as": codes_read_as,
    }
    log(f"ingest: format {layout.name} ({CHOSEN[chosen]}); {len(mapping)} columns matched")
    for entry in absent:
        log(_absence_line(entry))
    if unmatched or ambiguous:
        log(f"ingest: left out {len(unmatched)} unmatched and {len(ambiguous)} ambiguous column(s): "
            + "; ".join(f"'{u['column']}' (closest: {', '.join(u.get('closest', [])) or 'none'})" for u in unmatched)
            + "; ".join(f"'{a['column']}' (matches {', '.join(a['matches'])})" for a in ambiguous))  # fmt: skip
    log(
        f"ingest: dropped {len(dropped)} personal-data column(s) and {len(unused)} unused metadata column(s); "
        f"kept {frame.shape[1]} columns; missing answers {reasons}"
    )
    return frame, report
