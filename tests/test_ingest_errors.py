"""Bad input: each case gives one line naming the file and the fix (exact messages), no traceback."""

import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.synthetic.exports import write_export
from govsurvey.ingest import ingest_export
from govsurvey.synthetic.population import DEFAULT_STREET
from conftest import quiet

REEXPORT = "Fix: export it again from the survey platform"


def write(tmp_path, simulated, instrument, name="wenjuanxing_text_xlsx", file="export.xlsx"):
    return write_export(simulated, instrument, tmp_path / file, name).path


def message(path, instrument, **street):
    with pytest.raises(InputError) as error:
        ingest_export(path, instrument, {**DEFAULT_STREET, **street}, "salt", log=quiet)
    text = str(error.value)
    assert "\n" not in text
    return text


def test_truncated_xlsx(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert message(path, instrument) == f"{path}: not a readable xlsx file (corrupt or truncated). {REEXPORT} as xlsx."


def test_corrupt_xlsx_inside_a_valid_zip(tmp_path, simulated, instrument):
    import zipfile

    good = write(tmp_path, simulated, instrument)
    path = tmp_path / "corrupt.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            target.writestr(entry, data[: len(data) // 2] if "sheet1" in entry.filename else data)
    assert message(path, instrument) == f"{path}: not a readable xlsx file (corrupt or truncated). {REEXPORT} as xlsx."


def test_empty_file(tmp_path, instrument):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert message(path, instrument) == f"{path}: the file is empty. {REEXPORT}."


def test_blank_csv_has_no_rows(tmp_path, instrument):
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\n\n")
    assert (
        message(path, instrument) == f"{path}: the file has no rows, not even a header. Fix: export the survey again."
    )


@pytest.mark.parametrize("name, file", [("wenjuanxing_text_xlsx", "h.xlsx"), ("wenjuanxing_text_utf8bom_csv", "h.csv")])
def test_header_only_file(tmp_path, simulated, instrument, name, file):
    path = write(tmp_path, simulated.iloc[:0], instrument, name, file)
    assert message(path, instrument) == (
        f"{path}: the export has a header row but no responses. Fix: export again after data collection."
    )


def test_utf16_text(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument, "wenjuanxing_text_utf8_csv", "u16.csv")
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    assert message(path, instrument) == (
        f"{path}: the text is UTF-16, which is not supported. Fix: save it as 'CSV UTF-8' or as xlsx."
    )


def test_undecodable_text(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument, "wenjuanxing_text_utf8_csv", "bad.csv")
    data = path.read_bytes()
    at = data.index(b"\n") + 1  # start of the first record
    path.write_bytes(data[:at] + b"\xff\xfe\xff" + data[at:])
    assert message(path, instrument) == (
        f"{path}: the text is not UTF-8, GBK or GB18030 (undecodable byte 0xff at offset {at}). "
        "Fix: save it as 'CSV UTF-8' (or export it as xlsx) and run again."
    )


def test_declared_encoding_that_the_bytes_contradict(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument, "wenjuanxing_text_utf8_csv", "utf8.csv")
    assert message(path, instrument, encoding="gbk") == (
        f"{path}: config says encoding gbk, but the file is utf-8. Fix: set streets.<id>.encoding to auto (or utf-8)."
    )


def test_csv_cut_off_mid_row(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument, "wenjuanxing_text_utf8_csv", "cut.csv")
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex(",", 0, len(text) - 200)], encoding="utf-8")
    lines = path.read_text(encoding="utf-8").count("\n") + 1
    assert message(path, instrument) == (
        f"{path}: line {lines} has fewer fields than the header: the file looks cut off or edited. {REEXPORT} as csv."
    )


def _sheet(path):
    return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")


def test_duplicated_headers(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument)
    frame = _sheet(path)
    frame.insert(8, "dup", frame.iloc[:, 6])
    frame.to_excel(path, index=False)
    book = openpyxl.load_workbook(path)
    book.active.cell(row=1, column=9, value=frame.columns[6])
    book.save(path)
    assert message(path, instrument) == (
        f"{path}: duplicated column header '{frame.columns[6]}' (columns G and I). Fix: remove or rename the repeated column."
    )


def test_merged_header_cells(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument)
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("H1:J1")
    book.save(path)
    assert message(path, instrument) == (
        f"{path}: header cells are empty or merged in column(s) I, J. Fix: unmerge the header cells so that every "
        "column has its own header (as the platform exports it)."
    )


def test_file_of_another_survey(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument)
    frame = _sheet(path)
    frame.columns = [c if i < 6 else f"{i}、另一份问卷的第{i}题" for i, c in enumerate(frame.columns)]
    frame.to_excel(path, index=False)
    assert message(path, instrument) == (
        f"{path}: none of the instrument's 33 questions matches a column: this looks like an export of another "
        "survey (instrument 'party_building_governance'). Fix: check streets.<id>.raw_export and study.instrument "
        "in config.yaml, or map the columns in streets.<id>.column_map."
    )


def test_file_of_no_known_layout(tmp_path, instrument):
    path = tmp_path / "other.csv"
    path.write_text("name,score\nA,1\n", encoding="utf-8")
    assert message(path, instrument) == (
        f"{path}: the header matches no supported export layout (Wenjuanxing, Tencent, Qualtrics, SPSS). "
        "Fix: export the survey from its platform unchanged, name the columns by the instrument's codes "
        "(PL1, gender), or set streets.<id>.format: generic with a streets.<id>.column_map."
    )


def test_missing_item_names_it_and_its_near_miss(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument, "wenjuanxing_text_utf8_csv", "m.csv")
    text = path.read_text(encoding="utf-8").replace("楼栋或网格建有党小组或党员中心户", "楼栋建有党小组")
    path.write_text(text, encoding="utf-8")
    assert message(path, instrument) == (
        f"{path}: the export has no column for IN3 (near misses: '楼栋建有党小组' ~ IN3: 楼栋或网格建有党小组或党员中心户). "
        "Fix: check that this is an export of the instrument's questionnaire, fix the wording in the instrument, "
        "map the column in streets.<id>.column_map, or list the codes in streets.<id>.items_absent when this "
        "street's export does not carry them."
    )


@pytest.mark.parametrize(
    "name, declared, seen",
    [
        ("wenjuanxing_text_xlsx", "qualtrics", "a Wenjuanxing export"),
        ("qualtrics_csv", "tencent", "a Qualtrics (three header rows) export"),
        ("spss_sav", "wenjuanxing_text", "a SPSS .sav export"),
    ],
)
def test_declared_format_that_the_file_contradicts(tmp_path, simulated, instrument, name, declared, seen):
    path = write(
        tmp_path, simulated, instrument, name, f"f.{ {'spss_sav': 'sav', 'qualtrics_csv': 'csv'}.get(name, 'xlsx') }"
    )
    assert message(path, instrument, format=declared) == (
        f"{path}: config says format {declared}, but the file looks like {seen}. "
        "Fix: set streets.<id>.format to auto (or to the file's real format)."
    )


def test_text_declared_for_a_code_export(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument, "wenjuanxing_code_csv", "code.csv")
    assert message(path, instrument, format="wenjuanxing_text") == (
        f"{path}: config says format wenjuanxing_text, but the answers are option numbers (a 按序号 export). "
        "Fix: set streets.<id>.format to auto (or wenjuanxing_code)."
    )


def test_code_out_of_scale_names_record_and_column(tmp_path, simulated, instrument):
    export = write_export(simulated, instrument, tmp_path / "code.csv", "wenjuanxing_code_csv")
    path = export.path
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    column = frame.columns[20]
    frame.loc[3, column] = "7"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    assert message(path, instrument, code_map=export.code_map) == (
        f"{path}: record 序号={frame.loc[3, '序号']}, column '{column}': answer '7' is not one of the scale labels. "
        "Fix: expected one of: 1, 2, 3, 4, 5; or '(空)' for no answer; or set ingest.out_of_scale: missing to "
        "count such answers as missing."
    )


def test_column_map_naming_an_absent_column(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument, "generic_csv", "g.csv")
    assert message(path, instrument, column_map={"q_in9": "IN1"}) == (
        f"{path}: streets.<id>.column_map names column 'q_in9', which is not in the file (closest: 'q_in4', "
        "'q_in3', 'q_in2'). Fix: fix the column name in streets.<id>.column_map."
    )


def test_legacy_xls(tmp_path, instrument):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert message(path, instrument) == (
        f"{path}: an old-style .xls workbook, which is not supported. Fix: open it and save it as .xlsx."
    )


def test_a_script_shows_the_message_without_traceback(tmp_path):
    code = (
        "from govsurvey.errors import InputError, reported_errors\n"
        "with reported_errors():\n"
        "    raise InputError('data/x.xlsx', 'the file is empty.', 'export it again.')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr == "ERROR: data/x.xlsx: the file is empty. Fix: export it again.\n"


def test_two_columns_for_one_question(tmp_path, simulated, instrument):
    path = write(tmp_path, simulated, instrument, "wenjuanxing_text_utf8_csv", "two.csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    education = next(c for c in frame.columns if "学历" in c)
    frame["Education"] = frame[education]
    frame.to_csv(path, index=False)
    assert message(path, instrument) == (
        f"{path}: columns '{education}' and 'Education' both match education. "
        "Fix: remove one of them, or map them explicitly in streets.<id>.column_map."
    )
