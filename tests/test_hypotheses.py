"""Hypotheses generated from the model, changed by the theory file, tested against the fit, and
the chapter's summary table of their tests."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from govsurvey.errors import InputError
from govsurvey.report.context import Chapter
from govsurvey.report.hypotheses import hypothesis_text, summary_table, summary_text, theory_text
from govsurvey.sem import fit_sem
from govsurvey.sem.hypotheses import hypothesis_tests
from govsurvey.study import load_instrument, parse_model, read_model
from govsurvey.study.hypotheses import Theory, indirect_route, load_theory, study_hypotheses

ROOT = Path(__file__).resolve().parents[1]
MODEL = read_model(ROOT / "data/models/governance.lavaan")
THEORY = ROOT / "data/theory/party_building_governance.yaml"
LIBRARY = load_instrument(ROOT / "tests/data/library_study/instrument.yaml")
# The library study with a structural part: collection -> service -> space.
CHAIN = """
SQ =~ SQ1 + SQ2 + SQ3 + SQ4
CL =~ CL1 + CL2 + CL3 + CL4
SP =~ SP1 + SP2 + SP3 + SP4
CL ~ a*SQ
SP ~ b*CL
ind_SQ_CL_SP := a*b
"""


def test_one_hypothesis_per_path_and_per_indirect_effect_in_model_order(instrument):
    found = study_hypotheses(MODEL, instrument)
    paths = [h for h in found if h.kind == "path"]
    indirect = [h for h in found if h.kind == "indirect"]
    assert [h.target for h in paths] == [f"{o} ~ {p}" for o, p in MODEL.regressions]
    assert [h.id for h in found] == [f"H{k}" for k in range(1, 18)]
    # the total effect (a sum) is no indirect effect: seven products of paths, not eight definitions
    assert len(indirect) == 7 and len(MODEL.definitions) == 8
    assert indirect[0].route == ("OB", "PL", "GS") and indirect[0].mediators == ("PL",)
    assert all(h.sign == 1 for h in found)


def test_the_route_of_an_indirect_effect_follows_its_labels_whatever_their_order():
    model = parse_model(CHAIN.replace("a*b", "b*a"))
    assert indirect_route("b*a", model, {"SQ", "CL", "SP"}) == ("SQ", "CL", "SP")
    assert indirect_route("a + b", model, {"SQ", "CL", "SP"}) is None  # not a product
    assert indirect_route("a*a", model, {"SQ", "CL", "SP"}) is None


def test_the_theory_file_renumbers_rewords_reverses_and_drops(instrument, tmp_path):
    theory = load_theory(THEORY)
    assert [t["name"]["en"] for t in theory.theories] == ["Community governance theory", "Collaborative governance theory"]
    found = study_hypotheses(MODEL, instrument, theory)
    assert [h.id for h in found][:3] == ["H1a", "H1b", "H2a"] and found[-1].id == "H5g"
    path = tmp_path / "theory.yaml"
    path.write_text(yaml.safe_dump({"hypotheses": [
        {"path": "PL ~ OB", "sign": "-", "text": {"zh": "自拟表述。", "en": "Own wording."}},
        {"path": "PL~IN", "drop": True},
    ]}, allow_unicode=True), encoding="utf-8")
    found = study_hypotheses(MODEL, instrument, load_theory(path))
    assert len(found) == 16 and found[0].sign == -1 and found[0].text["en"] == "Own wording."
    assert "PL ~ IN" not in [h.target for h in found]
    # the indirect effect through the reversed path takes its sign
    assert next(h for h in found if h.target == "ind_OB_PL_GS").sign == -1
    assert next(h for h in found if h.target == "ind_PM_PW_GS").sign == 1


@pytest.mark.parametrize("entries, message", [
    ([{"path": "GS ~ OB"}], "GS ~ OB matches no path"),
    ([{"effect": "total_PL_GS"}], "total_PL_GS matches no path"),
    ([{"path": "PL ~ OB", "id": "H1"}, {"path": "PL ~ IN", "id": "H1"}], "H1 is used twice"),
    ([{"path": "PL ~ OB"}, {"path": "PL ~OB"}], "two hypothesis entries for PL ~ OB"),
])  # fmt: skip
def test_a_wrong_theory_entry_is_an_error_naming_it(instrument, tmp_path, entries, message):
    path = tmp_path / "theory.yaml"
    path.write_text(yaml.safe_dump({"hypotheses": entries}), encoding="utf-8")
    with pytest.raises(InputError, match=message) as error:
        study_hypotheses(MODEL, instrument, load_theory(path))
    assert str(path) in str(error.value)


def test_an_unknown_key_in_the_theory_file_is_an_error(tmp_path):
    path = tmp_path / "theory.yaml"
    path.write_text("hypotheses:\n  - {path: PL ~ OB, direction: up}\n", encoding="utf-8")
    with pytest.raises(InputError, match="direction"):
        load_theory(path)


def test_generated_wording_reads_in_both_languages(instrument):
    found = study_hypotheses(MODEL, instrument)
    settings = {"alpha": 0.05, "bootstrap": {"draws": 0, "level": 0.95}}
    en = Chapter(instrument, MODEL, {}, settings, "en", None)
    zh = Chapter(instrument, MODEL, {}, settings, "zh", None)
    assert hypothesis_text(en, found[0]) == ("Strength of grassroots Party organisation building (OB) has a positive "
                                             "effect on \"leading goose\" role of the grassroots Party "
                                             "organisation (PL).")
    assert hypothesis_text(en, found[3]).startswith('"Leading goose" role of the grassroots Party organisation (PL) has')
    assert hypothesis_text(zh, found[0]) == "基层党组织建设力度（OB）对基层党组织“领头雁”作用（PL）具有正向影响。"
    assert hypothesis_text(zh, found[10]) == ("基层党组织建设力度（OB）通过基层党组织“领头雁”作用（PL）对"
                                              "社区治理成效与满意度（GS）产生正向间接影响。")
    text = theory_text(zh, load_theory(THEORY), found)
    assert "**社区治理理论**" in text and "**H1**：" in text and "@fig-conceptual" in text


def _chain_data(b, n=600, seed=1):
    """Continuous answers from SQ -> CL -> SP with CL ~ 0.5 SQ and SP ~ b CL (standardized)."""
    rng = np.random.default_rng(seed)
    sq = rng.standard_normal(n)
    cl = 0.5 * sq + np.sqrt(1 - 0.25) * rng.standard_normal(n)
    sp = b * cl + np.sqrt(1 - b**2) * rng.standard_normal(n)
    data = {}
    for code, factor in (("SQ", sq), ("CL", cl), ("SP", sp)):
        for k in range(1, 5):
            data[f"{code}{k}"] = 4 + 0.8 * factor + 0.6 * rng.standard_normal(n)
    return pd.DataFrame(data)


@pytest.mark.parametrize("language, yes, no", [("en", "Supported", "Not supported"), ("zh", "支持", "不支持")])
def test_a_reversed_path_turns_its_hypothesis_from_supported_to_not_supported(language, yes, no):
    model = parse_model(CHAIN)
    hypotheses = study_hypotheses(model, LIBRARY)
    assert [h.id for h in hypotheses] == ["H1", "H2", "H3"]
    settings = {"alpha": 0.05, "bootstrap": {"draws": 0, "level": 0.95}}
    chapter = Chapter(LIBRARY, model, {}, settings, language, None)
    verdicts = {}
    for b in (0.5, -0.5):
        fit = fit_sem(model, _chain_data(b))
        tests = hypothesis_tests(hypotheses, fit.params, None, alpha=0.05)
        row = tests.set_index("id").loc["H2"]
        assert np.sign(row["estimate"]) == np.sign(b) and abs(row["estimate"] - b) < 0.1  # recovered
        table = summary_table(chapter, tests)
        verdicts[b] = {line.split("|")[1].strip(): line.split("|")[6].strip()
                       for line in table.splitlines()[2:] if line.startswith("| H")}
        assert summary_text(chapter, tests)  # the rule and the count are stated
    assert verdicts[0.5] == {"H1": yes, "H2": yes, "H3": yes}
    assert verdicts[-0.5] == {"H1": yes, "H2": no, "H3": no}


def test_indirect_effects_are_judged_by_their_bootstrap_interval():
    model = parse_model(CHAIN)
    hypotheses = study_hypotheses(model, LIBRARY)
    params = fit_sem(model, _chain_data(0.5)).params
    indirect = params[params["op"] == ":="].iloc[0]
    # a bootstrap interval that straddles zero overrides a small delta-method p
    boot = pd.DataFrame([{"lhs": indirect["lhs"], "op": ":=", "rhs": indirect["rhs"], "ci_lower_perc": -0.01,
                          "ci_upper_perc": 0.4}])
    tests = hypothesis_tests(hypotheses, params, boot).set_index("id")
    assert indirect["pvalue"] < 0.001 and not tests.loc["H3", "supported"]
    assert tests.loc["H3", "ci_method"] == "bootstrap_percentile" and tests.loc["H2", "ci_method"] == "delta"


def test_a_cfa_has_no_hypotheses():
    assert study_hypotheses(parse_model((ROOT / "tests/data/library_study/model.lavaan").read_text()), LIBRARY,
                            Theory([], [])) == []
