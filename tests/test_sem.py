"""The SEM engine against lavaan 0.6 reference fixtures (tests/reference/, made by
make_reference.R). No R is needed, except for the optional live check at the end."""

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import semopy

from govsurvey.errors import InputError
from govsurvey.sem import PARAM_COLUMNS, check_admissibility, fit_sem, modification_indices
from govsurvey.sem.fit import _bounded_fit, fit_covariance, load_model
from govsurvey.sem.indices import FIT_THRESHOLDS, fit_table
from govsurvey.sem.ml import MLFitter
from govsurvey.study.model import evaluate_expression, parse_model
from conftest import assert_parameters_agree, keyed

REF = Path(__file__).parent / "reference"
# survey / survey_cfa: the cleaned synthetic L Street survey with the study's model / its CFA
# observed_mediator: regressions among observed variables (y5 ~ y1), with a := effect through them
# auto_cov_y(_observed), markers, random_predictors: lavaan defaults semopy's differ from
CASES = ["politdem", "holzinger", "governance", "heywood", "fixedx", "observed_mediator", "survey",
         "survey_cfa", "auto_cov_y", "auto_cov_y_observed", "markers", "random_predictors"]
TOL = 1e-3


def load_case(name):
    info = json.loads((REF / f"{name}.json").read_text())
    data = pd.read_csv(REF / info["data"])
    params = pd.read_csv(REF / f"{name}_params.csv", keep_default_na=False, na_values=[""])
    if "label" not in params:  # lavaan leaves the column out when nothing is labelled
        params["label"] = ""
    params["label"] = params["label"].fillna("")
    return info, data, params


_fits = {}


def fitted(name):
    if name not in _fits:
        info, data, params = load_case(name)
        _fits[name] = (fit_sem(info["model"], data), info, params)
    return _fits[name]


@pytest.mark.parametrize("name", CASES)
def test_parameter_table_matches_lavaan(name):
    fit, _, ref = fitted(name)
    assert list(fit.params.columns) == PARAM_COLUMNS
    assert_parameters_agree(fit.params, ref, TOL)


@pytest.mark.parametrize("name", CASES)
def test_fit_indices_match_lavaan(name):
    fit, info, _ = fitted(name)
    assert fit.converged and info["converged"]
    for key, value in info["fit"].items():
        ours = fit.fit.get(key.replace(".", "_"))
        if ours is None:  # lavaan's extra srmr variants
            continue
        if key in ("gfi", "agfi") and name in ("fixedx", "auto_cov_y_observed") and math.isnan(ours):
            continue  # GFI is not reproduced with fixed x: left out (NaN), not wrong
        if value == "NA":  # p values of a saturated model (df = 0)
            assert math.isnan(ours) and info["fit"]["df"] == 0, key
            continue
        assert ours == pytest.approx(value, abs=TOL), key
    if info["fit"]["df"] > 0:
        assert fit.fit["chisq_df"] == pytest.approx(info["fit"]["chisq"] / info["fit"]["df"])
    else:
        assert math.isnan(fit.fit["chisq_df"])


@pytest.mark.parametrize("name", CASES)
def test_r_squared_matches_lavaan(name):
    fit, info, _ = fitted(name)
    assert list(fit.r2) == list(info["r2"])
    for var, value in info["r2"].items():
        if value == "NA":  # negative residual variance: R^2 undefined
            assert math.isnan(fit.r2[var])
        else:
            assert fit.r2[var] == pytest.approx(value, abs=TOL), var


def test_defined_parameters_match_lavaan():
    fit, _, ref = fitted("politdem")
    ours = fit.params[fit.params["op"] == ":="].set_index("lhs")
    ref = ref[ref["op"] == ":="].set_index("lhs")
    assert list(ours.index) == ["ind", "total"]
    assert list(ours["rhs"]) == list(ref["rhs"]) == ["a1*b1", "c1+a1*b1"]
    for col, rcol in [("est", "est"), ("se", "se"), ("std_all", "std.all"),
                      ("std_all_se", "std.all.se"), ("ci_lower", "ci.lower")]:
        np.testing.assert_allclose(ours[col], ref.loc[ours.index, rcol], atol=TOL)
    # the indirect effect is the product of its labelled paths
    est = fit.params.set_index("label")["est"]
    assert ours.loc["ind", "est"] == pytest.approx(est["a1"] * est["b1"])


def test_governance_model_definitions_match_lavaan():
    fit, _, ref = fitted("governance")
    ours = fit.params[fit.params["op"] == ":="].set_index("lhs")
    ref = ref[ref["op"] == ":="].set_index("lhs")
    assert len(ours) == 8
    for col, rcol in [("est", "est"), ("se", "se"), ("std_all", "std.all"),
                      ("std_all_se", "std.all.se")]:
        np.testing.assert_allclose(ours[col], ref.loc[ours.index, rcol], atol=TOL)


def test_survey_model_definitions_match_lavaan():
    fit, _, ref = fitted("survey")
    ours = fit.params[fit.params["op"] == ":="].set_index("lhs")
    ref = ref[ref["op"] == ":="].set_index("lhs")
    assert list(ours.index) == list(ref.index) and len(ours) == 8
    for col, rcol in [("est", "est"), ("se", "se"), ("std_all", "std.all"),
                      ("std_all_se", "std.all.se")]:
        np.testing.assert_allclose(ours[col], ref.loc[ours.index, rcol], atol=TOL)


MI_CASES = ["holzinger", "politdem", "survey"]  # CFAs; fixtures by make_measurement_reference.R


@pytest.mark.parametrize("name", MI_CASES)
def test_modification_indices_match_lavaan(name):
    info = json.loads((REF / f"measurement_{name}.json").read_text())
    fit = fit_sem(info["model"], pd.read_csv(REF / info["data"]))
    ours = keyed(modification_indices(fit))
    ref = keyed(pd.read_csv(REF / f"modindices_{name}.csv"))
    assert sorted(ours.index) == sorted(ref.index)  # the same candidate parameters
    ref = ref.loc[ours.index]
    for col, rcol in [("mi", "mi"), ("epc", "epc"), ("sepc_all", "sepc.all")]:
        np.testing.assert_allclose(ours[col], ref[rcol], atol=TOL, rtol=0, err_msg=col)
    assert ours["mi"].is_monotonic_decreasing
    top = modification_indices(fit, top=10)
    assert len(top) == 10 and top["mi"].min() == pytest.approx(ours["mi"].iloc[9])


def test_modification_index_predicts_the_chisq_drop():
    # Freeing the largest MI's parameter lowers chi-square by about the MI (score test).
    fit, _, _ = fitted("holzinger")
    best = modification_indices(fit, top=1).iloc[0]
    assert (best["lhs"], best["op"], best["rhs"]) == ("visual", "=~", "x9")
    freed = fit_sem(fit.parsed.text().replace("visual =~ x1 + x2 + x3",
                                                   "visual =~ x1 + x2 + x3 + x9"),
                    load_case("holzinger")[1])
    drop = fit.fit["chisq"] - freed.fit["chisq"]
    assert drop == pytest.approx(best["mi"], rel=0.25)
    est = freed.params.query("lhs == 'visual' and rhs == 'x9'")["est"].iloc[0]
    assert est == pytest.approx(best["epc"], rel=0.25)


def test_fit_table_judges_each_index_against_both_conventions():
    fit, _, _ = fitted("holzinger")  # CFI .931, RMSEA .092, SRMR .065: mixed verdicts
    table = fit_table(fit.fit).set_index("index")
    assert table.loc["cfi", "value"] == pytest.approx(fit.fit["cfi"])
    assert table.loc["cfi", ["verdict_strict", "verdict_lenient"]].tolist() == ["not met", "met"]
    assert table.loc["rmsea", ["verdict_strict", "verdict_lenient"]].tolist() == ["not met",
                                                                                  "not met"]
    assert table.loc["srmr", ["verdict_strict", "verdict_lenient"]].tolist() == ["met", "met"]
    assert table.loc["chisq_df", "threshold_strict"] == ""  # Hu & Bentler give none
    assert table.loc["chisq_df", "threshold_lenient"] == "< 3.00"
    assert table.loc["chisq", "verdict_lenient"] == ""
    assert set(FIT_THRESHOLDS) <= set(table.index)
    assert (table.loc[table["threshold_strict"] != "", "source_strict"]
            == "Hu & Bentler (1999)").all()


def test_equal_labels_are_equality_constraints():
    fit, info, _ = fitted("politdem")
    p = fit.params
    for label in "abc":
        est = p.loc[p["label"] == label, "est"]
        assert len(est) == 2 and est.iloc[0] == pytest.approx(est.iloc[1], abs=1e-12)
    assert fit.fit["npar"] == info["fit"]["npar"] == 28


def test_loadings_are_written_factor_first():
    fit, _, _ = fitted("holzinger")
    loadings = fit.params[fit.params["op"] == "=~"]
    assert set(loadings["lhs"]) == {"visual", "textual", "speed"}
    assert loadings.iloc[0][["lhs", "rhs", "est", "se"]].tolist() == ["visual", "x1", 1.0, 0.0]


# ---------------------------------------------------------------- our layout and start values
@pytest.mark.parametrize("name", CASES)
def test_fisher_scoring_converges_from_the_start_values(name):
    """The lavaan-like start values (Layout.start_values) are enough: no case of the reference
    set needs the bounded second start."""
    info, data, _ = load_case(name)
    lines = []
    fit_sem(info["model"], data, log=lines.append)
    assert any(" converged by Fisher scoring from start values in " in line for line in lines)


def test_start_values_are_lavaans():
    """FABIN 3 loadings (three indicators: s_jk / s_mk), half the observed variances, 0.05 for
    factor variances, 0 for regressions and covariances, fixed.x moments from the sample."""
    info, data, _ = load_case("holzinger")
    model = info["model"] + "\ntextual ~ visual"
    _, S, layout, _ = load_model(model, data)
    x = layout.start_values(S)
    at = {v: k for k, v in enumerate(layout.obs)}
    value = {(r["lhs"], r["op"], r["rhs"]): x[r["free"]] for r in layout.rows if r["free"] is not None}
    assert value[("visual", "=~", "x2")] == pytest.approx(S[at["x2"], at["x3"]] / S[at["x1"], at["x3"]])
    assert value[("visual", "=~", "x3")] == pytest.approx(S[at["x3"], at["x2"]] / S[at["x1"], at["x2"]])
    assert value[("x5", "~~", "x5")] == pytest.approx(S[at["x5"], at["x5"]] / 2)
    assert value[("visual", "~~", "visual")] == value[("textual", "~~", "textual")] == 0.05
    assert value[("textual", "~", "visual")] == value[("visual", "~~", "speed")] == 0.0
    _, S, layout, _ = load_model("y ~ x1 + x2", pd.DataFrame(
        np.random.default_rng(1).normal(size=(50, 3)), columns=["y", "x1", "x2"]))
    fixed = {(r["lhs"], r["rhs"]): r["fixed"] for r in layout.rows if r["op"] == "~~" and r["free"] is None}
    at = {v: k for k, v in enumerate(layout.obs)}
    assert fixed == {("x1", "x1"): S[at["x1"], at["x1"]], ("x2", "x2"): S[at["x2"], at["x2"]],
                     ("x1", "x2"): S[at["x1"], at["x2"]]}


def test_hard_starts_fall_back_to_the_bounded_fit():
    """A start where Sigma is not positive definite falls back to the start values; the bounded
    quasi-Newton start (the last resort) lands near lavaan's optimum on its own, and Fisher
    scoring from it reaches it."""
    info, data, ref = load_case("holzinger")
    _, S, layout, _ = load_model(info["model"], data)
    x, converged, _, how = fit_covariance(layout, S, np.full(layout.n_free, -3.0))
    assert converged and how == "Fisher scoring from start values"
    fitter = MLFitter(layout)
    bounded = _bounded_fit(fitter, S, layout.start_values(S))
    assert np.abs(bounded - x).max() < 1e-3
    polished, converged, _ = fitter.scoring(S, bounded)
    assert converged and np.abs(polished - x).max() < 1e-8
    est = keyed(ref)["est"]
    for r in layout.rows:
        if r["free"] is not None:
            key = (r["op"], *sorted((r["lhs"], r["rhs"]))) if r["op"] == "~~" else (r["lhs"], r["op"], r["rhs"])
            assert polished[r["free"]] == pytest.approx(est[key], abs=TOL)


@pytest.mark.parametrize("name", ["holzinger", "governance", "politdem"])
def test_semopy_agrees_with_lavaan_and_with_us(name):
    """An independent cross-check of the estimates: semopy (SLSQP, its own parser and
    starts) fits the same model to the same lavaan estimates as we do, on sound solutions
    (semopy bounds variances at 0, so not on Heywood cases)."""
    fit, info, ref = fitted(name)
    model = semopy.Model(fit.parsed.semopy_text)
    model.fit(load_case(name)[1][list(fit.layout.obs)])
    theirs = model.inspect()
    latent = fit.layout.latent
    ours, lav = keyed(fit.params)["est"], keyed(ref)["est"]
    compared = 0
    for r in theirs.itertuples():
        if r.op == "~" and r.rval in latent and r.lval not in latent | {v for v, _ in fit.parsed.regressions}:
            key = (r.rval, "=~", r.lval)  # semopy writes a loading as item ~ factor
        elif r.op == "~~":
            key = ("~~", *sorted((r.lval, r.rval)))
        else:
            key = (r.lval, r.op, r.rval)
        if key not in lav.index:
            key = (key[2], "=~", key[0]) if key[1] == "~" else key
        assert float(r.Estimate) == pytest.approx(lav[key], rel=1e-2, abs=5e-3), key  # SLSQP stops early
        assert ours[key] == pytest.approx(lav[key], abs=TOL), key
        compared += 1
    assert compared == len(fit.layout.rows)  # every row of our table, and no other


def test_heywood_case_is_estimated_as_lavaan_and_flagged():
    fit, _, ref = fitted("heywood")
    # semopy alone stops at its lower bound of 0, hiding the problem ...
    model = semopy.Model(fit.parsed.semopy_text)
    model.fit(load_case("heywood")[1])
    bounded = model.inspect().query("lval == 'a1' and op == '~~' and rval == 'a1'")
    assert bounded["Estimate"].iloc[0] == pytest.approx(0, abs=1e-4)
    # ... we report lavaan's negative estimate and say so.
    row = keyed(fit.params).loc[[("~~", "a1", "a1")]]
    assert row["est"].iloc[0] == pytest.approx(
        keyed(ref).loc[[("~~", "a1", "a1")], "est"].iloc[0], abs=TOL)
    kinds = {(p["kind"], p["where"]) for p in fit.admissibility}
    assert ("negative_variance", "a1 ~~ a1") in kinds
    assert ("std_loading_above_one", "F1 =~ a1") in kinds
    # the sound solutions: nothing but the sample-size warnings their N and q call for
    warned = {"politdem": ["n_below_5_per_parameter", "n_below_200"],  # N = 75, q = 28
              "fixedx": ["n_below_200"],  # N = 75, q = 10
              "survey_cfa": ["n_below_5_per_parameter"]}  # N = 441, q = 92
    for name in ("politdem", "holzinger", "governance", "fixedx", "survey", "survey_cfa"):
        problems = fitted(name)[0].admissibility
        assert [p["kind"] for p in problems] == warned.get(name, [])
        assert all(p["severity"] == "warning" for p in problems)


def two_indicator_data(seed):
    """Factor A is sound; the two items of B share almost nothing, so B's variance is ~0."""
    rng = np.random.default_rng(seed)
    n = 300
    f = rng.normal(size=n)
    d = pd.DataFrame({f"a{i}": lam * f + rng.normal(scale=0.6, size=n)
                      for i, lam in enumerate([1, 0.8, 0.9], 1)})
    common = 0.05 * rng.normal(size=n)
    d["b1"] = common + rng.normal(size=n)
    d["b2"] = common + rng.normal(size=n) + 0.1 * f
    return d


def test_construct_with_negative_variance_is_flagged():
    fit = fit_sem("A =~ a1 + a2 + a3\nB =~ b1 + b2", two_indicator_data(2))
    problems = {p["kind"]: p for p in fit.admissibility}
    assert problems["negative_variance"]["where"] == "B ~~ B"
    assert problems["negative_variance"]["value"] < 0
    assert "latent_cov_not_pd" in problems


def test_construct_with_near_zero_variance_is_flagged():
    fit = fit_sem("A =~ a1 + a2 + a3\nB =~ b1 + b2", two_indicator_data(0))
    kinds = {(p["kind"], p["where"]) for p in fit.admissibility}
    assert ("latent_variance_not_significant", "B ~~ B") in kinds
    assert not any(w == "A ~~ A" for _, w in kinds)


def test_variance_at_semopy_bound_is_flagged():
    fit, _, _ = fitted("holzinger")
    params = fit.params.copy()
    params.loc[(params["lhs"] == "x2") & (params["rhs"] == "x2"), "est"] = 0.0
    problems = check_admissibility(params, fit.latent_cov, fit.implied_cov, scale=1.0)
    assert [(p["kind"], p["where"], p["value"]) for p in problems] == [
        ("zero_variance", "x2 ~~ x2", 0.0)]
    assert {"kind", "where", "value", "message"} <= set(problems[0])


def test_non_convergence_is_flagged():
    fit, _, _ = fitted("holzinger")
    problems = check_admissibility(fit.params, fit.latent_cov, fit.implied_cov,
                                   converged=False)
    assert [p["kind"] for p in problems] == ["not_converged"]


def small_sample(n, seed=3):
    """n rows of three factors with four items each (q = 27 free parameters in a CFA)."""
    rng = np.random.default_rng(seed)
    f = rng.multivariate_normal([0, 0, 0], [[1, .4, .3], [.4, 1, .5], [.3, .5, 1]], size=n)
    return pd.DataFrame({f"{c}{i}": 0.8 * f[:, k] + 0.6 * rng.normal(size=n)
                         for k, c in enumerate("abc") for i in range(1, 5)})


SMALL_CFA = "A =~ a1 + a2 + a3 + a4\nB =~ b1 + b2 + b3 + b4\nC =~ c1 + c2 + c3 + c4"


def test_fewer_cases_than_parameters_is_inadmissible_and_logged():
    """Before: N = 20 for q = 27 free parameters gave 'converged' and no problem at all."""
    lines = []
    fit = fit_sem(SMALL_CFA, small_sample(20), log=lines.append)
    assert len(fit.x) == 27 and fit.n == 20
    problems = {p["kind"]: p for p in fit.admissibility}
    assert problems["n_below_parameters"]["severity"] == "inadmissible"
    assert (problems["n_below_parameters"]["n"], problems["n_below_parameters"]["q"]) == (20, 27)
    assert "n_below_5_per_parameter" not in problems  # the stronger verdict says it
    assert problems["n_below_200"]["severity"] == "warning"
    assert any(line.startswith("SEM admissibility: N = 20 complete cases for 27 free parameters")
               and "cannot be trusted" in line for line in lines)
    assert any(line.startswith("SEM warning: N = 20") and "Kline (2016)" in line for line in lines)


@pytest.mark.parametrize("n, kinds", [(100, ["n_below_5_per_parameter", "n_below_200"]),
                                      (150, ["n_below_200"]), (200, [])])
def test_small_samples_are_warned_of_with_the_rules_source(n, kinds):
    fit = fit_sem(SMALL_CFA, small_sample(n), log=lambda line: None)
    problems = [p for p in fit.admissibility if p["where"] == "sample size"]
    assert [p["kind"] for p in problems] == kinds
    assert all(p["severity"] == "warning" for p in problems)
    if "n_below_5_per_parameter" in kinds:
        assert "Bentler & Chou (1987)" in problems[0]["message"] and "3.7 per parameter" in problems[0]["message"]


def test_parse_model_splits_definitions_and_keeps_labels():
    parsed = parse_model("""
        # a comment
        F =~ x1 + lam*x2 +
             x3          ! lavaan's other comment mark
        G =~ y1 + y2 + y3; G ~ b1*F
        y1 ~~ 0*y2
        ind := b1 * lam   # a definition
        sq := ind^2
    """)
    assert parsed.definitions == [("ind", "b1 * lam"), ("sq", "ind^2")]
    assert ":=" not in parsed.semopy_text and "#" not in parsed.semopy_text
    s = {(st.lhs, st.op, st.rhs): st for st in parsed.statements}
    assert s[("F", "=~", "x3")].label == ""
    assert s[("F", "=~", "x2")].label == "lam"
    assert s[("G", "~", "F")].label == "b1"
    assert s[("y1", "~~", "y2")].fixed == 0.0
    assert len(parsed.statements) == 8


@pytest.mark.parametrize("text", [
    "F =~ x1 + x2 + x3\nind := a*b",              # labels nothing
    "F =~ x1 + a*x2\nd := __import__('os')",       # not an arithmetic expression
    "F =~ x1 + a*x2\nd := a.real",                 # attribute access
    "F =~ x1 + a*x2\nd := max(a, 0)",              # a function other than exp, log, sqrt
    "F =~ x1 | t1",                                # thresholds: unsupported
    "F =~ NA*x1 + x2",                             # freeing a marker: unsupported
    "F =~ x1 + a*x2\na := 2*a",                    # a definition reusing a label
    "F =~ x1 + x2 +",                              # dangling +
])
def test_parse_model_rejects_what_it_cannot_do(text):
    with pytest.raises(InputError):
        parse_model(text)


@pytest.mark.parametrize("text, message", [
    ("y2 ~ y1\ny2 ~ 1", r"'y2 ~ 1' asks for an intercept or mean"),
    ("F =~ NA*x1 + x2 + x3", r"frees the first loading of F, which is fixed at 1"),
    ("F =~ x1 + x2 + x3\nF ~~ x4", r"a covariance between the latent variable F and the observed "
                                    r"variable x4.*Fix: measure x4 by a single-indicator factor"),
    ("F =~ x1 + x2 + x3\nG =~ x4 + x5 + x6\nG ~ F\ny7 ~ F",
     r"auto.cov.y: both G and y7 are outcomes that predict nothing"),
    ("F =~ a*x1 + x2 + x3\nG =~ x4 + x5 + x6\nG ~ b*F\nab := a*b",
     r"the label 'a' is on the first loading of F \(x1\), which is fixed at 1"),
    ("y5 ~ y1 + y2 + x1\ny1 ~~ y2", r"the observed predictor y1 is named in a ~~ relation.*"
                                     r"Fix: write them \(`y1 ~~ x1`\)"),
])  # fmt: skip
def test_what_lavaan_would_fit_differently_is_refused_with_the_fix(text, message):
    """Where semopy cannot hold what lavaan's sem() would fit, or lavaan itself warns, the
    model is refused before fitting, saying what to write instead."""
    with pytest.raises(InputError, match=message):
        parse_model(text)


def test_lavaan_defaults_are_written_out_for_semopy():
    parsed = parse_model("F =~ a*x1 + x2 + 0.5*x3\nG =~ x4 + x5\nH =~ x6 + x7\nG ~ F\nH ~ F")
    assert "F =~ 1*x1 + x2 + 0.5*x3" in parsed.semopy_text  # the marker, even labelled
    assert [(s.lhs, s.op, s.rhs) for s in parsed.lavaan_defaults()] == [("G", "~~", "H")]
    assert "a*x1" in parsed.text()  # the model as written keeps its label
    observed = parse_model("y1 + y2 ~ x8 + x9\nx8 ~~ x9\ny3 ~ y1")
    assert {(s.lhs, s.rhs) for s in observed.lavaan_defaults()} == {("y2", "y3"), ("x8", "x8"), ("x9", "x9")}


def test_evaluate_expression():
    v = {"a": 2.0, "b": 3.0}
    assert evaluate_expression("a*b + a/b - (a - b)^2", v) == pytest.approx(6 + 2 / 3 - 1)
    assert evaluate_expression("-a**2", v) == -4


def test_data_problems_are_reported_for_people():
    _, data, _ = load_case("holzinger")
    with pytest.raises(InputError, match="x9"):
        fit_sem("F =~ x1 + x2 + x3 + x9", data.drop(columns="x9"))
    bad = data.astype(object)
    bad.loc[3, "x1"] = "n/a"
    with pytest.raises(InputError, match="not numbers"):
        fit_sem("F =~ x1 + x2 + x3", bad)


def test_missing_answers_are_left_out_listwise():
    _, data, _ = load_case("holzinger")
    holed = data.copy()
    holed.loc[:9, "x1"] = np.nan
    fit = fit_sem("visual =~ x1 + x2 + x3", holed)
    assert fit.n == len(data) - 10
    assert fit.fit["ntotal"] == len(data) - 10


LIVE_MODEL = """
visual  =~ x1 + x2 + x3 + x9
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + l9*x9
visual ~ r*textual
x4 ~~ x7
eff := r*l9
"""


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript (lavaan) not installed")
def test_live_against_lavaan(tmp_path):
    """A model no fixture holds, fitted by lavaan right now (only where R is installed)."""
    script = tmp_path / "live.R"
    script.write_text(f"""
suppressPackageStartupMessages({{library(lavaan); library(jsonlite)}})
d <- read.csv("{REF / 'holzinger_data.csv'}")
fit <- sem('{LIVE_MODEL}', data = d)
pe <- parameterEstimates(fit, standardized = TRUE)
cat(toJSON(list(pe = pe, fm = as.list(fitMeasures(fit, c("chisq", "cfi", "tli", "rmsea",
    "srmr", "aic", "rmsea.ci.upper")))), digits = NA, auto_unbox = TRUE))
""")
    try:
        out = subprocess.run(["Rscript", str(script)], capture_output=True, text=True,
                             timeout=120, check=True).stdout
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"lavaan not usable here: {exc}")
    ref = json.loads(out)
    fit = fit_sem(LIVE_MODEL, load_case("holzinger")[1])
    for key, value in ref["fm"].items():
        assert fit.fit[key.replace(".", "_")] == pytest.approx(value, abs=TOL), key
    pe = keyed(pd.DataFrame(ref["pe"]))
    ours = keyed(fit.params)
    assert sorted(pe.index) == sorted(ours.index)
    pe = pe.loc[ours.index]
    np.testing.assert_allclose(ours["est"], pe["est"], atol=TOL)
    np.testing.assert_allclose(ours["se"], pe["se"], atol=TOL)
    np.testing.assert_allclose(ours["std_all"], pe["std.all"], atol=TOL)


# ---------------------------------------------------------------------------- items without variance
# Before: a constant item gave semopy's "not PD" warning, then LinAlgError: SVD did not converge;
# identical items a raw LinAlgError. Now: an InputError that names the data, the items and the fix.
@pytest.mark.parametrize("change, named", [
    (lambda d: d.assign(x2=3.0), r"x2 have no variance: all 301 complete rows give the same answer \(x2 = 3\)"),
    (lambda d: d.assign(x3=d["x2"]), r"perfectly correlated: x2 and x3 \(r = \+1\)"),
    (lambda d: d.assign(x3=6 - d["x2"]), r"perfectly correlated: x2 and x3 \(r = -1\)"),
    (lambda d: d.assign(x3=d["x1"] + 0.5 * d["x2"]), r"items x1, x2, x3 are linearly dependent"),
])
def test_items_without_variance_or_collinear_are_named(change, named):
    _, data, _ = load_case("holzinger")
    with pytest.raises(InputError, match=named) as caught:
        fit_sem("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", change(data),
                source="m.lavaan", data_source="scored.parquet")
    assert str(caught.value).startswith("scored.parquet: ") and "Fix: " in str(caught.value)
