"""Questions an export does not carry (issue 10, defect 3): attention checks and demographics are
optional and their absence is recorded; items must be there unless the street lists them in
streets.<id>.items_absent. Absent questions are left out of the tidy table."""

import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.ingest import ingest_export
from govsurvey.synthetic.exports import write_export
from govsurvey.synthetic.population import DEFAULT_STREET, simulate_responses


@pytest.fixture(scope="module")
def simulated(instrument):
    return simulate_responses(instrument, 25, seed=31, street=DEFAULT_STREET, defect_rates={})


def export_without(tmp_path, simulated, instrument, *texts, rename=None):
    """A 按文本 csv without the columns whose header contains one of `texts`."""
    path = write_export(simulated, instrument, tmp_path / "export.csv", "wenjuanxing_text_utf8_csv").path
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.drop(columns=[c for c in frame.columns if any(t in c for t in texts)]).rename(columns=rename or {})
    frame.to_csv(path, index=False)
    return path, frame


def ingest(path, instrument, **street):
    lines = []
    table, report = ingest_export(path, instrument, {**DEFAULT_STREET, **street}, "salt", log=lines.append)
    return table, report, lines


def error_of(path, instrument, **street):
    with pytest.raises(InputError) as error:
        ingest(path, instrument, **street)
    return str(error.value)


def test_an_export_without_the_attention_check_is_ingested_and_says_so(tmp_path, simulated, instrument):
    path, frame = export_without(tmp_path, simulated, instrument, "本题请直接选择")
    table, report, lines = ingest(path, instrument)
    assert "AC1" not in table.columns and len(table) == len(frame)
    assert report["columns_absent"] == [{"code": "AC1", "kind": "check", "reason": "no_column"}]
    assert any(line.startswith("ingest: WARNING no column for attention check AC1") for line in lines)
    assert table["IN1"].tolist() == pytest.approx(simulated["IN1"].astype(float).tolist())


def test_an_absent_demographic_is_recorded_with_its_kind(tmp_path, simulated, instrument):
    path, _ = export_without(tmp_path, simulated, instrument, "住房类型", "本题请直接选择")
    table, report, _ = ingest(path, instrument)
    assert "housing" not in table.columns and report["demographics_absent"] == ["housing"]
    assert report["columns_absent"] == [
        {"code": "AC1", "kind": "check", "reason": "no_column"},
        {"code": "housing", "kind": "demographic", "reason": "no_column"},
    ]


def test_items_a_street_lists_as_absent_are_recorded_not_required(tmp_path, simulated, instrument):
    path, _ = export_without(tmp_path, simulated, instrument, "楼栋或网格建有党小组", "本题请直接选择")
    table, report, lines = ingest(path, instrument, items_absent=["IN3", "AC1"])
    assert not {"IN3", "AC1"} & set(table.columns)
    assert report["columns_absent"] == [
        {"code": "IN3", "kind": "item", "reason": "items_absent"},
        {"code": "AC1", "kind": "check", "reason": "items_absent"},
    ]
    assert any("IN3" in line and "streets.<id>.items_absent" in line for line in lines)


def test_an_absent_item_not_listed_is_still_an_error(tmp_path, simulated, instrument):
    path, _ = export_without(tmp_path, simulated, instrument, "楼栋或网格建有党小组")
    assert error_of(path, instrument) == (
        f"{path}: the export has no column for IN3. Fix: check that this is an export of the instrument's "
        "questionnaire, fix the wording in the instrument, map the column in streets.<id>.column_map, or list "
        "the codes in streets.<id>.items_absent when this street's export does not carry them."
    )


def test_an_optional_question_with_a_near_miss_column_is_not_taken_as_absent(tmp_path, simulated, instrument):
    """A reworded header is not an absent question: guessing so would switch the check off unseen."""
    path, frame = export_without(tmp_path, simulated, instrument)
    check = next(c for c in frame.columns if "本题请直接选择" in c)
    frame.rename(columns={check: "本题请直接选择“同意”选项"}).to_csv(path, index=False)
    assert error_of(path, instrument).startswith(
        f"{path}: the export has no column for AC1 (near misses: '本题请直接选择“同意”选项' ~ AC1: "
    )


@pytest.mark.parametrize(
    "absent, problem, fix",
    [
        (["IN_3"], "config.yaml: streets.<id>.items_absent lists 'IN_3', which is no question of the instrument.",
         "use item, attention-check or demographic codes of the instrument (closest: IN3)."),
        (["IN1"], "{path}: streets.<id>.items_absent lists IN1, but the export has a column for it "
         "('9、请根据您的实际感受，对以下关于党建与社区组织的说法表明同意程度—党建活动与解决居民实际问题紧密结合').",
         "remove IN1 from streets.<id>.items_absent."),
    ],
)  # fmt: skip
def test_items_absent_that_disagrees_with_the_instrument_or_the_file_is_an_error(
    tmp_path, simulated, instrument, absent, problem, fix
):
    path, _ = export_without(tmp_path, simulated, instrument)
    assert error_of(path, instrument, items_absent=absent) == f"{problem.format(path=path)} Fix: {fix}"
