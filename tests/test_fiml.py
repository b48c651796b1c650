"""Full-information ML (missing = "ml", also with MLR) against lavaan 0.6-14 fixtures
(tests/reference/, made by make_fiml_reference.R), and against known truth: on complete data
FIML is the complete-data ML fit. No R is needed."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.sem import PARAM_COLUMNS, fit_sem
from govsurvey.sem.fiml import Patterns, em_h1, fit_fiml
from conftest import assert_parameters_agree, keyed

REF = Path(__file__).parent / "reference"
CASES = ["politdem", "holzinger", "governance"]
ESTIMATORS = ["ml", "mlr"]
TOL = 1e-3
# What fit_fiml must report (lavaan's names, '.' -> '_'); the MLR-only ones besides.
MEASURES = ["npar", "fmin", "chisq", "df", "pvalue", "baseline_chisq", "baseline_df",
            "baseline_pvalue", "cfi", "tli", "nnfi", "nfi", "rfi", "ifi", "logl",
            "unrestricted_logl", "aic", "bic", "bic2", "ntotal", "rmsea", "rmsea_ci_lower",
            "rmsea_ci_upper", "rmsea_pvalue", "srmr", "cfi_robust", "tli_robust", "nnfi_robust",
            "rmsea_robust", "rmsea_ci_lower_robust", "rmsea_ci_upper_robust",
            "rmsea_pvalue_robust"]
MLR_MEASURES = ["chisq_scaled", "df_scaled", "pvalue_scaled", "chisq_scaling_factor",
                "baseline_chisq_scaled", "baseline_df_scaled", "baseline_pvalue_scaled",
                "baseline_chisq_scaling_factor", "cfi_scaled", "tli_scaled", "nnfi_scaled",
                "scaling_factor_h1", "scaling_factor_h0", "rmsea_scaled",
                "rmsea_ci_lower_scaled", "rmsea_ci_upper_scaled", "rmsea_pvalue_scaled"]


def model_text(name):
    if name == "governance":
        return (REF.parent.parent / "data" / "models" / "governance.lavaan").read_text()
    script = (REF / "models.R").read_text()  # the models the fixture scripts share
    var = {"politdem": "politdem_model", "holzinger": "hs_model"}[name]
    return re.search(var + r" <- '(.*?)'", script, re.S).group(1)


_fits = {}


def fitted(name, est):
    if (name, est) not in _fits:
        info = json.loads((REF / f"fiml_{name}_{est}.json").read_text())
        data = pd.read_csv(REF / f"fiml_{name}_data.csv")
        params = pd.read_csv(REF / f"fiml_{name}_{est}_params.csv", keep_default_na=False,
                             na_values=[""])
        if "label" not in params:
            params["label"] = ""
        params["label"] = params["label"].fillna("")
        lines = []
        fit = fit_fiml(model_text(name), data, robust=est == "mlr", log=lines.append)
        _fits[name, est] = fit, info, params, data, lines
    return _fits[name, est]


@pytest.mark.parametrize("est", ESTIMATORS)
@pytest.mark.parametrize("name", CASES)
def test_parameter_table_matches_lavaan(name, est):
    fit, _, ref, _, _ = fitted(name, est)
    assert list(fit.params.columns) == PARAM_COLUMNS
    assert_parameters_agree(fit.params, ref, TOL)  # incl. every `~1` row lavaan prints


@pytest.mark.parametrize("est", ESTIMATORS)
@pytest.mark.parametrize("name", CASES)
def test_fit_measures_match_lavaan(name, est):
    fit, info, _, _, _ = fitted(name, est)
    assert fit.converged and info["converged"]
    wanted = MEASURES + (MLR_MEASURES if est == "mlr" else [])
    assert not [k for k in wanted if k not in fit.fit]
    for key in wanted:
        value = info["fit"][key.replace("_", ".")]
        assert fit.fit[key] == pytest.approx(value, abs=TOL), key
    if est == "mlr":
        details = info["test_details"]
        assert fit.fit["trace_ugamma"] == pytest.approx(details["trace_ugamma"], abs=TOL)
        assert fit.fit["chisq_scaled"] == pytest.approx(
            fit.fit["chisq"] / fit.fit["chisq_scaling_factor"])


@pytest.mark.parametrize("name", CASES)
def test_counts_match_lavaan(name):
    fit, info, _, data, lines = fitted(name, "ml")
    items = fit.layout.obs
    empty = int(data[items].isna().all(axis=1).sum())
    complete = int(data[items].notna().all(axis=1).sum())
    assert empty == 1 == fit.fit["n_empty"]  # the planted empty record, left out as lavaan does
    assert fit.n == fit.fit["ntotal"] == info["nobs"] == info["norig"] - 1
    assert fit.fit["n_complete"] == complete
    assert fit.fit["n_partial"] == len(data) - empty - complete > 0
    assert fit.fit["n_patterns"] == info["n_patterns"]
    assert any("every analysed item missing" in line for line in lines)


@pytest.mark.parametrize("name", CASES)
def test_h1_moments_and_r2_match_lavaan(name):
    fit, info, _, _, _ = fitted(name, "ml")
    order = [fit.layout.obs.index(v) for v in info["h1_names"]]
    np.testing.assert_allclose(fit.S[np.ix_(order, order)], np.array(info["h1_cov"]),
                               atol=1e-6)
    for var, value in info["r2"].items():
        assert fit.r2[var] == pytest.approx(value, abs=TOL), var


def test_ml_and_mlr_share_estimates_not_ses():
    ml, mlr = fitted("politdem", "ml")[0], fitted("politdem", "mlr")[0]
    np.testing.assert_allclose(ml.x, mlr.x, atol=1e-9)
    assert np.max(np.abs(ml.params["se"] - mlr.params["se"])) > 1e-3


def test_complete_data_fiml_is_ml():
    """Known truth: with nothing missing, EM returns the sample moments, FIML the complete-data
    ML estimates (free intercepts = sample means), and chi-square and fit indices are ML's."""
    info = json.loads((REF / "politdem.json").read_text())
    data = pd.read_csv(REF / info["data"])
    ml = fit_sem(info["model"], data, log=lambda s: None)
    fiml = fit_fiml(info["model"], data, log=lambda s: None)
    a, b = keyed(ml.params), keyed(fiml.params)
    np.testing.assert_allclose(b.loc[a.index, "est"], a["est"], atol=1e-6)
    means = b[b.index.map(lambda k: k[1] == "~1" and k[0] in data.columns)]
    np.testing.assert_allclose(means["est"], data[[k[0] for k in means.index]].mean(), atol=1e-6)
    for key in ("chisq", "cfi", "tli", "rmsea", "srmr", "aic", "bic", "logl"):
        if key == "srmr":  # FIML's SRMR has the (zero) mean residuals among its elements
            p = len(fiml.layout.obs)
            expect = ml.fit["srmr"] * math.sqrt(p * (p + 1) / 2 / (p * (p + 1) / 2 + p))
            assert fiml.fit[key] == pytest.approx(expect, abs=1e-6)
            continue
        if key in ("aic", "bic"):  # FIML counts the intercepts
            continue
        assert fiml.fit[key] == pytest.approx(ml.fit[key], abs=1e-6), key
    assert fiml.fit["df"] == ml.fit["df"] and fiml.fit["n_partial"] == 0
    assert fiml.fit["npar"] == ml.fit["npar"] + len(fiml.layout.obs)


def test_em_on_complete_data_is_the_sample_moments():
    rng = np.random.default_rng(3)
    Y = rng.normal(size=(50, 4)) @ rng.normal(size=(4, 4))
    mu, sigma, iterations = em_h1(Patterns(Y))
    np.testing.assert_allclose(mu, Y.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(Y, rowvar=False, bias=True), atol=1e-10)
    assert iterations <= 2


def test_em_recovers_known_moments_under_mar():
    """Known truth on simulated data: with values missing at random (depending on an observed
    item), EM's moments are close to the population's, listwise ones are biased."""
    rng = np.random.default_rng(11)
    n = 20000
    cov = np.array([[1.0, 0.6, 0.5], [0.6, 1.0, 0.4], [0.5, 0.4, 1.0]])
    Y = rng.multivariate_normal([0, 0, 0], cov, size=n)
    drop = (Y[:, 0] > 0.3) & (rng.random(n) < 0.7)   # item 2 missing mostly when item 0 is high
    Y[drop, 2] = np.nan
    mu, sigma, _ = em_h1(Patterns(Y))
    assert np.max(np.abs(mu)) < 0.03 and np.max(np.abs(sigma - cov)) < 0.04
    assert abs(np.nanmean(Y[:, 2])) > 0.1  # available-case mean of item 2 is biased


def _politdem_data():
    return pd.read_csv(REF / "fiml_politdem_data.csv")


def test_column_without_answers_is_named():
    data = _politdem_data()
    data["y3"] = np.nan
    with pytest.raises(InputError, match=r"y3.*no answer"):
        fit_fiml(model_text("politdem"), data, log=lambda s: None)


def test_items_never_answered_together_are_named():
    data = _politdem_data()
    data.loc[data["x1"].notna(), "y2"] = np.nan   # y2 only where x1 is missing: never both
    data.loc[data["y2"].notna(), "x1"] = np.nan
    data.loc[data.index[:5], "y2"] = 1.0           # ...and y2 observed in records without x1
    data.loc[data.index[:5], "x1"] = np.nan
    with pytest.raises(InputError, match=r"never answered together.*x1 and y2"):
        fit_fiml(model_text("politdem"), data, log=lambda s: None)


def test_model_not_identified_is_refused():
    with pytest.raises(InputError, match="not identified"):
        fit_fiml("F =~ x1 + x2", _politdem_data(), log=lambda s: None)


def test_non_numeric_answers_are_refused():
    data = _politdem_data()
    data["y1"] = data["y1"].astype(object)
    data.loc[0, "y1"] = "n/a"
    with pytest.raises(InputError, match="not numbers"):
        fit_fiml(model_text("politdem"), data, log=lambda s: None)


def test_largest_deviation_from_lavaan(capsys):
    """Not a pass/fail test beyond TOL: prints the largest deviation per figure (for the
    closing note)."""
    worst = {}
    for name in CASES:
        for est in ESTIMATORS:
            fit, info, ref, _, _ = fitted(name, est)
            ours, r = keyed(fit.params), keyed(ref)
            r = r.loc[ours.index]
            for col, rcol in [("est", "est"), ("se", "se"), ("std_all", "std.all"),
                              ("std_all_se", "std.all.se")]:
                d = float(np.nanmax(np.abs(ours[col] - r[rcol])))
                worst[col] = max(worst.get(col, 0), d)
            for key in MEASURES + (MLR_MEASURES if est == "mlr" else []):
                d = abs(fit.fit[key] - info["fit"][key.replace("_", ".")])
                worst[key] = max(worst.get(key, 0), d)
    with capsys.disabled():
        print("\nlargest deviation from lavaan:",
              ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))
    assert max(worst.values()) < TOL
