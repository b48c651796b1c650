"""The chapter's generated sentences hold for the numbers beside them (issue 15): p values keep
their relation, size words follow the printed coefficient, every construct below a threshold is
named, the opening follows where the constructs stand against the midpoint, the limitations come
from the fieldwork facts; and the proofreading rules find the faults a Chinese reader found."""

import json

import pandas as pd
import pytest

from conftest import ROOT
from govsurvey.report import proofread
from govsurvey.report.context import Chapter
from govsurvey.report.design import standing_text
from govsurvey.report.discussion import limitations_text, size_word
from govsurvey.report.measurement import reliability_table, reliability_text
from govsurvey.report.variables import _fit_values
from govsurvey.study.model import read_model

MODEL = read_model(ROOT / "data" / "models" / "governance.lavaan")


class StubChapter(Chapter):
    """A chapter whose result files are given as frames and dicts."""

    def __init__(self, instrument, language, tables=None, jsons=None, street=None, settings=None):
        super().__init__(instrument, MODEL, street or {"name": {"zh": "L街道", "en": "L Street"}},
                         {"alpha": 0.05, "bootstrap": {"draws": 0, "level": 0.95}, "street_id": "l_street",
                          **(settings or {})}, language, files=None)  # fmt: skip
        self._tables, self._jsons = tables or {}, jsons or {}

    def table(self, stage, name):
        return self._tables[(stage, name)]

    def json(self, stage, name):
        return self._jsons[(stage, name)]


def test_a_fit_p_value_prints_with_its_relation():
    fit = {"chisq": 446.0, "df": 436, "pvalue": 0.36, "chisq_df": 1.02, "cfi": 0.998, "tli": 0.998, "rmsea": 0.007,
           "rmsea_ci_lower": 0.0, "rmsea_ci_upper": 0.018, "srmr": 0.031}
    from govsurvey.sem.indices import fit_table

    assert _fit_values(fit_table(fit))["p"] == "= .360"
    assert _fit_values(fit_table({**fit, "pvalue": 1e-9}))["p"] == "< .001"


@pytest.mark.parametrize("beta, printed, word", [(0.29527, ".30", "medium"), (0.2949, ".29", "small"),
                                                 (0.4951, ".50", "large"), (-0.31, "−.31", "medium"),
                                                 (0.095, ".10", "small"), (0.0949, ".09", "negligible")])
def test_the_size_word_follows_the_printed_coefficient(beta, printed, word):
    from govsurvey.formatting import apa_number

    assert apa_number(beta) == printed and size_word(beta) == word


def _reliability(ave_in=0.481, ave_ri=0.485, alpha_pm=0.854):
    codes = ["IN", "OB", "MS", "PM", "PL", "PW", "RI", "GS"]
    frame = pd.DataFrame({"construct": codes, "n_items": 4, "alpha": [0.782, 0.797, 0.825, alpha_pm, 0.825, 0.822, 0.788, 0.844],
                          "alpha_ci_lower": 0.7, "alpha_ci_upper": 0.9, "omega": 0.8, "cr": 0.8, "min_loading": 0.6})
    frame["ave_semtools"] = [ave_in, 0.5, 0.543, 0.6, 0.547, 0.543, ave_ri, 0.579]
    frame["ave"] = frame["ave_semtools"]
    return frame


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_construct_below_a_threshold_is_named_in_text_and_table(instrument, language):
    chapter = StubChapter(instrument, language)
    text = reliability_text(chapter, _reliability())
    assert "IN" in text and "RI" in text and ".481" in text and ".485" in text
    assert "OB" not in text.split("0.50")[-1] if language == "zh" else "(OB" not in text  # AVE .500 is not below .50
    table = reliability_table(chapter, _reliability())
    assert table.count("†") == 2 * 2 + 1  # IN and RI in both AVE columns, and the note
    low_alpha = reliability_text(chapter, _reliability(alpha_pm=0.654))
    assert "PM" in low_alpha and ".654" in low_alpha
    clean = reliability_text(chapter, _reliability(ave_in=0.51, ave_ri=0.52))
    assert "IN" not in clean and ("every construct" in clean if language == "en" else "均达到" in clean)


def _midpoint(gs_mean, gs_p):
    rows = [("PL", 2.61, 1e-20), ("PW", 2.62, 1e-20), ("RI", 3.02, 0.6), ("GS", gs_mean, gs_p),
            ("IN", 3.2, 1e-5), ("OB", 3.2, 1e-5), ("MS", 3.2, 1e-5), ("PM", 3.2, 1e-5)]
    return pd.DataFrame([{"construct": c, "mean": m, "midpoint": 3.0, "p_holm": p} for c, m, p in rows])


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_opening_says_which_problems_and_whether_the_outcome_lie_below_the_midpoint(instrument, language):
    params = _params()
    chapter = StubChapter(instrument, language, tables={("sem", "params"): params})
    above = standing_text(chapter, _midpoint(3.27, 1e-10))
    assert "PL" in above and "PW" in above and "RI" in above and "3.27" in above
    if language == "en":
        assert "below the scale midpoint" in above and "does not differ significantly" in above
        assert "above the midpoint" in above and "not low" in above
    else:
        assert "显著低于量表中点" in above and "无显著差异" in above and "显著高于中点" in above
    below = standing_text(chapter, _midpoint(2.7, 1e-6))
    assert ("below the midpoint as well" in below) if language == "en" else ("同样显著低于中点" in below)
    assert "not low" not in below


def _params():
    rows = [("PL", "OB"), ("PL", "IN"), ("PW", "PM"), ("PW", "PL"), ("RI", "MS"), ("RI", "IN"), ("RI", "PL"),
            ("GS", "PL"), ("GS", "PW"), ("GS", "RI")]
    return pd.DataFrame([{"lhs": a, "op": "~", "rhs": b, "est": 0.3, "std_all": 0.3, "pvalue": 0.001} for a, b in rows])


def _limitations_chapter(instrument, language, fieldwork, npar=80, ntotal=441):
    return StubChapter(instrument, language, street={"name": {"zh": "L街道", "en": "L Street"}, "fieldwork": fieldwork},
                       jsons={("clean", "summary"): {"n_raw": 480, "n_excluded": 39, "n_kept": 441},
                              ("sem", "fit"): {"npar": npar, "ntotal": ntotal},
                              ("measure", "harman"): {"first_component_share": 0.266}})  # fmt: skip


def test_limitations_come_from_the_fieldwork_facts(instrument):
    assisted = {"sampling": {"zh": "方便抽样", "en": "Convenience sampling"},
                "assisted_by": {"zh": "网格员", "en": "grid workers"}}
    text = limitations_text(_limitations_chapter(instrument, "en", assisted))
    assert "grid workers" in text and "social desirability" in text
    assert "5.5 cases per free parameter" in text and "(q = 80)" in text and "below the 10:1" in text
    assert "response rate is unknown" in text and "non-probability sample (convenience sampling)" in text
    plain = limitations_text(_limitations_chapter(instrument, "en", {"invited": 600}, npar=20))
    assert "social desirability" not in plain and "480 returned a questionnaire (a response rate of 80.0%)" in plain
    assert "22.1 cases per free parameter" in plain and "meets the 20:1" in plain
    small = limitations_text(_limitations_chapter(instrument, "en", {}, npar=30, ntotal=150))
    assert "fewer than 200" in small
    zh = limitations_text(_limitations_chapter(instrument, "zh", assisted))
    assert "网格员" in zh and "社会赞许性" in zh and "回收率" in zh


# ---- the proofreading rules: each finds its fault and passes the corrected text

@pytest.mark.parametrize("rule, bad, good", [
    ("halfwidth", "PL 对 OB、IN 回归; PW 对 PM 回归", "以OB、IN预测PL；以PM预测PW"),
    ("halfwidth", "芜湖路街道 (n = 388)", "芜湖路街道（n = 388）"),
    ("space", "以 32 个题项测量", "以32个题项测量"),
    ("space", "在 无 上显著更低 10 条", "各构念均未显著低于中点"),
    ("space", "其中直接路径系数为0.33。 在成因通向GS的间接路径中", "其中直接路径系数为0.33。在成因通向GS的间接路径中"),
    ("english", "named in config, confirmed by the file", "在配置中指定，并经文件内容核实"),
    ("quote", "党建与社区管理是”两张皮”", "党建与社区管理是“两张皮”"),
    ("p_relation", "χ²(436) = 446.00，p 0.360", "χ²(436) = 446.00，p = 0.360"),
])
def test_each_rule_finds_its_fault(rule, bad, good):
    found = proofread.proofread_text([("p", bad)], "zh", names={"PL", "OB", "IN", "PW", "PM", "GS"})
    assert rule in {f.rule for f in found}
    assert not proofread.proofread_text([("p", good)], "zh", names={"PL", "OB", "IN", "PW", "PM", "GS"})


def test_a_repeated_sentence_is_found_in_either_language():
    sentence = "Respondents who rate OB higher report higher PL."
    assert {f.rule for f in proofread.proofread_text([("p", sentence + " " + sentence)], "en")} == {"repeated"}
    assert not proofread.proofread_text([("p", sentence)], "en")
    zh = "对OB评价越高的受访者，PL的得分越高。"
    assert {f.rule for f in proofread.proofread_text([("p", zh), ("p", zh)], "zh", {"OB", "PL"})} == {"repeated"}


def test_names_statistics_and_software_are_not_stray_english():
    text = "Cronbach’s α介于0.782与0.854之间，按semTools的compRelSEM计算，KMO = 0.903，Harman单因子检验，见文件src/govsurvey/x.py。"
    assert not proofread.proofread_text([("p", text)], "zh", names={"Cronbach"})


def test_a_table_cell_wrapped_one_character_per_line_is_found(tmp_path, monkeypatch):
    layout = "比较     模型     χ²\n结       形态    1001.61\n论\n新立河社   87   3.20\n区\n"
    monkeypatch.setattr(proofread.subprocess, "run", lambda *a, **k: type("R", (), {"stdout": layout})())
    found = proofread.proofread_pdf_tables(tmp_path / "x.pdf")
    assert [f.rule for f in found] == ["one_character_lines", "one_character_lines"]


def test_the_default_aim_presupposes_nothing_the_data_decide():
    import yaml

    aim = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["study"]["aim"]
    assert "weak" not in aim["en"] and "不足" not in aim["zh"]


def test_the_provenance_rows_use_codes_not_english_notes(instrument):
    from govsurvey.report.tables import provenance

    report = json.loads("""{"file": "x.xlsx", "sha256": "%s", "bytes": 94209, "format": "wenjuanxing_text",
      "format_title": "Wenjuanxing 按文本 (answer text)", "format_chosen": "named in config, confirmed by the file",
      "format_chosen_code": "config_confirmed", "file_type": "xlsx", "reader": "python-calamine 0.9.1",
      "encoding": "xlsx (UTF-8 inside the archive)", "rows": 480, "columns": 49, "record_column": "序号",
      "record_from": "column '序号'", "identifiers_hashed": ["来自IP"], "missing_by_reason": {"not_answered": 49},
      "columns_unmatched": [], "out_of_scale_as_missing": {},
      "columns_dropped_personal": [{"column": "来自IP", "reason": "IP address: kept only as the salted hash ip_hash",
                                    "kind": "hashed", "what": "ip", "hash": "ip_hash"},
                                   {"column": "13、您的姓名", "reason": "personal data (name), marked in the instrument",
                                    "kind": "marked", "what": "name"}]}""" % ("a" * 64))
    zh = provenance(StubChapter(instrument, "zh"), report)
    assert "named in config" not in zh and "not_answered" not in zh and "在配置中指定，并经文件内容核实" in zh
    assert "未作答49个" in zh and "以“序号”列为问卷编号" in zh and "IP地址：仅以加盐哈希值ip_hash保留" in zh
    en = provenance(StubChapter(instrument, "en"), report)
    assert "named in config, confirmed by the file" in en and "not answered: 49" in en
