import openpyxl
import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.ingest import hash_identifier, header_candidates, ingest_wenjuanxing, normalize_text, parse_duration
from govsurvey.simulate import DEFAULT_STREET, simulate_responses, write_wenjuanxing_xlsx


@pytest.fixture(scope="module")
def simulated(instrument):
    return simulate_responses(instrument, 40, seed=7, street=DEFAULT_STREET)


def export(tmp_path, simulated, instrument, style="stem_dash", name="export.xlsx"):
    path = tmp_path / name
    write_wenjuanxing_xlsx(simulated, instrument, path, DEFAULT_STREET, matrix_header_style=style)
    return path


def quiet(*_):
    pass


def test_header_variants_ingest_to_the_same_table(tmp_path, simulated, instrument):
    tables = [
        ingest_wenjuanxing(export(tmp_path, simulated, instrument, style, f"{style}.xlsx"), instrument, DEFAULT_STREET, "s", quiet)[0]
        for style in ("numbered", "stem_dash", "sub")
    ]
    for table in tables[1:]:
        pd.testing.assert_frame_equal(tables[0], table)


def test_ingested_answers_equal_the_simulated_ones(tmp_path, simulated, instrument):
    table, report = ingest_wenjuanxing(export(tmp_path, simulated, instrument), instrument, DEFAULT_STREET, "s", quiet)
    assert len(table) == len(simulated) == report["rows"]
    for code in instrument.item_codes + ["AC1"]:
        assert table[code].tolist() == pytest.approx(simulated[code].astype(float).tolist(), nan_ok=True)
    assert report["columns_unmatched"] == []
    assert len(report["sha256"]) == 64


def test_personal_data_never_passes(tmp_path, simulated, instrument):
    path = export(tmp_path, simulated, instrument)
    table, report = ingest_wenjuanxing(path, instrument, DEFAULT_STREET, "s", quiet)
    raw = pd.read_excel(path, dtype=str)
    personal_columns = [c for c in raw.columns if "IP" in c or "姓名" in c or "电话" in c]
    assert len(personal_columns) == 3
    assert {d["column"] for d in report["columns_dropped_personal"]} == set(personal_columns)
    text = table.to_csv()
    for column in personal_columns:
        for value in raw[column]:
            if value not in ("(空)", "") and pd.notna(value):
                assert value.split("(")[0] not in text


def test_same_ip_gives_same_hash_and_salt_matters():
    assert hash_identifier("1.2.3.4(山东-滨州)", "a") == hash_identifier("1.2.3.4", "a")
    assert hash_identifier("1.2.3.4", "a") != hash_identifier("1.2.3.4", "b")
    assert hash_identifier("(空)".replace("(空)", ""), "a") is None


def test_normalizing_folds_width_numbering_and_quotes():
    assert normalize_text("19、党建与社区管理是“两张皮”") == normalize_text('党建与社区管理是"两张皮"')
    assert normalize_text("１、您的性别：") == "您的性别"
    assert "党员中心户" in header_candidates("9、请评价—楼栋或网格建有党小组或党员中心户")[-1]


def test_durations():
    assert parse_duration("312秒", "f", 1) == 312
    assert parse_duration("5分12秒", "f", 1) == 312
    with pytest.raises(InputError, match="序号=9: completion time 'abc'"):
        parse_duration("abc", "f.xlsx", 9)


def _edit(path, edit):
    book = openpyxl.load_workbook(path)
    edit(book.active)
    book.save(path)


def test_out_of_scale_answer_names_record_and_column(tmp_path, simulated, instrument):
    path = export(tmp_path, simulated, instrument)
    _edit(path, lambda sheet: setattr(sheet.cell(row=3, column=20), "value", "很同意"))
    header = pd.read_excel(path, dtype=str).columns[19]
    with pytest.raises(InputError) as error:
        ingest_wenjuanxing(path, instrument, DEFAULT_STREET, "s", quiet)
    assert f"record 序号={simulated['respondent_id'].iloc[1]}, column '{header}': answer '很同意'" in str(error.value)


def test_missing_item_column_is_named(tmp_path, simulated, instrument):
    path = export(tmp_path, simulated, instrument)
    frame = pd.read_excel(path, dtype=str)
    frame.drop(columns=[c for c in frame.columns if "党员中心户" in c]).to_excel(path, index=False)
    with pytest.raises(InputError, match="no column for IN3"):
        ingest_wenjuanxing(path, instrument, DEFAULT_STREET, "s", quiet)


@pytest.mark.parametrize(
    "content, message",
    [(b"", "the file is empty"), (b"PK\x03\x04 truncated", "not a readable xlsx file")],
)
def test_unreadable_files(tmp_path, instrument, content, message):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        ingest_wenjuanxing(path, instrument, DEFAULT_STREET, "s", quiet)


def test_header_only_file(tmp_path, simulated, instrument):
    path = export(tmp_path, simulated, instrument)
    pd.read_excel(path, dtype=str).iloc[:0].to_excel(path, index=False)
    with pytest.raises(InputError, match="header row but no responses"):
        ingest_wenjuanxing(path, instrument, DEFAULT_STREET, "s", quiet)
