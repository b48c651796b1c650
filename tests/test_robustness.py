"""The robustness stage (govsurvey.robustness) against lavaan 0.6-14 and psych 2.2.9 fixtures
(tests/reference/make_robustness_reference.R writes them; no R needed here), against known
truth on simulated data, and as a workflow stage."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.robustness import models as M
from govsurvey.robustness.competing import compare_models, fit_model, nested_test
from govsurvey.robustness.method_bias import marker_adjustment, method_bias, method_share
from govsurvey.robustness.normality import item_moments, mardia
from govsurvey.robustness.sensitivity import (VARIANTS, SensitivityData, control_columns, ml,
                                              sensitivity, with_controls)
from govsurvey.robustness.stage import incomplete_records
from govsurvey.study.model import read_model
from conftest import keyed

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "reference"
INFO = json.loads((REF / "robustness.json").read_text())
TOL = 1e-3
MODEL = read_model(ROOT / "data" / "models" / "governance.lavaan")
DATA = pd.read_csv(REF / "governance_data.csv")


# ------------------------------------------------------------------ the generated models

def _count(parsed, op, lhs=None):
    return sum(s.op == op and (lhs is None or s.lhs == lhs) for s in parsed.statements)


def test_the_one_factor_model_puts_every_item_on_one_factor():
    one = M.one_factor(MODEL)
    assert list(one.factors) == ["G"] and len(one.factors["G"]) == 32
    assert _count(one, "~") == 0 and not one.definitions


def test_the_cfa_is_the_measurement_part():
    cfa = M.cfa(MODEL)
    assert list(cfa.factors) == list(MODEL.factors) and _count(cfa, "=~") == 32
    assert _count(cfa, "~") == 0


def test_partial_mediation_adds_a_direct_path_from_every_cause_to_the_outcome():
    pm = M.partial_mediation(MODEL)
    assert pm.added == [("GS", "IN"), ("GS", "OB"), ("GS", "MS"), ("GS", "PM")]
    assert _count(MODEL, "~") == 10 and _count(pm, "~") == 14
    assert pm.definitions == MODEL.definitions  # the := effects stay
    assert M.partial_mediation(pm).added == []  # nothing left to add


def test_the_method_factor_model_loads_every_item_and_is_orthogonal_to_the_traits():
    for base, zeros in [(M.cfa(MODEL), 8), (MODEL, 4)]:  # the endogenous factors through their causes
        equal = M.method_factor(base)
        assert _count(equal, "=~", "METHOD") == 32
        assert all(s.fixed == 1.0 for s in equal.statements if s.lhs == "METHOD" and s.op == "=~")
        covs = [s for s in equal.statements if s.op == "~~" and s.lhs == "METHOD"]
        assert len(covs) == zeros and all(s.fixed == 0.0 for s in covs)
    free = M.method_factor(M.cfa(MODEL), "free")
    assert all(s.fixed is None for s in free.statements if s.lhs == "METHOD" and s.op == "=~")
    with pytest.raises(ValueError):
        M.method_factor(MODEL, "some")


def test_the_marker_model_adds_the_marker_items_and_every_item_on_the_marker_factor():
    mm = M.marker_model(M.cfa(MODEL), ["MK1"])
    assert M.MARKER in mm.factors and len(mm.factors[M.MARKER]) == 33
    assert any(s.lhs == s.rhs == "MK1" and s.fixed == 0.0 for s in mm.statements)


def test_competing_models_in_order_and_alternatives(tmp_path):
    alt = tmp_path / "alt.lavaan"
    alt.write_text("IN =~ IN1 + IN2 + IN3 + IN4\nOB =~ OB1 + OB2 + OB3 + OB4\n", encoding="utf-8")
    models = M.competing_models(MODEL, {"small": {"zh": "小", "en": "Small", "model": str(alt)},
                                        "inline": {"model": "F =~ IN1 + IN2 + IN3"}})
    assert [m.name for m in models] == ["one_factor", "cfa", "structural", "partial_mediation", "small", "inline"]
    assert models[4].label == {"zh": "小", "en": "Small"} and list(models[5].model.factors) == ["F"]
    with pytest.raises(InputError, match="does not exist"):
        M.competing_models(MODEL, {"gone": {"model": "missing.lavaan"}})
    with pytest.raises(InputError, match="generated model"):
        M.competing_models(MODEL, {"cfa": {"model": "F =~ IN1 + IN2 + IN3"}})


# ------------------------------------------------------------------ fits against lavaan

GENERATED = {
    "one_factor": lambda: M.one_factor(MODEL), "cfa": lambda: M.cfa(MODEL), "structural": lambda: MODEL,
    "partial_mediation": lambda: M.partial_mediation(MODEL),
    "ulmc_cfa": lambda: M.method_factor(M.cfa(MODEL)), "ulmc_sem": lambda: M.method_factor(MODEL),
    "ulmc_free": lambda: M.method_factor(M.cfa(MODEL), "free"), "cfa_planted": lambda: M.cfa(MODEL),
}
_fits = {}


def fitted(name):
    if name not in _fits:
        data = pd.read_csv(REF / INFO["models"][name]["data"])
        _fits[name] = fit_model(GENERATED[name](), data)
    return _fits[name]


@pytest.mark.parametrize("name", list(GENERATED))
def test_generated_models_fit_as_lavaan(name):
    fit = fitted(name)
    ref = keyed(pd.read_csv(REF / f"robustness_{name}_params.csv", keep_default_na=False, na_values=[""]))
    ours = keyed(fit.params[fit.params["op"] != ":="])
    ref = ref[ref["op"] != ":="]
    assert sorted(ours.index) == sorted(ref.index)  # the generated syntax is lavaan's model
    ref = ref.loc[ours.index]
    # ulmc_sem: on data without a method factor the method variance is negative. Both leave the
    # standardized method loadings empty (no SD); lavaan also its variance's own row, where the
    # engine gives est / est = 1
    undefined = ref["std.all"].isna().to_numpy()
    negative_variance = np.array([op == "~~" and a == b and e < 0 for (op, a, b), e in zip(ours.index, ours["est"])])
    assert (ours["std_all"].isna().to_numpy() | negative_variance)[undefined].all()
    for col, rcol in [("est", "est"), ("se", "se"), ("std_all", "std.all")]:
        np.testing.assert_allclose(ours.loc[~undefined, col], ref.loc[~undefined, rcol], atol=TOL, rtol=0,
                                   err_msg=f"{name} {col}")
    assert fit.converged == INFO["models"][name]["converged"]
    for measure, value in INFO["models"][name]["fit"].items():
        assert fit.fit[measure.replace(".", "_")] == pytest.approx(value, abs=TOL), f"{name} {measure}"


def test_nested_tests_match_lavTestLRT():
    pairs = {("one_factor", "cfa"), ("structural", "partial_mediation"), ("structural", "cfa"),
             ("cfa", "ulmc_cfa"), ("cfa_planted", "ulmc_free")}
    assert {(t["restricted"], t["general"]) for t in INFO["tests"]} == pairs
    for t in INFO["tests"]:
        ours = nested_test(fitted(t["restricted"]), fitted(t["general"]), "ML")
        assert ours["df_diff"] == t["df_diff"]
        assert ours["chisq_diff"] == pytest.approx(t["chisq_diff"], abs=TOL)
        assert ours["pvalue"] == pytest.approx(t["pvalue"], abs=TOL)
    with pytest.raises(ValueError, match="ML fits, not MLR"):  # the fits say their estimator
        nested_test(fitted("one_factor"), fitted("cfa"), "MLR")


def test_the_competing_table_and_its_verdict():
    models = M.competing_models(MODEL)
    table, fits, tests, verdict = compare_models(models, DATA)
    assert list(table["model"]) == ["one_factor", "cfa", "structural", "partial_mediation"]
    ref = INFO["models"]
    for row in table.itertuples():
        assert row.chisq == pytest.approx(ref[row.model]["fit"]["chisq"], abs=TOL)
        assert row.bic == pytest.approx(ref[row.model]["fit"]["bic"], abs=TOL)
    one = table.set_index("model").loc["one_factor"]
    assert one["compared_with"] == "cfa" and one["preferred"] == "cfa" and one["pvalue_diff"] < 1e-10
    # the misfit planted in governance_data (OB ~ GS direct path omitted) shows: partial mediation wins
    assert {(t["restricted"], t["preferred"]) for t in tests} >= {("structural", "partial_mediation")}
    assert verdict["text"].startswith("The tests favour cfa over one_factor")
    assert verdict["smallest_aic"] in set(table["model"])


def test_controls_enter_as_dummies_regressed_into_every_endogenous_construct():
    data = pd.read_csv(REF / "robustness_controls_data.csv")
    frame, names = control_columns(data, ["gender", "age"], {})
    assert names == ["ctl_gender_2", "ctl_age_2", "ctl_age_3", "ctl_age_4", "ctl_age_5"]
    model = with_controls(MODEL, names)
    assert _count(model, "~") == 10 + 4 * 5
    fit = fit_model(model, frame)
    ref = keyed(pd.read_csv(REF / "robustness_controls_params.csv", keep_default_na=False, na_values=[""]))
    ours = keyed(fit.params[fit.params["op"] != ":="])
    ref = ref[ref["op"] != ":="]
    assert sorted(ours.index) == sorted(ref.index)
    ref = ref.loc[ours.index]
    for col, rcol in [("est", "est"), ("se", "se"), ("std_all", "std.all")]:
        np.testing.assert_allclose(ours[col], ref[rcol], atol=TOL, rtol=0, err_msg=col)
    for measure, value in INFO["models"]["controls"]["fit"].items():
        assert fit.fit[measure.replace(".", "_")] == pytest.approx(value, abs=TOL), measure
    with pytest.raises(InputError, match="robustness.controls"):
        control_columns(data, ["income"], {})


# ------------------------------------------------------------------ normality against psych

def test_mardia_matches_psych():
    ours = mardia(DATA, [c for c in DATA.columns])
    for k, v in INFO["mardia"].items():
        assert ours[k] == pytest.approx(v, abs=TOL, rel=1e-6), k


def test_item_skew_and_kurtosis_match_psych_describe():
    ref = pd.read_csv(REF / "robustness_describe.csv")
    ours = item_moments(DATA, list(ref["item"]))
    for col in ["n", "mean", "sd", "skew", "kurtosis"]:
        np.testing.assert_allclose(ours[col], ref[col], atol=TOL, rtol=0, err_msg=col)


def test_mardia_on_multivariate_normal_data_does_not_reject():
    rng = np.random.default_rng(5)
    normal = pd.DataFrame(rng.multivariate_normal(np.zeros(4), np.eye(4) + 0.5, size=2000), columns=list("abcd"))
    skewed = normal.apply(np.exp)
    assert mardia(normal, list("abcd"))["kurtosis_p"] > 0.01 and mardia(normal, list("abcd"))["skew_p"] > 0.01
    assert mardia(skewed, list("abcd"))["skew_p"] < 1e-10


# ------------------------------------------------------------------ method bias, known truth

def simulate_method(n, method_loadings, seed):
    """Standardized items: trait loadings .8/.75/.7/.65 (traits correlated .3), a method factor
    uncorrelated with the traits that item k loads method_loadings[k % len] on."""
    rng = np.random.default_rng(seed)
    eta = rng.multivariate_normal(np.zeros(8), 0.3 * np.ones((8, 8)) + 0.7 * np.eye(8), size=n)
    method = rng.standard_normal(n)
    columns, k = {}, 0
    for f_index, f in enumerate(MODEL.factors):
        for j, lam in enumerate([0.8, 0.75, 0.7, 0.65]):
            m = method_loadings[k % len(method_loadings)]
            k += 1
            error = np.sqrt(1 - lam ** 2 - m ** 2)
            columns[f"{f}{j + 1}"] = lam * eta[:, f_index] + m * method + error * rng.standard_normal(n)
    return pd.DataFrame(columns)


UNEQUAL = [0.5, 0.2, 0.4, 0.3, 0.45, 0.25, 0.35]


@pytest.mark.parametrize("loadings, planted", [("equal", [0.4]), ("free", UNEQUAL)])
def test_the_ulmc_recovers_a_planted_method_variance_share(loadings, planted):
    truth = np.mean([planted[k % len(planted)] ** 2 for k in range(32)])  # .16, .133
    model = M.method_factor(M.cfa(MODEL), loadings)
    shares = []
    for seed in range(4):
        fit = fit_model(model, simulate_method(1000, planted, seed))
        assert fit.converged
        shares.append(method_share(fit, model.method))
    assert np.mean(shares) == pytest.approx(truth, abs=0.02)
    assert max(abs(s - truth) for s in shares) < 0.1  # one sample of 1,000 may miss by .07


def test_without_method_variance_the_method_factor_explains_next_to_nothing():
    # The method variance's SE is about .018 at n = 2,000 (lavaan gives the same estimates, one
    # of them .037, p = .04): a single sample may show a little, four in a row next to nothing.
    model = M.method_factor(M.cfa(MODEL))
    shares = []
    for seed in range(4):
        data = simulate_method(2000, [0.0], seed=seed)
        fit = fit_model(model, data)
        shares.append(method_share(fit, model.method))
        assert nested_test(fit_model(M.cfa(MODEL), data), fit, "ML")["pvalue"] > 0.001
    assert max(shares) < 0.05 and np.mean(shares) < 0.03  # against .16 planted above


def test_method_bias_reports_the_ulmc_and_the_path_changes():
    data = simulate_method(800, [0.4], seed=8)
    fits = {n: fit_model(m, data) for n, m in
            [("one_factor", M.one_factor(MODEL)), ("cfa", M.cfa(MODEL)), ("structural", MODEL)]}
    summary, paths, marker = method_bias(MODEL, data, fits)
    assert summary["single_factor"]["rejected"] and marker is None
    u = summary["ulmc"]
    assert u["converged"] and u["improves_fit"] and u["df_diff"] == 1
    assert u["method_variance_share"] == pytest.approx(0.16, abs=0.04)
    assert len(paths) == 10 and {"std_trait", "std_method", "std_change"} <= set(paths.columns)
    # the method factor inflates the correlations; with it the paths are estimated without it
    assert (paths["std_change"] == paths["std_method"] - paths["std_trait"]).all()


def test_the_marker_adjustment_follows_lindell_and_whitney():
    rng = np.random.default_rng(1)
    n = 400
    common = rng.standard_normal(n)
    frame = pd.DataFrame({"a1": common + rng.standard_normal(n), "a2": common + rng.standard_normal(n),
                          "b1": 0.5 * common + rng.standard_normal(n), "b2": 0.5 * common + rng.standard_normal(n),
                          "m1": 0.3 * common + rng.standard_normal(n)})
    table, facts = marker_adjustment(frame, {"A": ["a1", "a2"], "B": ["b1", "b2"]}, ["m1"])
    scores = pd.DataFrame({"A": frame[["a1", "a2"]].mean(axis=1), "B": frame[["b1", "b2"]].mean(axis=1)})
    r_m = min(scores.corrwith(frame["m1"]))
    r = scores.corr().loc["A", "B"]
    assert facts["r_marker"] == pytest.approx(r_m)
    row = table.iloc[0]
    assert row["r_adjusted"] == pytest.approx((r - r_m) / (1 - r_m))
    assert row["t_adjusted"] == pytest.approx(row["r_adjusted"] / math.sqrt((1 - row["r_adjusted"] ** 2) / (n - 3)))


# ------------------------------------------------------------------ sensitivity

def test_sensitivity_rows_and_a_variant_that_changes_a_path():
    flipped = DATA.copy()

    def reversed_pw(data, model):  # a variant in which PW's items are reverse-keyed: b1, b2, d2 flip sign
        frame = data.scored.copy()
        for c in ["PW1", "PW2", "PW3", "PW4"]:
            frame[c] = 6 - frame[c]
        return fit_model(model, frame)

    variants = {"ml": ml, "none": lambda d, m: None, "reversed": reversed_pw}
    table, fits, facts = sensitivity(SensitivityData(flipped), MODEL, variants)
    assert facts["variants"] == ["ml", "reversed"] and facts["skipped"] == ["none"]
    paths = table[table["kind"] == "path"]
    assert len(paths) == 10
    assert set(table["kind"]) == {"path", "indirect", "total_indirect", "total"}
    ref = keyed(pd.read_csv(REF / "robustness_structural_params.csv", keep_default_na=False, na_values=[""]))
    for r in paths.itertuples():
        assert r.ml_est == pytest.approx(ref["est"].loc[[(r.lhs, "~", r.rhs)]].iloc[0], abs=TOL)
    changed = set(table.loc[table["changes"] != "", "key"])
    assert {"PW ~ PM", "PW ~ PL", "GS ~ PW"} <= changed and "PL ~ OB" not in changed
    assert "PW ~ PM changes sign under reversed" in facts["text"]


def test_without_mahalanobis_records_or_controls_those_variants_are_skipped():
    only_ml = {"ml": ml, **{k: VARIANTS[k] for k in ("fiml", "ml_with_mahalanobis", "ml_controls")}}
    table, fits, facts = sensitivity(SensitivityData(DATA, DATA.iloc[:0], DATA.iloc[:0]), MODEL, only_ml)
    # complete data and no incomplete record excluded: FIML would be ML
    assert facts["variants"] == ["ml"] and facts["skipped"] == ["fiml", "ml_with_mahalanobis", "ml_controls"]
    assert "Only the primary analysis" in facts["text"]


# ------------------------------------------------------------------ the estimator variants

def _lavaan(path):
    ref = pd.read_csv(path, keep_default_na=False, na_values=[""])
    paths = ref[(ref["op"] == "~")].set_index(["lhs", "rhs"])
    defined = ref[ref["op"] == ":="].set_index("lhs")
    return paths, defined


def _check_variant(table, variant, path):
    """The variant's cells (paths and the model's := effects) against lavaan's parameterEstimates."""
    paths, defined = _lavaan(path)
    rows = table[table["kind"] == "path"]
    assert len(rows) == len(paths) == 10
    labelled = table[(table["kind"] != "path") & (table["label"] != "")]
    assert set(labelled["label"]) == set(defined.index)  # every := row of the model file
    worst = 0.0
    for col, rcol in [("est", "est"), ("se", "se"), ("pvalue", "pvalue"), ("std_all", "std.all")]:
        ours = rows[f"{variant}_{col}"].to_numpy()
        theirs = paths.loc[list(zip(rows["lhs"], rows["rhs"])), rcol].to_numpy()
        np.testing.assert_allclose(ours, theirs, atol=TOL, rtol=0, err_msg=f"{variant} path {col}")
        ours_d = labelled[f"{variant}_{col}"].to_numpy()
        theirs_d = defined.loc[labelled["label"], rcol].to_numpy()
        np.testing.assert_allclose(ours_d, theirs_d, atol=TOL, rtol=0, err_msg=f"{variant} := {col}")
        worst = max(worst, np.max(np.abs(ours - theirs)), np.max(np.abs(ours_d - theirs_d)))
    return worst


def test_the_mlr_and_wlsmv_variants_match_lavaan():
    table, fits, facts = sensitivity(SensitivityData(DATA), MODEL)
    assert facts["variants"] == ["ml", "mlr", "wlsmv"]
    assert facts["skipped"] == ["fiml", "ml_with_mahalanobis", "ml_controls"] and not facts["failed"]
    columns = [c for c in table.columns if c.endswith("_est")]
    assert columns == ["ml_est", "mlr_est", "wlsmv_est"]  # the primary first, then the estimators
    assert fits["wlsmv"].fit["estimator"] == "WLSMV" and sorted(fits["wlsmv"].ordered) == sorted(MODEL.indicators)
    _check_variant(table, "mlr", REF / "governance_mlr_params.csv")
    _check_variant(table, "wlsmv", REF / "wlsmv_governance_params.csv")
    np.testing.assert_allclose(table["mlr_est"], table["ml_est"], atol=1e-10)  # same estimates
    assert set(facts["agreement"]) == {"mlr", "wlsmv"}
    for variant, agreed in facts["agreement"].items():
        differ = table["changes"].str.contains(variant)
        assert agreed["paths_agree"] == (not differ[table["kind"] == "path"].any())


def test_the_fiml_variant_adds_the_incomplete_records_and_matches_lavaan():
    data = pd.read_csv(REF / "robustness_fiml_data.csv")
    holes = data.isna().any(axis=1)
    assert holes.sum() == INFO["fiml"]["n_incomplete"] == 40
    variants = {k: VARIANTS[k] for k in ("ml", "fiml")}
    sample = SensitivityData(data[~holes].reset_index(drop=True), incomplete=data[holes].reset_index(drop=True))
    table, fits, facts = sensitivity(sample, MODEL, variants)
    assert facts["n"] == {"ml": 410, "fiml": INFO["fiml"]["n"]}
    assert fits["fiml"].fit["n_partial"] == 40
    _check_variant(table, "fiml", REF / "robustness_fiml_params.csv")


def test_the_incomplete_records_are_those_excluded_only_for_being_incomplete():
    from govsurvey.study.instrument import load_instrument

    instrument = load_instrument(ROOT / "data" / "instruments" / "party_building_governance.yaml")
    responses = DATA.head(6).copy()
    responses.insert(0, "record", [f"r{k}" for k in range(6)])
    ledger = pd.DataFrame({
        "record": responses["record"],
        "kept": [True, False, False, False, False, True],
        "primary_reason": ["", "incomplete", "mahalanobis", "speeder", "incomplete", ""],
        "reasons": ["", "incomplete", "mahalanobis;incomplete", "speeder", "incomplete", ""]})
    picked = incomplete_records(responses, ledger.iloc[::-1], instrument)  # by record, not by row
    assert list(picked["record"]) == ["r1", "r4"]
    assert instrument.reverse_items == ["IN4", "OB4", "MS4", "PL4", "PW4", "RI4"]
    for code in instrument.reverse_items:  # scored as the analysis sample
        assert (picked[code].to_numpy() == instrument.reverse_score(responses.loc[[1, 4], code]).to_numpy()).all()
    assert (picked["IN1"].to_numpy() == responses.loc[[1, 4], "IN1"].to_numpy()).all()


@pytest.mark.parametrize("estimator", ["MLR", "WLSMV"])
def test_competing_models_under_mlr_and_wlsmv_match_lavTestLRT(estimator):
    ref = INFO["robust"][estimator]
    table, fits, tests, verdict = compare_models(M.competing_models(MODEL), DATA, estimator=estimator)
    assert verdict["estimator"] == estimator and set(table["estimator"]) == {estimator}
    rows = table.set_index("model")
    for name, model in ref["models"].items():
        if name not in rows.index:
            continue  # the ULMC, below
        assert bool(rows.loc[name, "converged"]) == model["converged"]
        for measure, value in model["fit"].items():
            assert rows.loc[name, measure] == pytest.approx(value, abs=TOL), f"{name} {measure}"
    if estimator == "WLSMV":
        assert verdict["smallest_aic"] is None and rows["aic"].isna().all()
    expected = [t for t in ref["tests"] if t["general"] != "ulmc_cfa"]
    assert [(t["restricted"], t["general"]) for t in tests] == [(t["restricted"], t["general"]) for t in expected]
    for ours, theirs in zip(tests, expected):
        assert ours["method"] == theirs["method"]
        assert ours["df_diff"] == theirs["df_diff"]
        # the scaled difference multiplies the scaling factors' 1e-7 deviation by about
        # r0 / (r0 - r1) * T (one-factor against the CFA: 464 / 28 * 3189): 0.009 there, 3e-6
        # relative; the scaling factors themselves agree within 1e-6 (the fit rows above)
        assert ours["chisq_diff"] == pytest.approx(theirs["chisq_diff"], rel=5e-6, abs=TOL)
        assert ours["pvalue"] == pytest.approx(theirs["pvalue"], abs=TOL)
    assert rows.loc["one_factor", "test_method"] == expected[0]["method"]


def test_the_ulmc_test_under_mlr_matches_lavaan():
    fits = {n: fitted(n) for n in ("one_factor", "cfa", "structural")}
    summary, _, _ = method_bias(MODEL, DATA, fits, primary="MLR")
    theirs = next(t for t in INFO["robust"]["MLR"]["tests"] if t["general"] == "ulmc_cfa")
    ours = summary["ulmc"]["primary_test"]
    assert ours["estimator"] == "MLR" and ours["method"] == theirs["method"] == "satorra.bentler.2001"
    assert ours["df_diff"] == theirs["df_diff"] == 1
    assert ours["chisq_diff"] == pytest.approx(theirs["chisq_diff"], abs=TOL)
    assert ours["pvalue"] == pytest.approx(theirs["pvalue"], abs=TOL)
    assert ours["chisq_diff"] != pytest.approx(summary["ulmc"]["chisq_diff"], abs=0.01)  # not ML's
    one = summary["single_factor"]["primary_test"]
    theirs = INFO["robust"]["MLR"]["tests"][0]
    assert one["chisq_diff"] == pytest.approx(theirs["chisq_diff"], rel=5e-6, abs=TOL)  # as above
    assert method_bias(MODEL, DATA, fits)[0]["ulmc"]["primary_test"] is None  # ML: the ML test only


def test_an_instrument_may_declare_a_marker_and_the_stage_uses_it(tmp_path):
    import yaml

    from govsurvey.study.instrument import load_instrument

    spec = yaml.safe_load((ROOT / "data" / "instruments" / "party_building_governance.yaml").read_text(encoding="utf-8"))
    spec["marker"] = {"name": {"zh": "标记变量", "en": "Marker"},
                      "items": [{"code": "MK1", "zh": "我喜欢蓝色", "en": "I like the colour blue"}]}
    spec["matrices"][-1]["rows"].append("MK1")
    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    instrument = load_instrument(path)
    assert [i.code for i in instrument.marker] == ["MK1"] and instrument.items["MK1"].construct == "marker"
    rng = np.random.default_rng(2)
    data = simulate_method(600, [0.4], seed=2)
    data["MK1"] = 0.4 * rng.standard_normal(600)  # a marker: unrelated to the traits
    fits = {n: fit_model(m, data) for n, m in
            [("one_factor", M.one_factor(MODEL)), ("cfa", M.cfa(MODEL)), ("structural", MODEL)]}
    summary, _, marker = method_bias(MODEL, data, fits, marker_items=["MK1"])
    assert len(marker) == 28 and set(summary["marker"]) >= {"r_marker", "substantive_variance_share", "converged"}
    assert (marker["r_adjusted"] <= marker["r"] + 1e-12).all()
