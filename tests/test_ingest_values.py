"""Answer values at ingest: look-alike characters, missing-value tokens, numeric demographics."""

import pandas as pd
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

