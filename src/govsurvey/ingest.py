"""Ingest a raw survey export into a tidy table keyed by the instrument's codes.

Personal data (the instrument's personal columns and questions) never leaves this module:
IPs become salted hashes, so duplicate submissions can still be found.
"""

import hashlib
import re
import secrets
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from govsurvey.errors import InputError

# Wenjuanxing's markers for an empty answer, each with the reason it stands for.
MISSING_MARKERS = {"(空)": "not_answered", "(跳过)": "skipped", "": "blank"}
_QUOTES = re.compile(r"[\"'“”‘’「」『』]")
_NUMBERING = re.compile(r"^\d+[、.．)]")


def normalize_text(text):
    """Fold what differs between exports of the same wording: width, spaces, quotes, numbering."""
    text = unicodedata.normalize("NFKC", str(text))
    text = re.sub(r"\s+", "", text)
    text = _NUMBERING.sub("", text)
    text = _QUOTES.sub("", text)
    return text.rstrip(":：").lower()


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


def load_salt(path):
    """The secret salt for hashing identifiers; created once and kept outside results/."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def hash_identifier(value, salt):
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return None
    # Wenjuanxing appends the location: "120.221.34.5(山东-滨州)"; the address alone counts.
    bare = str(value).split("(")[0].strip()
    return hashlib.sha256(f"{salt}:{bare}".encode()).hexdigest()[:16]


def parse_duration(value, source, record):
    """'312秒' or '5分12秒' -> seconds."""
    text = str(value).strip()
    match = re.fullmatch(r"(?:(\d+)分)?(\d+)秒", text)
    if match:
        return int(match.group(1) or 0) * 60 + int(match.group(2))
    try:
        return float(text)
    except ValueError:
        raise InputError(
            source,
            f"record 序号={record}: completion time '{text}' is not like '312秒'.",
            "check the 所用时间 column of the export.",
        ) from None


def read_wenjuanxing_xlsx(path):
    """Read a Wenjuanxing 按文本 export as text, every cell a string ('' when empty)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "raw export not found.", "check streets.<id>.raw_export in config.yaml.")
    if path.stat().st_size == 0:
        raise InputError(path, "the file is empty.", "export the survey again from Wenjuanxing.")
    if not zipfile.is_zipfile(path):
        raise InputError(path, "not a readable xlsx file (corrupt or truncated).", "export it again as xlsx.")
    frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    if frame.shape[0] == 0:
        raise InputError(path, "the export has a header row but no responses.", "export again after data collection.")
    return frame


class _Matcher:
    """Maps normalized wordings to what they stand for (item, demographic, metadata...)."""

    def __init__(self, instrument):
        self.targets = {}
        for role, meta in instrument.metadata.items():
            self._add(meta["header"], ("personal" if meta.get("personal") else "metadata", role))
        for demo in instrument.demographics:
            for text in (demo.zh, demo.en):
                self._add(text, ("demographic", demo.code))
        for question in instrument.personal_questions:
            for text in (question["zh"], question["en"]):
                self._add(text, ("personal", question["code"]))
        for item in instrument.items.values():
            for text in (item.zh, item.en):
                self._add(text, ("item", item.code))
        for check in instrument.attention_checks:
            for text in (check.zh, check.en):
                self._add(text, ("check", check.code))

    def _add(self, text, target):
        self.targets[normalize_text(text)] = target

    def match(self, header):
        for candidate in header_candidates(header):
            if candidate in self.targets:
                return self.targets[candidate]
        return None


def _answer_codes(instrument):
    codes = {}
    for point, label in instrument.labels.items():
        for text in (label["zh"], label["en"], str(point)):
            codes[normalize_text(text)] = point
    return codes


def _option_codes(options):
    codes = {}
    for number, option in enumerate(options, start=1):
        for text in (option["zh"], option["en"]):
            codes[normalize_text(text)] = number
    return codes


def _map_answers(values, codes, source, column, records, missing_counts, what):
    mapped = np.full(len(values), np.nan)
    for row, raw in enumerate(values):
        text = str(raw).strip()
        if text in MISSING_MARKERS:
            missing_counts[MISSING_MARKERS[text]] = missing_counts.get(MISSING_MARKERS[text], 0) + 1
            continue
        code = codes.get(normalize_text(text))
        if code is None:
            allowed = ", ".join(sorted({k for k in codes if not k.isdigit()}))
            raise InputError(
                source,
                f"record 序号={records[row]}, column '{column}': answer '{text}' is not one of the {what}.",
                f"expected one of: {allowed}; or '(空)' for no answer.",
            )
        mapped[row] = code
    return mapped


def ingest_wenjuanxing(path, instrument, street, salt, log=print):
    """Read a Wenjuanxing answer-text export; return (tidy table, ingest report dict)."""
    source = str(path)
    raw = read_wenjuanxing_xlsx(path)
    log(f"ingest: read {raw.shape[0]} records x {raw.shape[1]} columns from {source}")
    duplicated = raw.columns[raw.columns.str.contains(r"\.\d+$", regex=True)]
    if len(duplicated):
        raise InputError(source, f"duplicated column headers: {list(duplicated)}.", "remove the repeated columns.")
    matcher = _Matcher(instrument)
    mapping, unmatched, dropped_personal = {}, [], []
    for column in raw.columns:
        target = matcher.match(column)
        if target is None:
            unmatched.append(column)
        elif target[0] == "personal":
            dropped_personal.append({"column": column, "reason": f"personal data ({target[1]})"})
        else:
            if target in mapping.values():
                raise InputError(source, f"two columns match {target[1]}: ambiguous export.", "remove one of them.")
            mapping[column] = target
    found = {t for t in mapping.values()}
    required = [("metadata", "respondent_id"), ("metadata", "duration")]
    required += [("item", code) for code in instrument.items]
    required += [("check", c.code) for c in instrument.attention_checks]
    missing = [code for kind, code in required if (kind, code) not in found]
    if missing:
        raise InputError(
            source,
            f"the export has no column for {', '.join(missing)}.",
            "check that this is an export of the instrument's questionnaire, or fix the wording in the instrument.",
        )
    id_column = next(c for c, t in mapping.items() if t == ("metadata", "respondent_id"))
    records = raw[id_column].tolist()
    tidy = pd.DataFrame({"record": pd.to_numeric(raw[id_column], errors="raise").astype(int)})
    missing_counts = {}
    answer_codes = _answer_codes(instrument)
    demographics = {d.code: d for d in instrument.demographics}
    for column, (kind, code) in mapping.items():
        values = raw[column].tolist()
        if kind == "metadata" and code == "duration":
            tidy["duration_s"] = [parse_duration(v, source, r) for v, r in zip(values, records)]
        elif kind == "metadata" and code != "respondent_id":
            tidy[code] = raw[column].to_numpy()
        elif kind in ("item", "check"):
            tidy[code] = _map_answers(values, answer_codes, source, column, records, missing_counts, "scale labels")
        elif kind == "demographic":
            options = instrument.demographic_options(demographics[code], street)
            tidy[code] = _map_answers(
                values, _option_codes(options), source, column, records, missing_counts, "answer options"
            )
    ip_column = next((c for c, t in zip(raw.columns, map(matcher.match, raw.columns)) if t == ("personal", "ip")), None)
    if ip_column is not None:
        tidy["ip_hash"] = [hash_identifier(v, salt) for v in raw[ip_column]]
    order = ["record", "submitted_at", "duration_s", "source", "source_detail", "ip_hash"]
    order = [c for c in order if c in tidy]
    order += [d.code for d in instrument.demographics if d.code in tidy]
    order += [c.code for c in instrument.attention_checks] + list(instrument.items)
    tidy = tidy[order]
    report = {
        "file": Path(path).name,
        "sha256": file_sha256(path),
        "format": "wenjuanxing_text",
        "reader": f"pandas {pd.__version__} read_excel (openpyxl)",
        "encoding": "xlsx (UTF-8 inside the archive)",
        "rows": int(raw.shape[0]),
        "columns": int(raw.shape[1]),
        "columns_matched": len(mapping),
        "columns_unmatched": unmatched,
        "columns_dropped_personal": dropped_personal,
        "missing_answers": missing_counts,
    }
    if unmatched:
        log(f"ingest: {len(unmatched)} column(s) match nothing in the instrument and are left out: {unmatched}")
    log(f"ingest: dropped {len(dropped_personal)} personal-data column(s); kept {tidy.shape[1]} columns")
    return tidy, report
