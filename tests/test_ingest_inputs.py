"""Exports as people really hand them in (issue 16, items 3, 7, 8, 9 and 12): Excel date serials,
impossible dates, Big5 text, a missing 序号, the data on a second sheet, semicolon or tab
delimiters, a folder for a file, SPSS value labels of another street. Each is read correctly or
stops with one line naming the file, the record and column, and the fix."""

import openpyxl
import pandas as pd
import pytest
import yaml

from conftest import ROOT, quiet
from govsurvey.config import check_config
from govsurvey.errors import InputError
from govsurvey.ingest import ingest_export
from govsurvey.synthetic.exports import write_export
from govsurvey.synthetic.population import DEFAULT_STREET

EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # day 0 of Excel's 1900 date system (past its 1900 leap-year bug)


def write(tmp_path, simulated, instrument, name="wenjuanxing_text_utf8_csv", file="export.csv"):
    return write_export(simulated, instrument, tmp_path / file, name).path


def ingest(path, instrument, **street):
    return ingest_export(path, instrument, {**DEFAULT_STREET, **street}, "salt", log=quiet)


def message(path, instrument, **street):
    with pytest.raises(InputError) as error:
        ingest(path, instrument, **street)
    text = str(error.value)
    assert "\n" not in text
    return text


def times(simulated):
    return simulated["submitted_at"].dt.strftime("%Y-%m-%d %H:%M:%S").tolist()


def serials(simulated):
    """The submission times as Excel stores a date cell: days since the epoch, as a float."""
    return ((simulated["submitted_at"] - EXCEL_EPOCH) / pd.Timedelta(days=1)).tolist()


def read_csv(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", header=None)


# --- item 3: submission times -----------------------------------------------------------------


def test_excel_serial_numbers_in_an_xlsx_are_read_as_dates(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument, "wenjuanxing_text_xlsx", "serial.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book.active
    column = next(c.column for c in sheet[1] if c.value == "提交答卷时间")
    for row, serial in enumerate(serials(simulated), start=2):
        sheet.cell(row=row, column=column, value=serial)  # a number with no date format, as Excel keeps it
    book.save(path)
    table, _ = ingest(path, instrument)
    assert table["submitted_at"].tolist() == times(simulated)


@pytest.mark.parametrize(
    "name, column, header_rows",
    [("wenjuanxing_text_utf8_csv", "提交答卷时间", 1), ("tencent_csv", "结束答题时间", 1), ("qualtrics_csv", "EndDate", 3)],
)
def test_excel_serial_numbers_in_a_csv_are_read_as_dates(tmp_path, simulated, instrument, name, column, header_rows):
    path = write(tmp_path, simulated, instrument, name, f"{name}.csv")
    frame = read_csv(path)
    j = frame.iloc[0].tolist().index(column)
    frame.iloc[header_rows:, j] = [repr(s) for s in serials(simulated)]
    frame.to_csv(path, index=False, header=False, encoding="utf-8-sig")
    table, _ = ingest(path, instrument)
    assert table["submitted_at"].tolist() == times(simulated)


@pytest.mark.parametrize(
    "value, why",
    [
        ("2026/13/03 12:00:00", " (there is no month 13)"),
        ("2026/02/30 09:15:00", " (February has no day 30)"),
        ("昨天下午", ""),
        ("123", " (a number, but not an Excel date serial from 1990 to 2099)"),
    ],
)
def test_an_unreadable_submission_time_stops_ingest(tmp_path, simulated, instrument, value, why):
    path = write(tmp_path, simulated, instrument)
    frame = read_csv(path)
    j = frame.iloc[0].tolist().index("提交答卷时间")
    frame.iloc[4, j] = value
    frame.to_csv(path, index=False, header=False, encoding="utf-8-sig")
    assert message(path, instrument) == (
        f"{path}: record 序号={frame.iloc[4, 0]}, column '提交答卷时间': '{value}' is not a date and time{why}. "
        "Fix: restore the column from the original export (e.g. 2026/09/03 12:00:00, or an Excel date)."
    )


def test_a_time_in_another_layout_names_its_row(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument, "qualtrics_csv", "q.csv")
    frame = read_csv(path)
    frame.iloc[5, frame.iloc[0].tolist().index("EndDate")] = "2026-13-01 10:00:00"
    frame.to_csv(path, index=False, header=False, encoding="utf-8-sig")
    assert message(path, instrument) == (
        f"{path}: record row=3, column 'End Date': '2026-13-01 10:00:00' is not a date and time (there is no "
        "month 13). Fix: restore the column from the original export (e.g. 2026/09/03 12:00:00, or an Excel date)."
    )


# --- item 7: a csv in another encoding --------------------------------------------------------

BIG5 = (
    "the text is not UTF-8, GBK or GB18030: it reads as Big5 (traditional Chinese). Fix: save it as 'CSV UTF-8' "
    "(in Excel: File > Save As > 'CSV UTF-8 (Comma delimited)') or export it as xlsx, and run again."
)


@pytest.mark.parametrize("street", [{}, {"format": "wenjuanxing_text"}, {"encoding": "gbk"}])
def test_a_big5_csv_names_the_encoding_and_how_to_save_it(tmp_path, simulated, instrument, street):
    path = write(tmp_path, simulated, instrument)
    # Characters Big5 lacks become '?', as a converter leaves them; the rest are real Big5 bytes.
    path.write_bytes(path.read_text(encoding="utf-8").encode("big5", errors="replace"))
    assert message(path, instrument, **street) == f"{path}: {BIG5}"


# --- item 8: no 序号, the data on another sheet, other delimiters -------------------------------


@pytest.mark.parametrize("street", [{}, {"format": "wenjuanxing_text"}])
def test_an_export_without_its_record_number_names_it(tmp_path, simulated, instrument, street):
    path = write(tmp_path, simulated, instrument)
    read_csv(path).drop(columns=0).to_csv(path, index=False, header=False, encoding="utf-8-sig")
    assert message(path, instrument, **street) == (
        f"{path}: the header is a Wenjuanxing export's (提交答卷时间, 所用时间) but has no 序号 column, its record "
        "number. Fix: export it again from Wenjuanxing (序号 included) or restore the column; or set "
        "streets.<id>.format: generic with a streets.<id>.column_map."
    )


@pytest.fixture
def workbook(tmp_path, simulated, instrument):
    """A Wenjuanxing xlsx with a notes sheet before the data, and the table the data give alone."""
    path = write(tmp_path, simulated, instrument, "wenjuanxing_text_xlsx", "book.xlsx")
    expected, _ = ingest(path, instrument)
    book = openpyxl.load_workbook(path)
    notes = book.create_sheet("说明", 0)
    notes.append(["本表由问卷星导出，数据在下一页。"])
    notes.append(["导出时间", "2026/09/20"])
    book.save(path)
    return path, expected


def test_the_sheet_that_holds_the_export_is_read(workbook, instrument):
    path, expected = workbook
    table, report = ingest(path, instrument)
    pd.testing.assert_frame_equal(table, expected)
    assert report["sheet"] == "Sheet1"


def test_the_sheet_named_in_config_is_read_and_checked(workbook, instrument):
    path, expected = workbook
    pd.testing.assert_frame_equal(ingest(path, instrument, sheet="Sheet1")[0], expected)
    assert message(path, instrument, sheet="Data") == (
        f"{path}: the workbook has no sheet 'Data' (its sheets: 说明, Sheet1). "
        "Fix: set streets.<id>.sheet to one of them, or remove it to read the sheet that holds the export."
    )


def test_two_sheets_that_hold_an_export_need_a_name(workbook, instrument):
    path, _ = workbook
    book = openpyxl.load_workbook(path)
    book.copy_worksheet(book["Sheet1"]).title = "Sheet2"
    book.save(path)
    assert message(path, instrument) == (
        f"{path}: sheets 'Sheet1' and 'Sheet2' both hold a survey export. "
        "Fix: name the one to read in streets.<id>.sheet."
    )
    assert len(ingest(path, instrument, sheet="Sheet2")[0]) == 12


def test_a_sheet_named_for_a_csv_is_an_error(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument)
    assert message(path, instrument, sheet="Sheet1") == (
        f"{path}: streets.<id>.sheet names a sheet, but the file is a csv, which has none. "
        "Fix: remove streets.<id>.sheet."
    )


def test_the_sheet_key_is_in_the_config_schema():
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["streets"]["l_street"]["sheet"] = "Sheet1"
    assert check_config(config)["streets"]["l_street"]["sheet"] == "Sheet1"
    config["streets"]["l_street"]["sheet"] = 2
    with pytest.raises(InputError, match="streets/l_street/sheet"):
        check_config(config)


@pytest.mark.parametrize("sep, name", [(";", "semicolon"), ("\t", "tab")])
def test_a_csv_with_semicolons_or_tabs_is_read(tmp_path, simulated, instrument, sep, name):
    path = write(tmp_path, simulated, instrument)
    expected, report = ingest(path, instrument)
    assert report["delimiter"] == "comma"
    read_csv(path).to_csv(path, sep=sep, index=False, header=False, encoding="utf-8-sig")
    table, report = ingest(path, instrument)
    pd.testing.assert_frame_equal(table, expected)
    assert report["delimiter"] == name


# --- item 9: a folder for a file --------------------------------------------------------------


def test_raw_export_naming_a_folder(tmp_path, simulated, instrument):
    folder = tmp_path / "l_street"
    write(folder, simulated, instrument, "wenjuanxing_text_xlsx", "export.xlsx")
    (folder / "README.md").write_text("notes", encoding="utf-8")
    assert message(folder, instrument) == (
        f"{folder}: streets.<id>.raw_export names a folder, not a file. Fix: set streets.<id>.raw_export in "
        "config.yaml to the export file itself (this folder holds export.xlsx)."
    )


# --- item 12: SPSS value labels that are not the instrument's options ------------------------


def test_value_labels_of_another_streets_communities_show_the_labels(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument, "spss_sav", "w.sav")
    ours = [c["zh"] for c in DEFAULT_STREET["communities"]]
    others = [{"zh": "芜湖路社区", "en": "Wuhulu"}, {"zh": "望湖社区", "en": "Wanghu"}]
    first = simulated["community"].iloc[0]
    labels = ", ".join(f"{n} = {c}" for n, c in enumerate(ours, start=1))
    assert message(path, instrument, communities=others) == (
        f"{path}: record 序号={simulated['respondent_id'].iloc[0]}, column '8、您所在的社区：': answer "
        f"'{ours.index(first) + 1}' (labelled '{first}') is not one of the answer options (芜湖路社区, 望湖社区). "
        f"Fix: expected a code labelled with one of them; the file labels {labels}; check that the export is "
        "this street's (streets.<id>.raw_export) and that the instrument's options (for communities: "
        "streets.<id>.communities) are worded as on the questionnaire as fielded; or set ingest.out_of_scale: "
        "missing to count such answers as missing."
    )


def test_an_unlabelled_code_lists_the_codes_with_their_labels(tmp_path, simulated, instrument):
    import pyreadstat

    path = write(tmp_path, simulated, instrument, "spss_sav", "w.sav")
    frame, meta = pyreadstat.read_sav(str(path))
    name = next(n for n, label in meta.column_names_to_labels.items() if label == "8、您所在的社区：")
    frame.loc[2, name] = 9.0
    pyreadstat.write_sav(frame, str(path), column_labels=meta.column_names_to_labels,
                         variable_value_labels=meta.variable_value_labels)  # fmt: skip
    labels = ", ".join(f"{n} = {c['zh']}" for n, c in enumerate(DEFAULT_STREET["communities"], start=1))
    assert message(path, instrument) == (
        f"{path}: record 序号={simulated['respondent_id'].iloc[2]}, column '8、您所在的社区：': answer '9' is not "
        f"one of the answer options. Fix: expected one of: {labels}; or '(空)' for no answer; or set "
        "ingest.out_of_scale: missing to count such answers as missing."
    )
