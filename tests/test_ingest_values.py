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
