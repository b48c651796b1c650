"""The mixed-methods synthesis: the readings of each source, the verdict rule, the joint display's
survey and interview facts from hand-made tables with known answers, the evidence order of the
optimisation path, and the recommendation texts as data."""

import math

import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.synthesis.joint import (direct_paths, evidence_rank, interview_facts, interview_reading,
                                       joint_display, optimisation_path, survey_facts, survey_reading, verdict)
from govsurvey.synthesis.recommendations import load_recommendations
from govsurvey.synthesis.stage import outcome_of, synthesis_results


# ---------------------------------------------------------------- the readings and the verdict
@pytest.mark.parametrize("below, above, supported, trails, expected", [
    (True, False, False, None, "weak"),  # below the midpoint: weak whatever else
    (False, True, True, True, "weak"),  # above the midpoint, but it matters and the street trails
    (False, True, False, True, "none"),  # above, but trails a benchmark: neither
    (False, True, True, False, "strong"),  # above and ahead of every benchmark
    (False, True, True, None, "strong"),  # above, no comparison
    (False, False, True, None, "none"),  # at the midpoint, no comparison
    (False, False, False, True, "none"),
])  # fmt: skip
def test_the_survey_reading_follows_the_stated_rule(below, above, supported, trails, expected):
    assert survey_reading(below, above, supported, trails) == expected


@pytest.mark.parametrize("weakness, strength, expected", [
    (3, 0, "weak"), (3, 7, "weak"), (2, 3, "strong"), (2, 2, "none"), (0, 0, "none"),
])  # fmt: skip
def test_the_interview_reading_counts_interviewees_against_the_threshold(weakness, strength, expected):
    assert interview_reading(weakness, strength, 3) == expected


def test_the_verdict_is_the_relation_of_the_two_readings():
    table = {(s, i): verdict(s, i) for s in ("weak", "strong", "none") for i in ("weak", "strong", "none")}
    assert table == {
        ("weak", "weak"): "converges", ("strong", "strong"): "converges", ("none", "none"): "converges",
        ("weak", "strong"): "diverges", ("strong", "weak"): "diverges",
        ("weak", "none"): "complements", ("none", "weak"): "complements",
        ("strong", "none"): "complements", ("none", "strong"): "complements",
    }  # fmt: skip
    assert verdict("weak", None) is None  # no interviews: no verdict


# ---------------------------------------------------------------- survey facts
def _effects(rows):
    """An effects table with total rows (cause, std_all, percentile interval)."""
    return pd.DataFrame([{"cause": c, "outcome": "Y", "kind": "total", "std_all": b, "std_se": 0.05,
                          "std_ci_lower_perc": lo, "std_ci_upper_perc": hi} for c, b, lo, hi in rows])


MIDPOINT = pd.DataFrame({
    "group": "all", "construct": ["A", "B", "C", "P", "Y"], "mean": [3.3, 3.4, 2.9, 2.5, 3.2],
    "midpoint": 3, "p_holm": [0.001, 0.001, 0.30, 0.001, 0.01],
})  # fmt: skip
IPMA = pd.DataFrame({
    "construct": ["A", "A", "B", "B"], "street": ["s", "t", "s", "t"],
    "performance": [55.0, 62.5, 70.0, 60.0], "comparison": "streets",
})  # fmt: skip


def test_survey_facts_read_the_midpoint_the_total_effect_and_the_gap():
    effects = _effects([("A", 0.30, 0.20, 0.40), ("B", 0.25, 0.15, 0.35), ("C", 0.05, -0.02, 0.12)])
    facts = survey_facts(effects, MIDPOINT, "Y", 0.05, IPMA, "s")
    assert facts["A"]["gap"] == pytest.approx(7.5) and facts["A"]["best_street"] == "t"
    assert facts["A"]["priority"] == pytest.approx(0.30 * 7.5)
    assert facts["A"]["reading"] == "weak"  # above the midpoint, but it matters and s trails t
    assert facts["B"]["gap"] == pytest.approx(-10.0) and facts["B"]["reading"] == "strong"  # ahead of t
    assert facts["C"]["supported"] is False and facts["C"]["reading"] == "none"
    assert facts["P"]["below"] and facts["P"]["reading"] == "weak" and math.isnan(facts["P"]["total"])
    without = survey_facts(effects, MIDPOINT, "Y", 0.05)
    assert without["A"]["reading"] == "strong" and without["A"]["priority"] == pytest.approx(0.30)


def test_a_construct_whose_only_route_is_its_direct_path_takes_the_path_as_its_total():
    params = pd.DataFrame({"lhs": ["Y", "Y", "P"], "op": "~", "rhs": ["P", "A", "A"],
                           "std_all": [0.40, 0.10, 0.50], "std_all_se": [0.05, 0.05, 0.05]})
    boot = pd.DataFrame({"lhs": ["Y"], "op": ["~"], "rhs": ["P"], "ci_of": ["std_all"],
                         "ci_lower_perc": [0.31], "ci_upper_perc": [0.49]})
    effects = _effects([("A", 0.30, 0.20, 0.40)])  # A has indirect routes: its total row stays
    facts = survey_facts(effects, MIDPOINT, "Y", 0.05, direct=direct_paths(params, "Y", boot))
    assert (facts["P"]["total"], facts["P"]["total_lo"], facts["P"]["total_hi"]) == (0.40, 0.31, 0.49)
    assert facts["A"]["total"] == 0.30
    delta = survey_facts(effects, MIDPOINT, "Y", 0.05, direct=direct_paths(params, "Y"))  # no bootstrap
    assert delta["P"]["total_lo"] == pytest.approx(0.40 - 1.959963984540054 * 0.05)


# ---------------------------------------------------------------- interview facts
EVIDENCE = pd.DataFrame([
    ("A", "A_bad", "weakness", 4, 2, "T1, T2"), ("A", "A_worse", "weakness", 3, 2, "T2, T3"),
    ("A", "A_good", "strength", 5, 3, "T4, T5, T6"), ("B", "B_works", "strength", 6, 3, "T1, T2, T3"),
    ("B", "B_topic", "neutral", 2, 2, "T4, T5"), ("C", "C_said", "neutral", 1, 1, "T1"),
], columns=["construct", "code", "stance", "passages", "interviewees", "interviewee_codes"]).assign(
    name_zh="名", name_en="name")  # fmt: skip
QUOTES = pd.DataFrame({"code": ["A_bad", "A_worse", "A_good", "B_works", "B_topic"], "rank": 1,
                       "quote": ["坏", "更坏", "好", "行", "议"], "cite_zh": "c", "cite_en": "c"})


def test_interview_facts_count_each_interviewee_once_across_a_stances_codes():
    facts = interview_facts(EVIDENCE, QUOTES, 3)
    assert (facts["A"]["weakness"], facts["A"]["strength"], facts["A"]["interviewees"]) == (3, 3, 6)
    assert facts["A"]["reading"] == "weak"  # T1, T2, T3: three, though each code has two
    assert facts["A"]["quote"]["quote"] == "坏"  # a weakness code's quote (the first of the most-spoken)
    assert facts["B"]["reading"] == "strong" and facts["B"]["quote"]["quote"] == "行"
    assert facts["C"]["reading"] == "none"
    assert interview_facts(EVIDENCE, QUOTES, 4)["A"]["reading"] == "none"


def test_without_interviews_the_display_has_no_verdict(instrument):
    codes = [c for c in instrument.constructs]
    effects = pd.DataFrame({"cause": codes[:2], "outcome": "GS", "kind": "total", "std_all": [0.3, 0.2],
                            "std_se": 0.05, "std_ci_lower_perc": [0.2, 0.1], "std_ci_upper_perc": [0.4, 0.3]})
    midpoint = pd.DataFrame({"group": "all", "construct": codes, "mean": 2.5, "midpoint": 3, "p_holm": 0.001})
    joint = joint_display(instrument, "GS", survey_facts(effects, midpoint, "GS", 0.05))
    assert list(joint["construct"]) == [c for c in codes if c != "GS"]
    assert joint["verdict"].isna().all() and joint["interview_reading"].isna().all()


# ---------------------------------------------------------------- the optimisation path
def _joint(rows):
    return pd.DataFrame([{"construct": c, "supported": s, "survey_reading": sr, "interview_reading": ir,
                          "verdict": verdict(sr, ir), "priority": p, "total": t} for c, s, sr, ir, p, t in rows])


def test_the_path_is_ordered_by_evidence_then_priority():
    joint = _joint([
        ("D", True, "weak", "strong", 9.0, 0.5),  # diverges: last, whatever its priority
        ("C", True, "weak", "none", 5.0, 0.3),  # one source weak
        ("A", True, "weak", "weak", 1.0, 0.2),  # both weak: first
        ("B", True, "weak", "weak", 2.0, 0.1),  # both weak, higher priority than A
        ("S", True, "strong", "strong", 8.0, 0.4),  # no source weak: not singled out
        ("N", False, "weak", "weak", 9.0, 0.05),  # its total is not significant: not a candidate
        ("X", True, "weak", "weak", 9.0, 0.6),  # no recommendation text
    ])  # fmt: skip
    recommended, others = optimisation_path(joint, {"A", "B", "C", "D", "S", "N"})
    assert list(recommended["construct"]) == ["B", "A", "C", "D"]
    assert list(recommended["rank"]) == [1, 2, 3, 4] and list(recommended["evidence"]) == [1, 1, 2, 3]
    assert list(others["construct"]) == ["S"]


def test_evidence_rank_without_interviews_rests_on_the_survey():
    row = {"survey_reading": "weak", "interview_reading": None, "verdict": None}
    assert evidence_rank(row) == 2
    assert evidence_rank({**row, "survey_reading": "none"}) is None


# ---------------------------------------------------------------- recommendations as data
def test_recommendations_come_from_the_file_then_the_instruments_implications(instrument, tmp_path):
    path = tmp_path / "recommendations.yaml"
    path.write_text("recommendations:\n  OB:\n    title: {zh: 标题, en: Title}\n    text: {zh: 做法, en: Do}\n"
                    "    dimension: leadership\n", encoding="utf-8")
    found = load_recommendations(path, instrument, "GS")
    assert found["OB"].title == {"zh": "标题", "en": "Title"} and found["OB"].dimension == "leadership"
    implied = {c for c, k in instrument.constructs.items() if k.implication}
    assert set(found) == implied | {"OB"}
    assert found["IN"].title is None and found["IN"].text == instrument.constructs["IN"].implication


@pytest.mark.parametrize("key, message", [("XX", "XX is not a construct"), ("GS", "GS is the model's outcome")])
def test_a_recommendation_for_an_unknown_construct_or_the_outcome_is_named(instrument, tmp_path, key, message):
    path = tmp_path / "recommendations.yaml"
    path.write_text(f"recommendations:\n  {key}:\n    title: {{zh: 标题, en: T}}\n    text: {{zh: 做, en: D}}\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=message) as error:
        load_recommendations(path, instrument, "GS")
    assert str(path) in str(error.value) and f"recommendations/{key}" in str(error.value)


def test_the_stage_writes_every_recommendation_with_its_standing(instrument):
    codes = ["IN", "OB", "MS", "PM"]
    effects = pd.DataFrame({"cause": codes, "outcome": "GS", "kind": "total", "std_all": [0.3, 0.2, 0.1, 0.02],
                            "std_se": 0.05, "std_ci_lower_perc": [0.2, 0.1, 0.05, -0.03],
                            "std_ci_upper_perc": [0.4, 0.3, 0.15, 0.07]})  # PM's interval includes zero
    midpoint = pd.DataFrame({"group": "all", "construct": codes + ["GS"], "mean": [2.5, 2.6, 3.5, 2.4, 3.0],
                             "midpoint": 3, "p_holm": 0.001})
    out = synthesis_results(instrument, effects, midpoint, 0.05, log=lambda m: None)
    assert out["summary"]["outcome"] == outcome_of(instrument, effects) == "GS"
    table = out["optimisation"]
    assert list(table["construct"]) == ["IN", "OB", "MS", "PM"]
    assert list(table["recommended"]) == [True, True, False, False]  # MS lies above the midpoint
    assert list(table["supported"]) == [True, True, True, False]
    assert table["from_instrument"].all()  # no recommendations file: the instrument's implications


def test_a_quotation_inside_quotation_marks_has_its_own_quotes_made_single():
    from govsurvey.report.interviews import nested_quotes

    assert nested_quotes("就成了“两张皮”") == "就成了‘两张皮’"
    assert nested_quotes('a "so-called" plan') == "a ‘so-called’ plan"
    assert nested_quotes("无引号") == "无引号"
