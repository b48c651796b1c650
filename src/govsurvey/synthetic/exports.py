"""One simulated survey written in every export format that ingest supports (tests, benchmarks).

Layouts follow the platforms' exports as far as we know them (see ingest.py): Wenjuanxing
按文本 and 按序号 (xlsx and csv in UTF-8 ± BOM, GBK, GB18030), Tencent Questionnaire, Qualtrics
(names, question text, ImportId rows; English wording), SPSS .sav with value labels, and a
generic csv with short column names plus the column map that config would give. Exports of bare
codes come with the code map config needs to read them (ExportFile.code_map); `fielded_order`
numbers a question's options in another order than the instrument's, as a questionnaire edited
after the instrument was written would.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from govsurvey.synthetic.population import DEFAULT_STREET, question_headers, write_wenjuanxing_xlsx


@dataclass
class ExportFile:
    name: str
    path: Path
    format: str  # the layout ingest should report
    encoding: str | None = None
    column_map: dict = field(default_factory=dict)
    code_map: dict = field(default_factory=dict)  # streets.<id>.code_map the export needs (code exports)


# name -> (format, file type, encoding); every one of these ingests to the same table.
EXPORTS = {
    "wenjuanxing_text_xlsx": ("wenjuanxing_text", "xlsx", None),
    "wenjuanxing_text_utf8bom_csv": ("wenjuanxing_text", "csv", "utf-8-sig"),
    "wenjuanxing_text_utf8_csv": ("wenjuanxing_text", "csv", "utf-8"),
    "wenjuanxing_text_gbk_csv": ("wenjuanxing_text", "csv", "gbk"),
    "wenjuanxing_text_gb18030_csv": ("wenjuanxing_text", "csv", "gb18030"),
    "wenjuanxing_code_xlsx": ("wenjuanxing_code", "xlsx", None),
    "wenjuanxing_code_csv": ("wenjuanxing_code", "csv", "utf-8-sig"),
    "tencent_xlsx": ("tencent", "xlsx", None),
    "tencent_csv": ("tencent", "csv", "utf-8-sig"),
    "qualtrics_csv": ("qualtrics", "csv", "utf-8-sig"),
    "spss_sav": ("spss", "sav", None),
    "generic_csv": ("generic", "csv", "utf-8"),
}
MISSING_TEXT, CODE_MISSING = "(空)", "-2"


def _matrix_codes(instrument):
    return [row for m in instrument.matrices for row in m["rows"]]


def _options(instrument, street):
    """Options of the option demographics (numeric ones are written as numbers)."""
    return {d.code: instrument.demographic_options(d, street) for d in instrument.demographics if not d.numeric}


def _numbers(responses, instrument, missing):
    """Numeric demographics (age in years) as the number's text, whole numbers without '.0'."""
    def text(value):
        return missing if pd.isna(value) else (str(int(value)) if float(value).is_integer() else str(value))

    return {d.code: responses[d.code].map(text).astype(object) for d in instrument.demographics if d.numeric}


def _answer_text(responses, instrument, street, lang="zh", missing=MISSING_TEXT):
    """Demographics and matrix answers as label text in one language."""
    out = _numbers(responses, instrument, missing)
    for code, options in _options(instrument, street).items():
        to_lang = {o["zh"]: o[lang] for o in options}
        out[code] = responses[code].map(to_lang).astype(object).fillna(missing)
    labels = {point: spec[lang] for point, spec in instrument.labels.items()}
    for code in _matrix_codes(instrument):
        out[code] = responses[code].map(labels).astype(object).fillna(missing)
    return out


def option_numbers(instrument, street=None, fielded_order=None):
    """{demographic: {option (zh): code}}: options numbered 1..k as the questionnaire showed them.

    `fielded_order` ({demographic: [options (zh)]}) lists a question's options in another order
    than the instrument's, as a questionnaire edited after the instrument was written would."""
    numbers = {}
    for code, options in _options(instrument, street or DEFAULT_STREET).items():
        order = (fielded_order or {}).get(code) or [o["zh"] for o in options]
        if sorted(order) != sorted(o["zh"] for o in options):
            raise ValueError(f"fielded_order[{code!r}] must list the options of {code} once each: {order}")
        numbers[code] = {option: number for number, option in enumerate(order, start=1)}
    return numbers


def code_map_of(numbers):
    """The streets.<id>.code_map that states what each option number means."""
    return {code: {number: option for option, number in options.items()} for code, options in numbers.items()}


def _answer_codes(responses, instrument, street, missing=CODE_MISSING, numbers=None):
    """Demographics as option numbers, matrix answers as scale points."""
    out = _numbers(responses, instrument, missing)
    for code, number in (numbers or option_numbers(instrument, street)).items():
        out[code] = responses[code].map({option: str(n) for option, n in number.items()}).astype(object).fillna(missing)
    for code in _matrix_codes(instrument):
        values = responses[code].astype("Int64")
        out[code] = pd.Series(np.where(values.isna(), missing, values.astype(str)), index=responses.index, dtype=object)
    return out


def _personal(responses, instrument, missing=MISSING_TEXT):
    return {q["code"]: responses[q["code"]].astype(object).fillna(missing) for q in instrument.personal_questions}


def _times(responses, fmt="%Y-%m-%d %H:%M:%S"):
    return responses["submitted_at"].dt.strftime(fmt)


def wenjuanxing_table(responses, instrument, street=None, codes=False, header_style="stem_dash", numbers=None):
    """([header row], body) of a Wenjuanxing 按文本 (codes=False) or 按序号 (codes=True) export."""
    street = street or DEFAULT_STREET
    pairs = question_headers(instrument, street, header_style)
    values = {
        "respondent_id": responses["respondent_id"].astype(str),
        "submitted_at": _times(responses, "%Y/%m/%d %H:%M:%S"),
        "duration": responses["duration"].astype(int).astype(str) + "秒",
        "source": responses["source"].fillna(MISSING_TEXT),
        "source_detail": responses["source_detail"].fillna(MISSING_TEXT),
        "ip": responses["ip"].fillna(MISSING_TEXT),
        **(_answer_codes(responses, instrument, street, numbers=numbers) if codes
           else _answer_text(responses, instrument, street)),
        **_personal(responses, instrument),
    }
    body = pd.DataFrame({j: values[code].to_numpy(dtype=object) for j, (code, _) in enumerate(pairs)})
    return [[header for _, header in pairs]], body


def tencent_table(responses, instrument, street=None):
    """Tencent Questionnaire (腾讯问卷): 编号, answer times, 答题时长 as h:mm:ss, '1.question' headers."""
    street = street or DEFAULT_STREET
    answers = _answer_text(responses, instrument, street, missing="")
    duration = responses["duration"].astype(int)
    started = responses["submitted_at"] - pd.to_timedelta(duration, unit="s")
    columns = {
        "编号": responses["respondent_id"].astype(str),
        "开始答题时间": started.dt.strftime("%Y-%m-%d %H:%M:%S"),
        "结束答题时间": _times(responses),
        "答题时长": [f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in duration],
        "IP地址": responses["ip"].str.split("(").str[0],
    }
    number = 0
    for demo in instrument.demographics:
        number += 1
        columns[f"{number}.{demo.zh}"] = answers[demo.code]
    text = {code: it.zh for code, it in instrument.items.items()} | {c.code: c.zh for c in instrument.attention_checks}
    for matrix in instrument.matrices:
        number += 1
        for code in matrix["rows"]:
            columns[f"{number}.{matrix['stem']['zh']}-{text[code]}"] = answers[code]
    for question in instrument.personal_questions:
        number += 1
        columns[f"{number}.{question['zh']}"] = responses[question["code"]].astype(object).fillna("")
    body = pd.DataFrame({j: pd.Series(v).to_numpy(dtype=object) for j, v in enumerate(columns.values())})
    return [list(columns)], body


def qualtrics_table(responses, instrument, street=None):
    """Qualtrics CSV: row 1 names, row 2 question text (English), row 3 ImportId JSON."""
    street = street or DEFAULT_STREET
    answers = _answer_text(responses, instrument, street, lang="en", missing="")
    duration = responses["duration"].astype(int)
    n = len(responses)
    meta = [
        ("StartDate", "Start Date", "startDate", (responses["submitted_at"] - pd.to_timedelta(duration, unit="s")).dt.strftime("%Y-%m-%d %H:%M:%S")),
        ("EndDate", "End Date", "endDate", _times(responses)),
        ("Status", "Response Type", "status", ["IP Address"] * n),
        ("IPAddress", "IP Address", "ipAddress", responses["ip"].str.split("(").str[0]),
        ("Progress", "Progress", "progress", ["100"] * n),
        ("Duration (in seconds)", "Duration (in seconds)", "duration", duration.astype(str)),
        ("Finished", "Finished", "finished", ["True"] * n),
        ("RecordedDate", "Recorded Date", "recordedDate", _times(responses)),
        ("ResponseId", "Response ID", "_recordId", [f"R_{i:015x}" for i in responses["respondent_id"] * 7919]),
        ("LocationLatitude", "Location Latitude", "locationLatitude", ["37.3807"] * n),
        ("LocationLongitude", "Location Longitude", "locationLongitude", ["117.9706"] * n),
        ("DistributionChannel", "Distribution Channel", "distributionChannel", ["anonymous"] * n),
        ("UserLanguage", "User Language", "userLanguage", ["EN"] * n),
    ]  # fmt: skip
    rows = [[], [], []]
    columns = []
    for name, text, import_id, values in meta:
        rows[0].append(name)
        rows[1].append(text)
        rows[2].append(
            f'{{"ImportId":"{import_id}","timeZone":"Asia/Shanghai"}}'
            if "Date" in name
            else f'{{"ImportId":"{import_id}"}}'
        )
        columns.append(pd.Series(values).to_numpy(dtype=object))
    number = 0
    for demo in instrument.demographics:
        number += 1
        rows[0].append(f"Q{number}"), rows[1].append(demo.en), rows[2].append(f'{{"ImportId":"QID{number}"}}')
        columns.append(answers[demo.code].to_numpy(dtype=object))
    text = {code: it.en for code, it in instrument.items.items()} | {c.code: c.en for c in instrument.attention_checks}
    for matrix in instrument.matrices:
        number += 1
        for k, code in enumerate(matrix["rows"], start=1):
            rows[0].append(f"Q{number}_{k}")
            rows[1].append(f"{matrix['stem']['en']} - {text[code]}")
            rows[2].append(f'{{"ImportId":"QID{number}_{k}"}}')
            columns.append(answers[code].to_numpy(dtype=object))
    for question in instrument.personal_questions:
        number += 1
        rows[0].append(f"Q{number}"), rows[1].append(question["en"]), rows[2].append(
            f'{{"ImportId":"QID{number}_TEXT"}}'
        )
        columns.append(responses[question["code"]].astype(object).fillna("").to_numpy(dtype=object))
    return rows, pd.DataFrame(dict(enumerate(columns)))


def generic_table(responses, instrument, street=None, numbers=None):
    """Short column names with codes, and the column map config needs for them.

    The phone column is left out of the map on purpose: ingest must drop it by its values.
    """
    street = street or DEFAULT_STREET
    codes = _answer_codes(responses, instrument, street, missing="", numbers=numbers)
    columns = {
        "resp_no": ("record", responses["respondent_id"].astype(str)),
        "time": ("submitted_at", _times(responses)),
        "secs": ("duration", responses["duration"].astype(int).astype(str)),
        "ip_addr": ("ip", responses["ip"].str.split("(").str[0]),
    }
    for demo in instrument.demographics:
        columns[f"d_{demo.code}"] = (demo.code, codes[demo.code])
    for code in _matrix_codes(instrument):
        columns[f"q_{code.lower()}"] = (code, codes[code])
    for question in instrument.personal_questions:
        target = None if question["code"] == "phone" else question["code"]
        columns[f"free_{question['code']}"] = (target, responses[question["code"]].astype(object).fillna(""))
    column_map = {name: target for name, (target, _) in columns.items() if target}
    body = pd.DataFrame({j: pd.Series(v).to_numpy(dtype=object) for j, (_, v) in enumerate(columns.values())})
    return [list(columns)], body, column_map


def write_csv(header_rows, body, path, encoding):
    frame = pd.concat([pd.DataFrame(header_rows), body.set_axis(range(body.shape[1]), axis=1)], ignore_index=True)
    frame.to_csv(path, header=False, index=False, encoding=encoding)
    return path


def write_xlsx(header_rows, body, path):
    """A plain workbook through openpyxl (fine for test sizes; Wenjuanxing text uses simulate's writer)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    for row in header_rows:
        sheet.append(row)
    for row in body.itertuples(index=False):
        sheet.append(list(row))
    book.save(path)
    return path


def write_sav(responses, instrument, path, street=None, numbers=None):
    """SPSS .sav: numeric codes with value labels, question text as variable labels."""
    import pyreadstat

    street = street or DEFAULT_STREET
    pairs = question_headers(instrument, street, "numbered")
    names = {"respondent_id": "id", "submitted_at": "submit_time", "duration": "duration_s",
             "source": "source", "source_detail": "source_detail", "ip": "ip"}  # fmt: skip
    frame, labels, value_labels = {}, {}, {}
    options = numbers or option_numbers(instrument, street)
    scale = {float(p): spec["zh"] for p, spec in instrument.labels.items()}
    for k, (code, header) in enumerate(pairs):
        name = names.get(code, f"Q{k}")
        labels[name] = header
        if code == "respondent_id":
            frame[name] = responses[code].astype(float)
        elif code == "submitted_at":
            frame[name] = responses[code]
        elif code == "duration":
            frame[name] = responses[code].astype(float)
        elif code in {d.code for d in instrument.demographics if d.numeric}:
            frame[name] = pd.to_numeric(responses[code]).astype(float)
        elif code in options:
            frame[name] = responses[code].map({option: float(n) for option, n in options[code].items()}).astype(float)
            value_labels[name] = {float(n): option for option, n in options[code].items()}
        elif code in instrument.items or code in {c.code for c in instrument.attention_checks}:
            frame[name] = responses[code].astype("Float64").astype(float)
            value_labels[name] = scale
        else:
            frame[name] = responses[code].astype(object).fillna("").astype(str)
    pyreadstat.write_sav(pd.DataFrame(frame), str(path), column_labels=labels, variable_value_labels=value_labels)
    _fix_sav_timestamp(path)
    return path


def _fix_sav_timestamp(path):
    """The same bytes for the same data: a .sav header carries its creation date and time
    (bytes 92-108: 'dd mmm yy', 'hh:mm:ss'), which are set to a fixed moment."""
    with open(path, "r+b") as handle:
        handle.seek(92)
        handle.write(b"01 Jan 2600:00:00")


def write_export(responses, instrument, path, name, street=None, header_style="stem_dash", fielded_order=None):
    """Write one of EXPORTS; returns an ExportFile (with the column map for generic, and the code
    map for exports of bare codes). `fielded_order`: see option_numbers."""
    fmt, file_type, encoding = EXPORTS[name]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    column_map = {}
    numbers = option_numbers(instrument, street, fielded_order)
    if encoding == "gb18030":  # a name outside GBK, so the file needs GB18030 (the column is dropped at ingest)
        responses = responses.copy()
        responses.loc[responses.index[0], "name"] = "王𠮷"
    if fmt == "spss":  # the value labels say what each code means
        write_sav(responses, instrument, path, street, numbers)
        return ExportFile(name, path, fmt)
    if fmt == "wenjuanxing_text" and file_type == "xlsx":
        write_wenjuanxing_xlsx(responses, instrument, path, street, header_style)
        return ExportFile(name, path, fmt)
    if fmt.startswith("wenjuanxing"):
        header, body = wenjuanxing_table(responses, instrument, street, fmt.endswith("code"), header_style, numbers)
    elif fmt == "tencent":
        header, body = tencent_table(responses, instrument, street)
    elif fmt == "qualtrics":
        header, body = qualtrics_table(responses, instrument, street)
    else:
        header, body, column_map = generic_table(responses, instrument, street, numbers)
    if file_type == "xlsx":
        write_xlsx(header, body, path)
    else:
        write_csv(header, body, path, encoding)
    code_map = code_map_of(numbers) if fmt in ("wenjuanxing_code", "generic") else {}
    return ExportFile(name, path, fmt, encoding, column_map, code_map)


def write_all_formats(responses, instrument, out_dir, street=None, header_style="stem_dash"):
    """Every export of EXPORTS for the same responses, in out_dir; {name: ExportFile}."""
    suffix = {"xlsx": ".xlsx", "csv": ".csv", "sav": ".sav"}
    return {
        name: write_export(
            responses, instrument, Path(out_dir) / f"{name}{suffix[spec[1]]}", name, street, header_style
        )
        for name, spec in EXPORTS.items()
    }
