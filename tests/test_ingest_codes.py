"""Exports of answer codes (问卷星 按序号, generic, Tencent/Qualtrics numbers): a code is read only
through what the file (SPSS value labels) or the street's config (code_map) says it means (issue 10,
defect 2). Never as the instrument's option position."""

import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.ingest import ingest_export
from govsurvey.ingest.answers import option_key, unstated_codes
from govsurvey.ingest.layouts import LAYOUTS
from govsurvey.synthetic.exports import write_export
from govsurvey.synthetic.population import DEFAULT_STREET, simulate_responses

# The questionnaire as fielded listed these options in another order than the instrument does.
FIELDED = {"gender": ["女", "男"], "political_status": ["中共党员", "共青团员", "群众", "民主党派"]}


def quiet(*_):
    pass


@pytest.fixture(scope="module")
def simulated(instrument):
    return simulate_responses(instrument, 40, seed=23, street=DEFAULT_STREET, defect_rates={"item_nonresponse": 0.1})


def ingest(path, instrument, **street):
    return ingest_export(path, instrument, {**DEFAULT_STREET, **street}, "salt", log=quiet)


def error_of(path, instrument, **street):
    with pytest.raises(InputError) as error:
        ingest(path, instrument, **street)
    assert "\n" not in str(error.value)
    return str(error.value)


def positions(simulated, instrument, code):
    """What the tidy table must hold: the answer's position among the instrument's options."""
    demo = next(d for d in instrument.demographics if d.code == code)
    options = [o["zh"] for o in instrument.demographic_options(demo, DEFAULT_STREET)]
    return [float(options.index(v) + 1) for v in simulated[code]]


@pytest.fixture
def reordered(tmp_path, simulated, instrument):
    """A 按序号 xlsx whose gender and political-status codes follow the fielded order."""
    return write_export(simulated, instrument, tmp_path / "code.xlsx", "wenjuanxing_code_xlsx", fielded_order=FIELDED)


def test_code_export_without_a_code_map_stops_and_says_how_to_state_the_codes(reordered, instrument):
    text = error_of(reordered.path, instrument)
    assert text.startswith(
        f"{reordered.path}: the export carries answer codes whose meaning the file does not state: "
        "column '1、您的性别：' (gender) codes 1, 2; column '2、您的年龄：' (age) codes 1, 2, 3, 4, 5; "
    )
    assert "column '4、您的政治面貌：' (political_status) codes 1, 2, 3, 4; " in text
    assert (
        "Fix: say which option each code stands for on the questionnaire as fielded, in config.yaml: "
        "streets.<id>.code_map: {gender: {1: …, 2: …}, age: {1: …, 2: …, 3: …, 4: …, 5: …}, "
    ) in text
    assert "each … the wording of an option in the instrument (gender: 男, 女; age: 18–30岁, " in text
    assert text.endswith("; or export the answers as text instead of codes (问卷星 按文本, Qualtrics 'Use choice text').")


def test_code_map_decides_what_each_code_means(reordered, simulated, instrument):
    assert reordered.code_map["gender"] == {1: "女", 2: "男"}
    table, report = ingest(reordered.path, instrument, code_map=reordered.code_map)
    for code in ("gender", "political_status", "age", "community"):
        assert table[code].tolist() == positions(simulated, instrument, code)
    assert report["codes_read_as"]["gender"] == "streets.<id>.code_map"
    assert report["codes_read_as"]["IN1"] == "scale points (options numbered 1..k in the scale's order)"


def test_code_map_may_name_options_in_english_and_codes_as_text(reordered, simulated, instrument):
    code_map = dict(reordered.code_map, gender={"1": "Female", "2": "Male"})
    table, _ = ingest(reordered.path, instrument, code_map=code_map)
    assert table["gender"].tolist() == positions(simulated, instrument, "gender")


def test_code_map_overrides_the_scale_order(tmp_path, simulated, instrument):
    """A questionnaire that listed 非常同意 first numbers it 1: the code map says so."""
    export = write_export(simulated, instrument, tmp_path / "code.csv", "wenjuanxing_code_csv")
    frame = pd.read_csv(export.path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    matrix = list(frame.columns[14:47])  # after 6 metadata and 8 demographic columns: the 33 matrix rows
    frame[matrix] = frame[matrix].apply(lambda c: c.map(lambda v: str(6 - int(v)) if v in {"1", "2", "3", "4", "5"} else v))
    frame.to_csv(export.path, index=False, encoding="utf-8-sig")
    scale = {1: "非常同意", 2: "同意", 3: "一般", 4: "不同意", 5: "非常不同意"}
    table, report = ingest(export.path, instrument, code_map={**export.code_map, "scale": scale})
    assert table["IN1"].tolist() == pytest.approx(simulated["IN1"].astype(float).tolist(), nan_ok=True)
    assert report["codes_read_as"]["IN1"] == "streets.<id>.code_map"


def test_a_code_missing_from_the_code_map_is_an_error(reordered, simulated, instrument):
    code_map = dict(reordered.code_map, political_status={1: "中共党员", 2: "共青团员", 3: "群众"})
    record = int(simulated.loc[simulated["political_status"] == "民主党派", "respondent_id"].iloc[0])
    assert error_of(reordered.path, instrument, code_map=code_map) == (
        f"{reordered.path}: record 序号={record}, column '4、您的政治面貌：': answer '4' is not one of the answer options. "
        "Fix: expected one of: 1, 2, 3; or '(空)' for no answer; say what 4 stands for in "
        "streets.<id>.code_map.political_status; or set ingest.out_of_scale: missing to count such answers as missing."
    )


@pytest.mark.parametrize(
    "code_map, problem, fix",
    [
        ({"sex": {1: "男"}}, "streets.<id>.code_map names 'sex', which is no question of the instrument.",
         "use a demographic, item or attention-check code of the instrument, or 'scale' for every item."),
        ({"gender": {1: "男", 2: "F"}}, "streets.<id>.code_map.gender maps 2 to 'F', which is not one of its options "
         "(男, 女, Male, Female).", "use the wording of one of the options in the instrument (zh or en)."),
        ({"gender": {1: "男", 2: "Male"}}, "streets.<id>.code_map.gender maps both 1 and 2 to 男.",
         "give each code its own option."),
        ({"gender": {"a": "男"}}, "streets.<id>.code_map.gender has the code 'a', which is not a whole number.",
         "use the numbers the export holds, e.g. {1: 男, 2: 女}."),
    ],
)  # fmt: skip
def test_a_wrong_code_map_is_an_error_naming_it(reordered, instrument, code_map, problem, fix):
    assert error_of(reordered.path, instrument, code_map=code_map) == f"config.yaml: {problem} Fix: {fix}"


def test_generic_export_of_codes_needs_a_code_map_too(tmp_path, simulated, instrument):
    export = write_export(simulated, instrument, tmp_path / "g.csv", "generic_csv", fielded_order=FIELDED)
    text = error_of(export.path, instrument, column_map=export.column_map)
    assert "the export carries answer codes whose meaning the file does not state: column 'd_gender' (gender)" in text
    table, _ = ingest(export.path, instrument, column_map=export.column_map, code_map=export.code_map)
    assert table["gender"].tolist() == positions(simulated, instrument, "gender")


def test_numbers_in_a_tencent_demographic_column_are_not_taken_as_option_positions(tmp_path, simulated, instrument):
    export = write_export(simulated, instrument, tmp_path / "t.csv", "tencent_csv")
    frame = pd.read_csv(export.path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    gender = next(c for c in frame.columns if "性别" in c)
    frame[gender] = frame[gender].map({"男": "2", "女": "1"})
    frame.to_csv(export.path, index=False, encoding="utf-8-sig")
    assert error_of(export.path, instrument).startswith(
        f"{export.path}: the export carries answer codes whose meaning the file does not state: "
        f"column '{gender}' (gender) codes 1, 2. "
    )
    table, report = ingest(export.path, instrument, code_map={"gender": {1: "女", 2: "男"}})
    assert table["gender"].tolist() == positions(simulated, instrument, "gender")


def test_spss_value_labels_state_the_fielded_order(tmp_path, simulated, instrument):
    export = write_export(simulated, instrument, tmp_path / "s.sav", "spss_sav", fielded_order=FIELDED)
    table, report = ingest(export.path, instrument)
    for code in ("gender", "political_status"):
        assert table[code].tolist() == positions(simulated, instrument, code)
    assert report["codes_read_as"]["gender"] == "value labels in the file"


def test_na_tokens_do_not_hide_a_code_export(tmp_path, simulated, instrument):
    export = write_export(simulated, instrument, tmp_path / "code.csv", "wenjuanxing_code_csv")
    frame = pd.read_csv(export.path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    in1 = next(c for c in frame.columns if "党建活动与解决" in c)
    frame.loc[0, in1] = "NA"
    frame.to_csv(export.path, index=False, encoding="utf-8-sig")
    table, report = ingest(export.path, instrument, code_map=export.code_map)
    assert report["format"] == "wenjuanxing_code" and report["missing_answers"]["IN1"]["missing_token"] == 1
    assert table["IN1"].iloc[1:].tolist() == pytest.approx(simulated["IN1"].iloc[1:].astype(float).tolist(), nan_ok=True)


def test_in_a_code_export_a_number_is_a_code_even_when_an_option_reads_like_it():
    household = option_key([{"zh": "1", "en": "1"}, {"zh": "2", "en": "2"}, {"zh": "3人及以上", "en": "3 or more"}])
    assert unstated_codes(["1", "2", "3", "-2", "NA"], household, LAYOUTS["wenjuanxing_code"], frozenset({"na"})) == [1, 2, 3]
    assert unstated_codes(["1", "2", "3人及以上"], household, LAYOUTS["tencent"], frozenset()) == []
