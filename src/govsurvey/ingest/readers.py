"""Read a raw export file (xlsx, csv, SPSS .sav) into a grid of text cells, whatever its platform.

The file type is taken from the bytes, not the name. CSV text is decoded as UTF-8 (with or
without BOM), GBK or GB18030, detected and recorded; a declared encoding that disagrees with the
bytes, or text in another encoding (Big5 'decodes' as GB18030 into nonsense), is an error, never
a silent misread. The csv delimiter (comma, semicolon, tab) is detected; of a workbook, the sheet
that holds the export is read. Every problem is an InputError naming the file and the fix.
"""

import codecs
import csv
import io
import zipfile
from collections import Counter
from importlib.metadata import version
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

from govsurvey.errors import InputError

ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030")
_REEXPORT = "export it again from the survey platform"


@dataclass
class RawFile:
    """A file's cells as text ('' when empty), all rows including the header rows."""

    path: Path
    file_type: str  # xlsx | csv | sav
    reader: str
    encoding: str
    cells: pd.DataFrame  # positional columns 0..k-1, object dtype, strings
    names: list = field(default_factory=list)  # SPSS variable names (other types: empty)
    labels: list = field(default_factory=list)  # SPSS variable labels
    value_labels: dict = field(default_factory=dict)  # column position -> {code text: label}
    sheet: str | None = None  # the xlsx sheet read
    delimiter: str | None = None  # the csv delimiter: comma | semicolon | tab


def column_letter(j):
    """0 -> A, 26 -> AA: how spreadsheets name columns."""
    letters = ""
    j += 1
    while j:
        j, rest = divmod(j - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sniff(path):
    """File type from the first bytes: xlsx (zip), xls (OLE2), sav, or text."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head[:4] in (b"$FL2", b"$FL3"):
        return "sav"
    return "csv"


def _text(value):
    """One cell as text: whole numbers without '.0', dates as 'YYYY-MM-DD HH:MM:SS'."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (datetime, pd.Timestamp)):
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _as_text_column(values):
    """A column of mixed cell values as text, converting each distinct value once."""
    if all(type(v) is str for v in values):  # the usual case: nothing to convert
        return np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    texts = np.array([_text(u) for u in uniques] + [""], dtype=object)
    return texts[codes]


def _grid(rows):
    """List of rows -> DataFrame of text, padded to the widest row."""
    width = max((len(r) for r in rows), default=0)
    frame = pd.DataFrame(rows, columns=range(width), dtype=object)
    return pd.DataFrame({j: _as_text_column(frame[j].to_numpy()) for j in frame.columns}, dtype=object)


def _xlsx_sheets(path):
    """(reader, sheet names, read(name) -> rows) of a workbook; the fast reader when installed."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # the fast reader is optional; openpyxl gives the same cells, slower
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        return (f"openpyxl {openpyxl.__version__}", list(book.sheetnames),
                lambda name: [list(r) for r in book[name].iter_rows(values_only=True)])  # fmt: skip
    book = CalamineWorkbook.from_path(str(path))
    return (f"python-calamine {version('python-calamine')}", list(book.sheet_names),
            lambda name: book.get_sheet_by_name(name).to_python(skip_empty_area=False))  # fmt: skip


def _read_xlsx(path, sheet=None, holds_export=None):
    """(cells, reader, sheet name): the sheet named, else the one sheet that holds an export
    (`holds_export`), else the first sheet with cells."""
    corrupt = InputError(path, "not a readable xlsx file (corrupt or truncated).", f"{_REEXPORT} as xlsx.")
    if not zipfile.is_zipfile(path):
        raise corrupt
    try:
        reader, names, rows_of = _xlsx_sheets(path)
        if sheet is not None:
            if sheet not in names:
                raise InputError(
                    path,
                    f"the workbook has no sheet '{sheet}' (its sheets: {', '.join(names)}).",
                    "set streets.<id>.sheet to one of them, or remove it to read the sheet that holds the export.",
                )
            return _grid(rows_of(sheet)), reader, sheet
        if len(names) == 1:  # the usual export: nothing to choose
            return _grid(rows_of(names[0])), reader, names[0]
        grids = {}
        for name in names:  # exports have one sheet; a notes or pivot sheet may come first
            grids[name] = _grid(rows_of(name))
    except InputError:
        raise
    except Exception:  # any failure inside the archive means the workbook is damaged
        raise corrupt from None
    filled = [name for name, cells in grids.items() if cells.size and cells.astype(bool).any().any()]
    found = [n for n in filled if holds_export and holds_export(RawFile(path, "xlsx", reader, "", grids[n]))]
    if len(found) > 1:
        raise InputError(
            path,
            f"sheets {' and '.join(repr(n) for n in found[:2])} both hold a survey export.",
            "name the one to read in streets.<id>.sheet.",
        )
    chosen = (found or filled or names)[0]
    return grids[chosen], reader, chosen


def detect_encoding(data, path, declared="auto"):
    """(encoding, text) of CSV bytes; UTF-8 ± BOM, GBK or GB18030, checked against `declared`."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(path, "the text is UTF-16, which is not supported.", "save it as 'CSV UTF-8' or as xlsx.")
    if data.startswith(codecs.BOM_UTF8):
        detected = "utf-8-sig"
    else:
        detected, failure = None, None
        for encoding in ("utf-8", "gbk", "gb18030"):
            try:
                data.decode(encoding)
                detected = encoding
                break
            except UnicodeDecodeError as error:
                failure = failure or error  # where the bytes stop being UTF-8 is what helps
        if detected is None:
            raise InputError(
                path,
                f"the text is not UTF-8, GBK or GB18030 (undecodable byte 0x{data[failure.start]:02x} "
                f"at offset {failure.start}).",
                "save it as 'CSV UTF-8' (or export it as xlsx) and run again.",
            )
    if detected in ("gbk", "gb18030"):
        _check_chinese(data.decode(detected), data, path)
    compatible = {
        "utf-8": {"utf-8", "utf-8-sig"},
        "utf-8-sig": {"utf-8-sig"},
        "gbk": {"gbk"},
        "gb18030": {"gbk", "gb18030"},
    }
    ascii_only = detected == "utf-8" and data.isascii()
    if declared != "auto" and detected not in compatible[declared] and not ascii_only:
        raise InputError(
            path,
            f"config says encoding {declared}, but the file is {detected}.",
            f"set streets.<id>.encoding to auto (or {detected}).",
        )
    encoding = declared if declared != "auto" and not ascii_only else detected
    return encoding, data.decode("utf-8-sig" if encoding == "utf-8-sig" else encoding)


_OTHER_ENCODING = (
    "save it as 'CSV UTF-8' (in Excel: File > Save As > 'CSV UTF-8 (Comma delimited)') or export it as xlsx, "
    "and run again."
)


def _check_chinese(text, data, path):
    """GB18030 decodes almost any bytes, so Big5 (or Shift-JIS ...) text 'decodes' into rare
    characters. Simplified-Chinese text is nearly all GB2312 (real exports: under 2% outside it,
    names and dashes); Big5 read as GBK is mostly outside it (about 80%). Over a fifth is an error."""
    counts = Counter(c for c in text[: 1 << 18] if ord(c) > 0x7F)  # the header and first records tell
    outside = 0
    for char, n in counts.items():
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            outside += n
    if outside < 20 or outside <= 0.2 * sum(counts.values()):
        return
    for other, name in (("big5", "Big5 (traditional Chinese)"), ("shift_jis", "Shift-JIS (Japanese)")):
        try:
            data.decode(other)
        except UnicodeDecodeError:
            continue
        raise InputError(path, f"the text is not UTF-8, GBK or GB18030: it reads as {name}.", _OTHER_ENCODING)
    raise InputError(path, "the text is not UTF-8, GBK or GB18030 (its characters make no sense as GBK).",
                     _OTHER_ENCODING)  # fmt: skip


DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


def _delimiter(text):
    """The delimiter that splits the first records into the widest table of equal rows (a comma
    unless another does better): Excel writes semicolons or tabs where the comma is the decimal sign."""
    sample = text[: 1 << 16]
    cut = len(sample) < len(text)
    best, width = ",", 1
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if row]
        except csv.Error:
            continue
        rows = rows[:-1] if cut and len(rows) > 1 else rows  # the sample may end mid-record
        if rows and len(rows[0]) > width and all(len(row) == len(rows[0]) for row in rows):
            best, width = delimiter, len(rows[0])
    return best


def _read_csv(path, declared):
    encoding, text = detect_encoding(Path(path).read_bytes(), path, declared)
    delimiter = _delimiter(text)
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if row]
    except csv.Error as error:
        raise InputError(path, f"not a well-formed CSV table ({error}).", f"{_REEXPORT} as csv.") from None
    # A row with another number of fields than the header means a cut-off or hand-edited file.
    width = len(rows[0]) if rows else 0
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            relation = "fewer" if len(row) < width else "more"
            raise InputError(
                path,
                f"line {number} has {relation} fields than the header: the file looks cut off or edited.",
                f"{_REEXPORT} as csv.",
            )
    return pd.DataFrame(rows, dtype=object), f"Python csv (pandas {pd.__version__})", encoding, DELIMITERS[delimiter]


def _read_sav(path):
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as error:  # pyreadstat's errors name no fix
        raise InputError(path, f"not a readable SPSS .sav file ({error}).", f"{_REEXPORT} as SPSS .sav.") from None
    names = list(frame.columns)
    labels = [meta.column_names_to_labels.get(n) or "" for n in names]
    cells = pd.DataFrame(
        {j: _as_text_column(frame[n].to_numpy(dtype=object)) for j, n in enumerate(names)}, dtype=object
    )
    value_labels = {
        j: {_text(code): str(label) for code, label in meta.variable_value_labels[n].items()}
        for j, n in enumerate(names)
        if n in meta.variable_value_labels
    }
    return cells, names, labels, value_labels, f"pyreadstat {pyreadstat.__version__} read_sav"


def read_file(path, encoding="auto", sheet=None, holds_export=None):
    """Read any supported raw file into a RawFile; errors name the file and the fix.

    `sheet`: the xlsx sheet to read (streets.<id>.sheet); without it, the sheet for which
    `holds_export(RawFile)` is true (an error when several are), else the first with cells."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "raw export not found.", "check streets.<id>.raw_export in config.yaml.")
    if path.is_dir():
        inside = sorted(p.name for p in path.iterdir() if p.suffix.lower() in (".xlsx", ".csv", ".sav"))
        held = f"holds {', '.join(inside[:3])}" if inside else "holds no .xlsx, .csv or .sav file"
        raise InputError(
            path,
            "streets.<id>.raw_export names a folder, not a file.",
            f"set streets.<id>.raw_export in config.yaml to the export file itself (this folder {held}).",
        )
    if path.stat().st_size == 0:
        raise InputError(path, "the file is empty.", f"{_REEXPORT}.")
    file_type = sniff(path)
    if file_type == "xls":
        raise InputError(path, "an old-style .xls workbook, which is not supported.", "open it and save it as .xlsx.")
    if sheet is not None and file_type != "xlsx":
        raise InputError(path, f"streets.<id>.sheet names a sheet, but the file is a {file_type}, which has none.",
                         "remove streets.<id>.sheet.")  # fmt: skip
    if file_type == "sav":
        cells, names, labels, value_labels, reader = _read_sav(path)
        return RawFile(path, "sav", reader, "sav (declared in the file)", cells, names, labels, value_labels)
    if file_type == "xlsx":
        cells, reader, chosen = _read_xlsx(path, sheet, holds_export)
        return RawFile(path, "xlsx", reader, "xlsx (UTF-8 inside the archive)", cells, sheet=chosen)
    cells, reader, file_encoding, delimiter = _read_csv(path, encoding)
    return RawFile(path, "csv", reader, file_encoding, cells, delimiter=delimiter)
