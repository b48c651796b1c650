"""Exports as people really hand them in (issue 16, items 3, 7, 8, 9 and 12): Excel date serials,
impossible dates, Big5 text, a missing 序号, the data on a second sheet, semicolon or tab
delimiters, a folder for a file, SPSS value labels of another street. Each is read correctly or
stops with one line naming the file, the record and column, and the fix."""

import openpyxl
import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.ingest import ingest_export
from govsurvey.synthetic.exports import write_export
from govsurvey.synthetic.population import DEFAULT_STREET, simulate_responses

EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # day 0 of Excel's 1900 date system (past its 1900 leap-year bug)


def quiet(*_):
    pass


@pytest.fixture(scope="module")
def simulated(instrument):
    return simulate_responses(instrument, 12, seed=2, street=DEFAULT_STREET, defect_rates={})


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


def read_csv(path, skip=0):
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
