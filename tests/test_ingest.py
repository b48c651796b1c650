import openpyxl
import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.ingest import ingest_export
from govsurvey.ingest.answers import parse_duration
from govsurvey.ingest.privacy import hash_identifier
from govsurvey.ingest.wording import header_candidates, normalize_text
from govsurvey.synthetic.population import DEFAULT_STREET, simulate_responses, write_wenjuanxing_xlsx


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
        ingest_export(
            export(tmp_path, simulated, instrument, style, f"{style}.xlsx"), instrument, DEFAULT_STREET, "s", log=quiet
        )[0]
        for style in ("numbered", "stem_dash", "sub")
    ]
    for table in tables[1:]:
        pd.testing.assert_frame_equal(tables[0], table)


def test_ingested_answers_equal_the_simulated_ones(tmp_path, simulated, instrument):
    table, report = ingest_export(export(tmp_path, simulated, instrument), instrument, DEFAULT_STREET, "s", log=quiet)
    assert len(table) == len(simulated) == report["rows"]
    for code in instrument.item_codes + ["AC1"]:
        assert table[code].tolist() == pytest.approx(simulated[code].astype(float).tolist(), nan_ok=True)
    assert table["record"].tolist() == simulated["respondent_id"].tolist()
    assert table["duration_s"].tolist() == simulated["duration"].tolist()
    assert table["submitted_at"].tolist() == simulated["submitted_at"].dt.strftime("%Y-%m-%d %H:%M:%S").tolist()
    options = [o["zh"] for o in DEFAULT_STREET["communities"]]
    assert table["community"].tolist() == [options.index(c) + 1 for c in simulated["community"]]
    assert report["columns_unmatched"] == [] and report["format"] == "wenjuanxing_text"
    assert report["format_chosen"] == "detected from the file"
    assert len(report["sha256"]) == 64


def test_missing_answers_are_counted_per_column_and_reason(tmp_path, instrument):
    simulated = simulate_responses(
        instrument, 60, seed=3, street=DEFAULT_STREET, defect_rates={"item_nonresponse": 0.2}
    )
    path = export(tmp_path, simulated, instrument, "numbered")
    frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    in1 = next(c for c in frame.columns if "党建活动与解决" in c)
    answered = simulated.index[simulated["IN1"].notna()]
    frame.loc[answered[0], in1], frame.loc[answered[1], in1] = "(跳过)", ""
    frame.to_excel(path, index=False)
    table, report = ingest_export(path, instrument, DEFAULT_STREET, "s", log=quiet)
    expected = {code: int(simulated[code].isna().sum()) for code in instrument.item_codes}
    assert sum(expected.values()) >= 10
    in1_reasons = {"skipped": 1, "blank": 1} | ({"not_answered": expected["IN1"]} if expected["IN1"] else {})
    assert report["missing_answers"]["IN1"] == in1_reasons
    assert {c: v.get("not_answered", 0) for c, v in report["missing_answers"].items() if v.get("not_answered")} == {
        c: n for c, n in expected.items() if n
    }
    assert report["missing_by_reason"] == {"not_answered": sum(expected.values()), "skipped": 1, "blank": 1}
    assert int(table[instrument.item_codes].isna().sum().sum()) == sum(expected.values()) + 2


def test_personal_data_never_passes(tmp_path, simulated, instrument):
    path = export(tmp_path, simulated, instrument)
    table, report = ingest_export(path, instrument, DEFAULT_STREET, "s", log=quiet)
    raw = pd.read_excel(path, dtype=str, engine="openpyxl")
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
    assert hash_identifier("", "a") is None and hash_identifier("(空)", "a") is None


def test_normalizing_folds_width_numbering_and_quotes():
    assert normalize_text("19、党建与社区管理是“两张皮”") == normalize_text('党建与社区管理是"两张皮"')
    assert normalize_text("１、您的性别：") == "您的性别"
    assert normalize_text("第3题：您的 性别") == normalize_text("Q3. 您的性别") == "您的性别"
    assert normalize_text("GENDER") == normalize_text(" gender ")
    assert "党员中心户" in header_candidates("9、请评价—楼栋或网格建有党小组或党员中心户")[-1]


def test_headers_with_spaces_full_width_and_english_wording_match(tmp_path, simulated, instrument):
    path = export(tmp_path, simulated, instrument, "numbered")
    frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    gender = next(c for c in frame.columns if "性别" in c)
    in1 = next(c for c in frame.columns if "党建活动与解决" in c)
    renamed = frame.rename(
        columns={
            gender: "１、 您的  性别：",
            in1: "20. Party-building activities are closely tied to solving residents' real problems.",
        }
    )
    renamed.to_excel(path, index=False)
    table, report = ingest_export(path, instrument, DEFAULT_STREET, "s", log=quiet)
    assert table["IN1"].tolist() == pytest.approx(simulated["IN1"].astype(float).tolist(), nan_ok=True)
    assert report["columns_unmatched"] == []


def test_durations():
    assert parse_duration("312秒", "f", 1) == 312
    assert parse_duration("5分12秒", "f", 1) == 312
    assert parse_duration("00:05:12", "f", 1) == 312
    assert parse_duration("312", "f", 1) == 312
    with pytest.raises(InputError, match="序号=9: completion time 'abc'"):
        parse_duration("abc", "f.xlsx", 9)


def _edit(path, edit):
    book = openpyxl.load_workbook(path)
    edit(book.active)
    book.save(path)


def test_out_of_scale_answer_names_record_and_column(tmp_path, simulated, instrument):
    path = export(tmp_path, simulated, instrument)
    _edit(path, lambda sheet: setattr(sheet.cell(row=3, column=20), "value", "很同意"))
    header = pd.read_excel(path, dtype=str, engine="openpyxl").columns[19]
    with pytest.raises(InputError) as error:
        ingest_export(path, instrument, DEFAULT_STREET, "s", log=quiet)
    assert f"record 序号={simulated['respondent_id'].iloc[1]}, column '{header}': answer '很同意'" in str(error.value)


def test_out_of_scale_answer_counted_as_missing_when_config_says_so(tmp_path, simulated, instrument):
    path = export(tmp_path, simulated, instrument)
    _edit(path, lambda sheet: setattr(sheet.cell(row=3, column=20), "value", "很同意"))
    code = instrument.matrices[0]["rows"][5]  # column 20: the 6th row of the first matrix
    table, report = ingest_export(path, instrument, DEFAULT_STREET, "s", {"out_of_scale": "missing"}, log=quiet)
    assert report["out_of_scale_as_missing"] == {code: 1}
    assert report["missing_answers"][code]["out_of_scale"] == 1
    assert pd.isna(table[code].iloc[1]) and table["n_out_of_range"].tolist() == [0, 1] + [0] * (len(table) - 2)


def test_personal_looking_answers_are_hidden_in_error_messages(tmp_path, simulated, instrument):
    path = export(tmp_path, simulated, instrument)
    _edit(path, lambda sheet: setattr(sheet.cell(row=3, column=20), "value", "13912345678"))
    with pytest.raises(InputError) as error:
        ingest_export(path, instrument, DEFAULT_STREET, "s", log=quiet)
    assert "13912345678" not in str(error.value) and "<phone numbers: hidden>" in str(error.value)
