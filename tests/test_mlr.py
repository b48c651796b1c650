"""MLR (sem/robust.py) and the nested-model tests (sem/nested.py) against lavaan 0.6-14
fixtures (tests/reference/make_mlr_reference.R), and against known truth on simulated data.
No R is needed."""

import dataclasses
import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.sem import PARAM_COLUMNS, fit_sem
from govsurvey.sem.fit import parameter_table
from govsurvey.sem.indices import fit_indices
from govsurvey.sem.nested import compare_nested
from govsurvey.sem.robust import mlr_statistics, trace_h1
from conftest import keyed

REF = Path(__file__).parent / "reference"
# fixedx: observed predictors (lavaan's fixed.x); saturated: df = 0, no scaling factor
CASES = ["holzinger", "holzinger_equal", "holzinger_equal_orth", "holzinger_one", "politdem",
         "politdem_nocov", "governance", "governance_partial", "fixedx", "saturated"]
COMPARISONS = {"holzinger": ["holzinger", "holzinger_equal", "holzinger_equal_orth"],
               "holzinger_one": ["holzinger_one", "holzinger"],
               "politdem": ["politdem_nocov", "politdem"],
               "governance": ["governance_partial", "governance"]}
TOL = 1e-3
# chi-squares and AIC/BIC are in the hundreds or thousands: the same 1e-3, relative to them
RTOL_LARGE = 1e-6
# lavaan's fitMeasures we do not report (fmin is lavaan's half F_ML: chisq / 2N)
NOT_OURS = {"fmin"}


_fits = {}


def fitted(name, estimator="MLR"):
    if (name, estimator) not in _fits:
        info = json.loads((REF / f"{name}_mlr.json").read_text())
        data = pd.read_csv(REF / info["data"])
        _fits[name, estimator] = (fit_sem(info["model"], data, log=lambda _: None,
                                          estimator=estimator), info)
    return _fits[name, estimator]


def test_fixtures_use_the_defaults_robust_py_reproduces():
    """If another lavaan chose other MLR defaults, the fixtures would not test our formulas."""
    for name in CASES:
        info = json.loads((REF / f"{name}_mlr.json").read_text())
        assert info["lavaan_version"] == "0.6.14"
        opt = info["options"]
        assert opt["se"] == "robust.huber.white" and opt["test"] == "yuan.bentler.mplus"
        assert opt["information"] == ["observed", "observed"]
        assert opt["observed.information"] == ["hessian", "hessian"]
        assert opt["h1.information"] == ["structured", "structured"]
        assert opt["information.meat"] == "first.order"
        assert opt["h1.information.meat"] == "structured"
        assert opt["meanstructure"] is False


@pytest.mark.parametrize("name", CASES)
def test_parameter_table_matches_lavaan_mlr(name):
    fit, _ = fitted(name)
    ref = pd.read_csv(REF / f"{name}_mlr_params.csv", keep_default_na=False, na_values=[""])
    ours = keyed(fit.params)
    ref = keyed(ref)
    assert list(fit.params.columns) == PARAM_COLUMNS
    assert sorted(ours.index) == sorted(ref.index)
    ref = ref.loc[ours.index]
    for col, rcol in [("est", "est"), ("se", "se"), ("ci_lower", "ci.lower"),
                      ("ci_upper", "ci.upper"), ("std_all", "std.all"),
                      ("std_all_se", "std.all.se")]:
        np.testing.assert_allclose(ours[col], ref[rcol], atol=TOL, rtol=0, err_msg=col)
    free = ref["se"] > 0
    np.testing.assert_allclose(ours.loc[free, "z"], ref.loc[free, "z"], atol=TOL)
    np.testing.assert_allclose(ours.loc[free, "pvalue"], ref.loc[free, "pvalue"], atol=TOL)


@pytest.mark.parametrize("name", CASES)
def test_robust_se_differ_from_ml(name):
    """The sandwich is not the ML covariance (else the comparison above would prove little)."""
    mlr, _ = fitted(name)
    ml, _ = fitted(name, "ML")
    np.testing.assert_allclose(mlr.params["est"], ml.params["est"])
    free = ml.params["se"] > 0
    assert np.max(np.abs(mlr.params.loc[free, "se"] - ml.params.loc[free, "se"])) > 10 * TOL
    assert ml.fit["estimator"] == "ML" and mlr.fit["estimator"] == "MLR"
    assert "chisq_scaled" not in ml.fit


@pytest.mark.parametrize("name", CASES)
def test_fit_measures_match_lavaan_mlr(name):
    fit, info = fitted(name)
    assert fit.converged and info["converged"]
    for key, value in info["fit"].items():
        if key in NOT_OURS:
            continue
        ours = fit.fit[key.replace(".", "_")]
        if value == "NA":
            assert math.isnan(ours), key
        else:
            assert ours == pytest.approx(value, abs=TOL, rel=RTOL_LARGE), key


@pytest.mark.parametrize("name", CASES)
def test_yuan_bentler_test_matches_lavaan(name):
    fit, info = fitted(name)
    test = info["test"]
    if test["df"] == 0:
        assert math.isnan(fit.fit["chisq_scaling_factor"]) and test["scaling.factor"] == "NA"
        assert fit.fit["chisq_scaled"] == fit.fit["chisq"]
        return
    assert fit.fit["chisq_scaled"] == pytest.approx(test["stat"], rel=RTOL_LARGE)
    assert fit.fit["chisq_scaling_factor"] == pytest.approx(test["scaling.factor"], abs=1e-5)
    assert fit.fit["chisq_scaling_factor"] * fit.fit["df"] == pytest.approx(
        test["trace.UGamma"], rel=RTOL_LARGE)
    assert fit.fit["pvalue_scaled"] == pytest.approx(test["pvalue"], abs=TOL)


@pytest.mark.parametrize("name", CASES)
def test_formulas_at_lavaans_own_estimates(name):
    """lavaan's optimizer stops earlier than ours (estimates up to 1e-4 apart on
    PoliticalDemocracy), and that carries into every figure above. At lavaan's estimates the
    sandwich and the Yuan-Bentler trace must agree to rounding."""
    fit, info = fitted(name)
    ref = pd.read_csv(REF / f"{name}_mlr_params.csv", keep_default_na=False, na_values=[""])
    ref["label"] = ref["label"].fillna("") if "label" in ref else ""
    x = fit.layout.free_vector(ref)
    sigma, _ = fit.layout.implied(x)
    ml = fit_indices(fit.S, sigma, fit.n, fit.fit["npar"], fit.layout.fixed_x())
    robust = mlr_statistics(dataclasses.replace(fit, x=x, fit=ml))
    for key in ("chisq_scaled", "chisq_scaling_factor", "baseline_chisq_scaling_factor",
                "scaling_factor_h0", "cfi_robust", "tli_robust", "rmsea_robust",
                "rmsea_ci_lower_robust", "rmsea_ci_upper_robust"):
        if info["fit"].get(key.replace("_", "."), "NA") == "NA":  # saturated
            continue
        # the CIs: R's uniroot stops at 1.2e-4 in the noncentrality, ~1e-8 in RMSEA
        assert robust["fit"][key] == pytest.approx(info["fit"][key.replace("_", ".")],
                                                   rel=1e-8, abs=1e-7 if "ci" in key else 1e-9), key
    ours = keyed(parameter_table(fit.parsed, fit.layout, x, robust["vcov"]))
    ref = keyed(ref).loc[ours.index]
    np.testing.assert_allclose(ours["se"], ref["se"], atol=1e-8)
    np.testing.assert_allclose(ours["std_all_se"], ref["std.all.se"], atol=1e-7)


@pytest.mark.parametrize("comparison", sorted(COMPARISONS))
@pytest.mark.parametrize("estimator", ["ML", "MLR"])
def test_nested_tests_match_lavtestlrt(comparison, estimator):
    names = COMPARISONS[comparison]
    table = compare_nested([fitted(n, estimator)[0] for n in names], names)
    ref = pd.read_csv(REF / f"lrt_{comparison}_{estimator.lower()}.csv")
    assert list(table["model"]) == list(ref["model"])  # ordered by df, as lavaan
    assert table.attrs["method"] == ("chisq" if estimator == "ML" else "satorra.bentler.2001")
    pairs = [("df", "Df"), ("aic", "AIC"), ("bic", "BIC"), ("chisq", "Chisq"),
             ("delta_chisq", "Chisq diff"), ("delta_df", "Df diff"), ("p", "Pr(>Chisq)")]
    pairs += [("delta_rmsea", "RMSEA")] if estimator == "ML" else [
        ("scaling_factor", "scaling.factor")]
    for ours, theirs in pairs:
        np.testing.assert_allclose(table[ours], ref[theirs], atol=TOL, rtol=RTOL_LARGE,
                                   err_msg=ours)
    assert table.loc[1:, "p"].notna().all() and table.loc[0, ["delta_chisq", "p"]].isna().all()
    if estimator == "MLR":
        assert table["delta_rmsea"].isna().all()


@pytest.mark.parametrize("comparison", sorted(COMPARISONS))
def test_scaled_difference_from_lavaans_own_statistics(comparison):
    """The Satorra-Bentler 2001 difference multiplies the error of each model's scaling factor
    by r / (r0 - r1) (up to 9 here): lavaan's optimizer precision alone moves it by 1e-3. From
    lavaan's own chi-squares and scaling factors the table must agree to rounding."""
    names = COMPARISONS[comparison]
    models = []
    for name in names:
        info = json.loads((REF / f"{name}_mlr.json").read_text())
        fit = {k.replace(".", "_"): v for k, v in info["fit"].items()}
        models.append(SimpleNamespace(fit=dict(fit, estimator="MLR"), n=fit["ntotal"],
                                      converged=True, layout=fitted(name)[0].layout))
    table = compare_nested(models, names)
    ref = pd.read_csv(REF / f"lrt_{comparison}_mlr.csv")
    for ours, theirs in [("delta_chisq", "Chisq diff"), ("p", "Pr(>Chisq)"),
                         ("scaling_factor", "scaling.factor"), ("aic", "AIC")]:
        np.testing.assert_allclose(table[ours], ref[theirs], rtol=1e-9, err_msg=ours)


def test_nested_refuses_mixed_estimators_and_other_data():
    ml, _ = fitted("holzinger", "ML")
    mlr, _ = fitted("holzinger_equal")
    with pytest.raises(InputError, match="different estimators"):
        compare_nested([ml, mlr])
    politdem, _ = fitted("politdem", "ML")
    with pytest.raises(InputError, match="same data"):
        compare_nested([ml, politdem])
    with pytest.raises(InputError, match="two or more"):
        compare_nested([ml])


def test_nested_notes_a_restricted_model_that_fits_better():
    """Given the wrong way round (same df), lavaan warns and gives no p-value."""
    equal, _ = fitted("holzinger_equal", "ML")
    one, _ = fitted("holzinger_one", "ML")
    notes = []
    table = compare_nested([equal, one], ["equal", "one"], log=notes.append)
    assert table["delta_df"].iloc[1] == 0 and math.isnan(table["p"].iloc[1])
    assert any("same df" in n for n in notes)


def test_unknown_estimator_is_refused():
    data = pd.read_csv(REF / "holzinger_data.csv")
    with pytest.raises(InputError, match="unknown estimator 'WLS'.*ML, MLR"):
        fit_sem("f =~ x1 + x2 + x3", data, estimator="WLS", log=lambda _: None)


def test_mlr_refuses_a_model_that_is_not_identified():
    """Two indicators of one factor: four parameters for three moments."""
    data = pd.read_csv(REF / "holzinger_data.csv")
    with pytest.raises(InputError, match="not identified under MLR.*f =~ x2") as err:
        fit_sem("f =~ x1 + x2", data, estimator="MLR", log=lambda _: None, source="m.lavaan")
    assert str(err.value).startswith("m.lavaan:") and "Fix:" in str(err.value)


def test_mlr_refuses_too_few_cases():
    """16 cases for 21 parameters: the casewise scores cannot fill the meat of the sandwich."""
    data = pd.read_csv(REF / "holzinger_data.csv").head(16)
    model = json.loads((REF / "holzinger_mlr.json").read_text())["model"]
    with pytest.raises(InputError, match="N = 16 for 21 free parameters") as err:
        fit_sem(model, data, estimator="MLR", log=lambda _: None, data_source="answers.csv")
    assert str(err.value).startswith("answers.csv:")


def _two_factor_sample(n, rng, nu=None):
    lam = np.array([[1.0, 0], [0.8, 0], [0.7, 0], [0, 1.0], [0, 0.9], [0, 0.6]])
    phi = np.array([[1.0, 0.4], [0.4, 0.8]])
    sigma = lam @ phi @ lam.T + np.diag([0.5, 0.6, 0.7, 0.5, 0.5, 0.8])
    z = rng.multivariate_normal(np.zeros(6), sigma, size=n)
    if nu is not None:  # multivariate t: normal over sqrt(chi2_nu / (nu - 2)), covariance sigma
        z = z / np.sqrt(rng.chisquare(nu, size=(n, 1)) / (nu - 2))
    return pd.DataFrame(z, columns=[f"y{k}" for k in range(1, 7)])


TWO_FACTOR = "f1 =~ y1 + y2 + y3\nf2 =~ y4 + y5 + y6"


def test_normal_data_need_no_correction():
    """Known truth: with normal data the scaling factors tend to 1 and the sandwich to the
    inverse information (large N)."""
    data = _two_factor_sample(40000, np.random.default_rng(11))
    mlr = fit_sem(TWO_FACTOR, data, estimator="MLR", log=lambda _: None)
    ml = fit_sem(TWO_FACTOR, data, log=lambda _: None)
    assert mlr.fit["chisq_scaling_factor"] == pytest.approx(1, abs=0.1)
    assert mlr.fit["baseline_chisq_scaling_factor"] == pytest.approx(1, abs=0.05)
    free = ml.params["se"] > 0
    ratio = mlr.params.loc[free, "se"] / ml.params.loc[free, "se"]
    assert ratio.between(0.95, 1.05).all(), ratio


def test_elliptical_data_are_scaled_by_their_kurtosis():
    """Known truth: for an elliptical distribution with kurtosis parameter kappa (multivariate
    t with nu df: kappa = 2 / (nu - 4)) the scaling factor of any model tends to 1 + kappa, and
    tr(Gamma A1) to (p(p+2)(1 + kappa) - p) / 2 (Mardia's kurtosis); the scaled chi-square of
    the true model is then a chi-square on df again."""
    nu, p = 12, 6
    kappa = 2 / (nu - 4)
    data = _two_factor_sample(60000, np.random.default_rng(5), nu=nu)
    fit = fit_sem(TWO_FACTOR, data, estimator="MLR", log=lambda _: None)
    assert fit.fit["chisq_scaling_factor"] == pytest.approx(1 + kappa, rel=0.1)
    assert fit.fit["baseline_chisq_scaling_factor"] == pytest.approx(1 + kappa, rel=0.1)
    centred = fit.data - fit.data.mean(axis=0)
    assert trace_h1(fit.S, centred) == pytest.approx((p * (p + 2) * (1 + kappa) - p) / 2, rel=0.1)
    # the identity behind the Mardia form: the mean of d^2 over the cases, d Mahalanobis
    d2 = np.einsum("ia,ab,ib->i", centred, np.linalg.inv(fit.S), centred)
    assert trace_h1(fit.S, centred) == pytest.approx((np.mean(d2**2) - p) / 2, rel=1e-10)


def test_the_fit_table_reports_the_scaled_chi_square_and_the_robust_indices_under_mlr():
    """Before: the chapter's fit table and sentences read ML's chisq/cfi/tli/rmsea whatever the
    estimator. Under MLR they are lavaan's chisq.scaled and cfi/tli/rmsea.robust."""
    from govsurvey.sem.indices import fit_table

    fit, info = fitted("governance")
    reference = info["fit"]
    table = fit_table(fit.fit).set_index("index")["value"]
    for ours, theirs in [("chisq", "chisq.scaled"), ("pvalue", "pvalue.scaled"), ("cfi", "cfi.robust"),
                         ("tli", "tli.robust"), ("rmsea", "rmsea.robust"),
                         ("rmsea_ci_lower", "rmsea.ci.lower.robust"), ("rmsea_ci_upper", "rmsea.ci.upper.robust")]:
        assert table[ours] == pytest.approx(reference[theirs], abs=TOL, rel=RTOL_LARGE), ours
    assert table["chisq_df"] == pytest.approx(reference["chisq.scaled"] / reference["df"], abs=TOL)
    assert table["srmr"] == pytest.approx(reference["srmr"], abs=TOL)
    ml = fit_table(fitted("governance", "ML")[0].fit).set_index("index")["value"]
    assert ml["chisq"] == pytest.approx(reference["chisq"], abs=TOL) and ml["chisq"] != table["chisq"]
