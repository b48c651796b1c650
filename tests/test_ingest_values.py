"""Answer values at ingest: look-alike characters, missing-value tokens, numeric demographics."""

import pandas as pd
import yaml
import pytest

from govsurvey.errors import InputError
from govsurvey.ingest import ingest_export
from govsurvey.ingest.wording import header_candidates, normalize_text
from govsurvey.synthetic.exports import write_export
from govsurvey.synthetic.population import DEFAULT_STREET, simulate_responses


def quiet(*_):
    pass


@pytest.fixture(scope="module")
def simulated(instrument):
    return simulate_responses(instrument, 30, seed=11, street=DEFAULT_STREET, defect_rates={})


def text_csv(tmp_path, simulated, instrument, name="export.csv"):
    """A Wenjuanxing 按文本 csv and its cells as a frame of text (header = first row)."""
    path = write_export(simulated, instrument, tmp_path / name, "wenjuanxing_text_utf8_csv").path
    return path, pd.read_csv(path, dtype=str, keep_default_na=False)


def column_of(frame, text):
    return next(c for c in frame.columns if text in c)


def ingest(path, instrument, settings=None, **street):
    return ingest_export(path, instrument, {**DEFAULT_STREET, **street}, "salt", settings, log=quiet)


def error_of(path, instrument, settings=None, **street):
    with pytest.raises(InputError) as error:
        ingest(path, instrument, settings, **street)
    assert "\n" not in str(error.value)
    return str(error.value)


# --- look-alike characters (issue 10, defect 4) -------------------------------------------


def test_normalizing_folds_dashes_tildes_dots_quotes_and_invisible_characters():
    dashes = ["51-60岁", "51–60岁", "51—60岁", "51―60岁", "51‒60岁", "51−60岁", "51﹣60岁", "51－60岁", "51‐60岁"]
    assert {normalize_text(d) for d in dashes} == {"51-60岁"}
    assert {normalize_text(t) for t in ["1~3年", "1～3年", "1〜3年", "1〰3年"]} == {"1~3年"}
    assert normalize_text("1~3年") != normalize_text("1-3年")  # a tilde is not a dash: never guessed equal
    assert {normalize_text(d) for d in ["中·外", "中・外", "中•外", "中‧外", "中･外"]} == {"中·外"}
    assert normalize_text("党建与社区管理是«两张皮»") == normalize_text('党建与社区管理是"两张皮"')
    assert normalize_text("男\u200b") == normalize_text("\ufeff男") == "男"  # zero-width space, BOM
    assert header_candidates("9、请评价–楼栋建有党小组")[-1] == "楼栋建有党小组"


def test_answers_and_headers_with_other_dashes_match_the_instrument(tmp_path, simulated, instrument):
    path, frame = text_csv(tmp_path, simulated, instrument)
    age = column_of(frame, "年龄")
    frame[age] = frame[age].str.replace("–", "-")  # 51–60岁 (en dash, instrument) -> 51-60岁 (hyphen)
    assert (frame[age] == "51-60岁").any()
    frame.columns = [c.replace("—", "–") for c in frame.columns]  # matrix stem—row with an en dash
    frame.to_csv(path, index=False)
    table, report = ingest(path, instrument)
    options = [o["zh"] for o in instrument.demographic_options(next(d for d in instrument.demographics if d.code == "age"))]
    assert table["age"].tolist() == [options.index(v) + 1 for v in simulated["age"]]
    assert table["IN1"].tolist() == pytest.approx(simulated["IN1"].astype(float).tolist())
    assert report["columns_unmatched"] == []


def test_unknown_answer_shows_the_code_points_that_differ_from_the_nearest_option(tmp_path, simulated, instrument):
    path, frame = text_csv(tmp_path, simulated, instrument)
    age = column_of(frame, "年龄")
    frame.loc[2, age] = "51~60岁"
    frame.to_csv(path, index=False)
    text = error_of(path, instrument)
    assert text.startswith(
        f"{path}: record 序号={frame.loc[2, '序号']}, column '{age}': answer '51~60岁' is not one of the answer "
        "options ('51~60岁' differs from option '51–60岁' at position 3: U+007E TILDE vs U+2013 EN DASH)."
    )


# --- missing-value tokens (issue 10, defect 5) --------------------------------------------


def test_r_style_na_tokens_count_as_missing_with_their_own_reason(tmp_path, simulated, instrument):
    path, frame = text_csv(tmp_path, simulated, instrument)
    in1, gender = column_of(frame, "党建活动与解决"), column_of(frame, "性别")
    frame.loc[[0, 4, 5], in1] = ["NA", "#N/A", "n/a"]
    frame.loc[1, gender] = "NA"
    frame.to_csv(path, index=False)
    table, report = ingest(path, instrument)
    assert table["IN1"].isna().tolist() == [i in (0, 4, 5) for i in range(len(table))]
    assert pd.isna(table["gender"].iloc[1])
    assert report["missing_answers"]["IN1"] == {"missing_token": 3}
    assert report["missing_answers"]["gender"] == {"missing_token": 1}
    assert report["missing_by_reason"] == {"missing_token": 4}
    assert report["missing_tokens"] == ["NA", "N/A", "#N/A", "NaN", "NULL", "."]
    assert report["out_of_scale_as_missing"] == {} and "n_out_of_range" not in table


def test_a_streets_missing_tokens_replace_the_global_ones(tmp_path, simulated, instrument):
    path, frame = text_csv(tmp_path, simulated, instrument)
    in1 = column_of(frame, "党建活动与解决")
    frame.loc[0, in1], frame.loc[1, in1] = "999", "NA"
    frame.to_csv(path, index=False)
    text = error_of(path, instrument, {"missing_tokens": ["NA"]}, missing_tokens=["999"])
    assert f"column '{in1}': answer 'NA' is not one of the scale labels" in text
    frame.loc[1, in1] = "同意"
    frame.to_csv(path, index=False)
    table, report = ingest(path, instrument, {"missing_tokens": ["NA"]}, missing_tokens=["999"])
    assert report["missing_answers"]["IN1"] == {"missing_token": 1} and report["missing_tokens"] == ["999"]
    assert report["missing_tokens_from"] == "streets.<id>.missing_tokens"


def test_unknown_answer_that_looks_like_a_missing_marker_suggests_missing_tokens(tmp_path, simulated, instrument):
    path, frame = text_csv(tmp_path, simulated, instrument)
    in1 = column_of(frame, "党建活动与解决")
    frame.loc[2, in1] = "-99"
    frame.to_csv(path, index=False)
    assert error_of(path, instrument) == (
        f"{path}: record 序号={frame.loc[2, '序号']}, column '{in1}': answer '-99' is not one of the scale labels; "
        "it looks like a missing-value marker. Fix: if '-99' marks an unanswered question, list it in "
        "ingest.missing_tokens (all streets) or streets.<id>.missing_tokens (this street) in config.yaml; it is then "
        "counted as missing (reason missing_token)."
    )


def test_unknown_text_answer_does_not_suggest_counting_it_as_off_the_scale(tmp_path, simulated, instrument):
    path, frame = text_csv(tmp_path, simulated, instrument)
    in1 = column_of(frame, "党建活动与解决")
    frame.loc[2, in1] = "很同意"
    frame.to_csv(path, index=False)
    assert error_of(path, instrument) == (
        f"{path}: record 序号={frame.loc[2, '序号']}, column '{in1}': answer '很同意' is not one of the scale labels. "
        "Fix: expected one of: 非常不同意, Strongly disagree, 不同意, Disagree, 一般, Neutral, 同意, Agree, 非常同意, "
        "Strongly agree; or '(空)' for no answer; if the questionnaire as fielded worded its options otherwise, "
        "correct the wording in the instrument."
    )


def test_a_missing_token_that_is_also_an_answer_option_is_an_error(tmp_path, simulated, instrument):
    path, _ = text_csv(tmp_path, simulated, instrument)
    assert error_of(path, instrument, {"missing_tokens": ["NA", "一般"]}) == (
        "config.yaml: the missing-value token '一般' is also one of the scale labels, so it would hide real answers. "
        "Fix: remove '一般' from ingest.missing_tokens (or streets.<id>.missing_tokens)."
    )
    assert error_of(path, instrument, missing_tokens=["Tenant"]).startswith(
        "config.yaml: the missing-value token 'Tenant' is also an answer option of tenure, so"
    )



# --- numeric demographics (issue 10, defect 6) --------------------------------------------

NUMERIC_AGE = {
    "code": "age", "zh": "您的年龄", "en": "Age", "kind": "numeric",
    "min": 18, "max": 100, "integer": True, "unit": {"zh": "岁", "en": "years"},
}  # fmt: skip


def instrument_with(tmp_path, replace=None, **age):
    """The default instrument with the age question replaced (numeric by default)."""
    from conftest import INSTRUMENT_PATH

    from govsurvey.study.instrument import load_instrument

    data = yaml.safe_load(INSTRUMENT_PATH.read_text(encoding="utf-8"))
    data["demographics"] = [replace or {**NUMERIC_AGE, **age} if d["code"] == "age" else d for d in data["demographics"]]
    data["demographics"] = [{k: v for k, v in d.items() if v is not None} for d in data["demographics"]]
    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_instrument(path)


@pytest.fixture
def numeric(tmp_path, simulated):
    """(instrument with age in years, responses with ages, some unanswered)."""
    years = pd.Series([18 + (7 * i) % 70 for i in range(len(simulated))], dtype=object)
    years[[3, 8]] = None
    return instrument_with(tmp_path), simulated.assign(age=years.to_numpy())


def test_numeric_demographic_is_stored_as_the_number(tmp_path, numeric):
    instrument, responses = numeric
    path = write_export(responses, instrument, tmp_path / "n.csv", "wenjuanxing_text_utf8_csv").path
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    age = column_of(frame, "年龄")
    frame.loc[0, age], frame.loc[1, age], frame.loc[2, age] = "45岁", " 52 ", "NA"
    frame.to_csv(path, index=False)
    table, report = ingest(path, instrument)
    expected = [45.0, 52.0, float("nan")] + [float("nan") if v is None else float(v) for v in responses["age"][3:]]
    assert table["age"].tolist() == pytest.approx(expected, nan_ok=True) and table["age"].dtype == float
    assert report["missing_answers"]["age"] == {"not_answered": 2, "missing_token": 1}
    assert instrument.demographics[1].kind == "numeric" and instrument.demographics[1].unit["zh"] == "岁"


def test_numeric_demographic_in_a_code_export_needs_no_code_map(tmp_path, numeric):
    instrument, responses = numeric
    export = write_export(responses, instrument, tmp_path / "n.xlsx", "wenjuanxing_code_xlsx")
    assert "age" not in export.code_map
    table, report = ingest(export.path, instrument, code_map=export.code_map)
    assert report["format"] == "wenjuanxing_code"
    assert table["age"].tolist() == pytest.approx([float("nan") if v is None else float(v) for v in responses["age"]], nan_ok=True)


@pytest.mark.parametrize(
    "answer, problem, fix",
    [
        ("forty", "answer 'forty' is not a number (age: a whole number from 18 to 100, in 岁).",
         "write the number, alone or with its unit (45 or 45岁); or '(空)' for no answer; or set "
         "ingest.out_of_scale: missing to count such answers as missing."),
        ("45.5", "answer '45.5' is not a whole number (age: a whole number from 18 to 100, in 岁).",
         "correct the answer in the export, or set integer: false for age in the instrument; or set "
         "ingest.out_of_scale: missing to count such answers as missing."),
        ("150", "answer '150' is outside 18 to 100 (age: a whole number from 18 to 100, in 岁).",
         "correct the answer in the export, or min/max of age in the instrument; or set "
         "ingest.out_of_scale: missing to count such answers as missing."),
        ("13812345678", "answer '<phone numbers: hidden>' is not a number (age: a whole number from 18 to 100, in 岁).",
         "write the number, alone or with its unit (45 or 45岁); or '(空)' for no answer; or set "
         "ingest.out_of_scale: missing to count such answers as missing."),
    ],
)  # fmt: skip
def test_a_numeric_answer_that_is_no_number_or_out_of_range_names_record_and_column(
    tmp_path, numeric, answer, problem, fix
):
    instrument, responses = numeric
    path = write_export(responses, instrument, tmp_path / "n.csv", "wenjuanxing_text_utf8_csv").path
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    age = column_of(frame, "年龄")
    frame.loc[4, age] = answer
    frame.to_csv(path, index=False)
    assert error_of(path, instrument) == f"{path}: record 序号={frame.loc[4, '序号']}, column '{age}': {problem} Fix: {fix}"
    table, report = ingest(path, instrument, {"out_of_scale": "missing"})
    assert pd.isna(table["age"].iloc[4]) and report["out_of_scale_as_missing"] == {"age": 1}
    assert "13812345678" not in table.to_csv()


@pytest.mark.parametrize(
    "age, problem",
    [
        ({"options": [{"zh": "青年", "en": "Young"}, {"zh": "老年", "en": "Old"}]},
         "demographic age is numeric (kind: numeric) but lists options."),
        ({"min": 60, "max": 18}, "demographic age has min 60 above max 18."),
        ({"code": "age", "zh": "您的年龄", "en": "Age", "min": 18,
          "options": [{"zh": "青年", "en": "Young"}, {"zh": "老年", "en": "Old"}]},
         "demographic age has options, so min, max, integer and unit do not apply (they are for kind: numeric)."),
    ],
)  # fmt: skip
def test_an_inconsistent_numeric_demographic_is_an_instrument_error(tmp_path, age, problem):
    replace = age if "code" in age else None
    with pytest.raises(InputError) as error:
        instrument_with(tmp_path, replace, **({} if replace else age))
    assert f"instrument.yaml: {problem}" in str(error.value)


def test_a_code_map_for_a_numeric_demographic_is_an_error(tmp_path, numeric):
    instrument, responses = numeric
    path = write_export(responses, instrument, tmp_path / "n.csv", "wenjuanxing_text_utf8_csv").path
    assert error_of(path, instrument, code_map={"age": {1: "18"}}) == (
        "config.yaml: streets.<id>.code_map names 'age', a numeric question: its answers are numbers, not codes. "
        "Fix: remove age from streets.<id>.code_map."
    )


@pytest.mark.parametrize("name", ["wenjuanxing_text_gbk_csv", "tencent_csv", "qualtrics_csv", "spss_sav", "generic_csv"])
def test_numeric_demographic_reads_alike_from_every_layout(tmp_path, numeric, name):
    instrument, responses = numeric
    suffix = {"spss_sav": ".sav"}.get(name, ".csv")
    export = write_export(responses, instrument, tmp_path / f"n{suffix}", name)
    table, _ = ingest(export.path, instrument, column_map=export.column_map, code_map=export.code_map)
    assert table["age"].tolist() == pytest.approx([float("nan") if v is None else float(v) for v in responses["age"]],
                                                  nan_ok=True)  # fmt: skip
