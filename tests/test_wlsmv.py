"""WLSMV (sem/ordinal.py, sem/dwls.py) against lavaan 0.6-14 fixtures made by
tests/reference/make_wlsmv_reference.R: thresholds, polychoric correlations, NACOV, estimates,
robust SEs, standardized solution, R², the scaled-shifted chi-square, fit indices and DIFFTEST.
No R is needed."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.sem import PARAM_COLUMNS
from govsurvey.sem.dwls import default_ordered, difftest, fit_wlsmv
from govsurvey.sem.ordinal import (bvn_cdf, ordinal_statistics, smooth_correlation)
from conftest import keyed

REF = Path(__file__).parent / "reference"
TOL = 1e-3
# wlsmv_nonpd: 12 items, N = 40, a polychoric matrix that is not positive definite
# wlsmv_survey: the cleaned synthetic L Street survey with the default model
CASES = ["wlsmv_governance", "wlsmv_governance_direct", "wlsmv_survey", "wlsmv_bfi",
         "wlsmv_bfi_orth", "wlsmv_agree", "wlsmv_nonpd"]
# fitMeasures we reproduce (the .robust ones are NaN where lavaan gives NA: a polychoric
# matrix that is not positive definite)
FIT = ["cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust",
       "rmsea.ci.upper.robust", "rmsea.pvalue.robust", "npar", "fmin", "chisq", "df", "pvalue",
       "chisq.scaled", "df.scaled", "pvalue.scaled",
       "chisq.scaling.factor", "chisq.shift.parameter", "trace.UGamma", "trace.UGamma2",
       "baseline.chisq", "baseline.df", "baseline.pvalue", "baseline.chisq.scaled",
       "baseline.df.scaled", "baseline.pvalue.scaled", "baseline.chisq.scaling.factor", "cfi",
       "tli", "cfi.scaled", "tli.scaled", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
       "rmsea.pvalue", "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled",
       "rmsea.pvalue.scaled", "srmr"]


def load_case(name):
    info = json.loads((REF / f"{name}.json").read_text())
    data = pd.read_csv(REF / info["data"])
    params = pd.read_csv(REF / f"{name}_params.csv", keep_default_na=False, na_values=[""])
    if "label" not in params:
        params["label"] = ""
    params["label"] = params["label"].fillna("")
    params["rhs"] = params["rhs"].fillna("")
    return info, data, params


_fits = {}


def fitted(name):
    if name not in _fits:
        info, data, params = load_case(name)
        _fits[name] = (fit_wlsmv(info["model"], data), info, params)
    return _fits[name]


def wls_names(stats):
    """lavaan's names of the sample statistics (thresholds, then correlations)."""
    th = [f"{v}|{t}" for v, t in stats.threshold_names()]
    cor = [f"{stats.names[j]}~~{stats.names[i]}" for i, j in stats.pairs]
    return th + cor


def lavaan_order(stats, names):
    """Positions in our statistics of lavaan's named ones (a~~b or b~~a)."""
    ours = {}
    for k, nm in enumerate(wls_names(stats)):
        ours[nm] = k
        if "~~" in nm:
            a, b = nm.split("~~")
            ours[f"{b}~~{a}"] = k
    return np.array([ours[nm] for nm in names])


@pytest.mark.parametrize("name", CASES)
def test_sample_statistics_and_gamma_match_lavaan(name):
    fit, info, _ = fitted(name)
    idx = lavaan_order(fit.ordinal, info["wls_obs_names"])
    np.testing.assert_allclose(fit.ordinal.sample[idx], info["wls_obs"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(np.diag(fit.ordinal.nacov)[idx], info["gamma_diag"],
                               atol=1e-6, rtol=1e-6)


def test_full_gamma_matches_lavaan():
    fit, info, _ = fitted("wlsmv_agree")
    idx = lavaan_order(fit.ordinal, info["wls_obs_names"])
    ref = pd.read_csv(REF / "wlsmv_agree_gamma.csv").to_numpy()
    np.testing.assert_allclose(fit.ordinal.nacov[np.ix_(idx, idx)], ref, atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", CASES)
def test_parameter_table_matches_lavaan(name):
    fit, _, ref = fitted(name)
    assert list(fit.params.columns) == PARAM_COLUMNS
    ours, ref = keyed(fit.params), keyed(ref)
    assert sorted(ours.index) == sorted(ref.index)
    ref = ref.loc[ours.index]
    assert (ours["label"] == ref["label"]).all()
    for col, rcol in [("est", "est"), ("se", "se"), ("ci_lower", "ci.lower"),
                      ("ci_upper", "ci.upper"), ("std_all", "std.all"),
                      ("std_all_se", "std.all.se")]:
        np.testing.assert_allclose(ours[col], ref[rcol], atol=TOL, rtol=0, err_msg=col)
    free = ref["se"] > 0
    np.testing.assert_allclose(ours.loc[free, "z"], ref.loc[free, "z"], atol=TOL * 10, rtol=1e-4)
    np.testing.assert_allclose(ours.loc[free, "pvalue"], ref.loc[free, "pvalue"], atol=TOL)
    assert ours.loc[~free, "z"].isna().all()


@pytest.mark.parametrize("name", CASES)
def test_fit_measures_match_lavaan(name):
    fit, info, _ = fitted(name)
    assert fit.converged and info["converged"]
    for key in FIT:
        ours, ref = fit.fit[key.replace(".", "_")], info["fit"][key]
        if ref == "NA" or ref is None:
            assert math.isnan(ours), key
            continue
        assert ours == pytest.approx(ref, abs=TOL, rel=1e-6), key
    assert fit.n == info["ntotal"]


@pytest.mark.parametrize("name", CASES)
def test_r2_matches_lavaan(name):
    fit, info, _ = fitted(name)
    assert set(fit.r2) == set(info["r2"])
    for v, r in info["r2"].items():
        assert fit.r2[v] == pytest.approx(r, abs=TOL)


@pytest.mark.parametrize("case,restricted,free", [
    ("governance", "wlsmv_governance", "wlsmv_governance_direct"),
    ("bfi", "wlsmv_bfi_orth", "wlsmv_bfi")])
def test_difftest_matches_lavaan(case, restricted, free):
    ref = json.loads((REF / "wlsmv_difftest.json").read_text())[case]
    out = difftest(fitted(restricted)[0], fitted(free)[0])
    assert out["df_diff"] == ref["df_diff"]
    assert out["chisq_diff"] == pytest.approx(ref["chisq_diff"], abs=TOL, rel=1e-6)
    assert out["pvalue"] == pytest.approx(ref["pvalue"], abs=TOL)
    # either order
    assert difftest(fitted(free)[0], fitted(restricted)[0])["chisq_diff"] == out["chisq_diff"]


@pytest.mark.parametrize("name,data", [("lavcor_bfi", "wlsmv_bfi_data.csv"),
                                       ("lavcor_gap", "governance_data.csv")])
def test_lavcor_thresholds_and_polychorics(name, data):
    frame = pd.read_csv(REF / data)
    if name == "lavcor_gap":
        frame.loc[frame["IN1"] == 2, "IN1"] = 1
    stats = ordinal_statistics(frame, gamma=False)
    cor = pd.read_csv(REF / f"{name}_cor.csv")
    np.testing.assert_allclose(stats.cor, cor[list(frame.columns)].loc[
        [list(cor.columns).index(c) for c in frame.columns]].to_numpy(), atol=1e-6)
    th = pd.read_csv(REF / f"{name}_th.csv")
    ours = dict(zip([f"{v}|{t}" for v, t in stats.threshold_names()],
                    np.concatenate(stats.thresholds)))
    assert set(ours) == set(th["name"])
    np.testing.assert_allclose([ours[n] for n in th["name"]], th["th"], atol=1e-9)
    if name == "lavcor_gap":   # IN1 has no answer 2: merged, flagged, named
        (flag,) = [f for f in stats.flags if f["kind"] == "empty_category"]
        assert flag["where"] == "IN1" and flag["value"] == [2]
        assert len(stats.thresholds[0]) == 3


def test_bivariate_normal_against_known_values():
    # Phi2(0, 0; r) = 1/4 + asin(r) / (2 pi); r = 0: product of margins
    r = np.array([-0.99, -0.95, -0.6, 0.0, 0.2, 0.5, 0.8, 0.93, 0.999])
    np.testing.assert_allclose(bvn_cdf(0, 0, r), 0.25 + np.arcsin(r) / (2 * np.pi), atol=1e-14)
    from scipy.special import ndtr
    np.testing.assert_allclose(bvn_cdf(0.3, -1.2, 0.0), ndtr(0.3) * ndtr(-1.2), atol=1e-15)
    # symmetric in its arguments; complements add up
    h, k, rr = 0.7, -0.4, 0.95
    assert bvn_cdf(h, k, rr) == pytest.approx(bvn_cdf(k, h, rr), abs=1e-15)
    assert bvn_cdf(h, k, rr) + bvn_cdf(h, -k, -rr) == pytest.approx(ndtr(h), abs=1e-14)


def test_polychoric_recovers_known_correlation():
    rng = np.random.default_rng(17)
    n, rho = 20000, 0.6
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
    cuts = [-1.2, -0.3, 0.4, 1.3]
    frame = pd.DataFrame({"a": np.digitize(z[:, 0], cuts) + 1, "b": np.digitize(z[:, 1], cuts) + 1})
    stats = ordinal_statistics(frame)
    se = math.sqrt(stats.nacov[-1, -1] / n)
    assert abs(stats.cor[0, 1] - rho) < 3 * se
    np.testing.assert_allclose(stats.thresholds[0], cuts, atol=0.05)


def test_dwls_recovers_population_loadings():
    rng = np.random.default_rng(3)
    n, lam = 5000, np.array([0.8, 0.7, 0.6, 0.5])
    f = rng.standard_normal(n)
    ystar = f[:, None] * lam + rng.standard_normal((n, 4)) * np.sqrt(1 - lam ** 2)
    frame = pd.DataFrame(np.digitize(ystar, [-1, 0, 1]) + 1, columns=["y1", "y2", "y3", "y4"])
    fit = fit_wlsmv("F =~ y1 + y2 + y3 + y4", frame)
    std = fit.params[fit.params["op"] == "=~"]["std_all"].to_numpy()
    se = fit.params[fit.params["op"] == "=~"]["std_all_se"].to_numpy()
    assert np.all(np.abs(std - lam) < 4 * se)
    assert fit.fit["pvalue_scaled"] > 0.001


def test_default_ordered_takes_short_integer_scales():
    frame = pd.DataFrame({"a": [1, 2, 3, 4, 5, 1], "b": [1.5, 2, 3, 1, 2, 3],
                          "c": list(range(6)), "d": [1, 2, 3, 4, 5, 6]})
    frame["c"] = [1, 2, 3, 4, 5, 10] * 1
    assert default_ordered(frame) == ["a", "c", "d"]
    many = pd.DataFrame({"x": list(range(1, 9))})
    assert default_ordered(many) == []


def test_single_answer_item_is_named():
    info, data, _ = load_case("wlsmv_agree")
    data = data.copy()
    data["A3"] = 4
    with pytest.raises(InputError, match="A3"):
        fit_wlsmv(info["model"], data, ordered=list(data.columns))


def test_too_few_complete_pairs_named():
    info, data, _ = load_case("wlsmv_agree")
    data = data.iloc[:60].copy().astype(float)
    data.loc[data.index[:40], "A2"] = np.nan
    data.loc[data.index[40:], "A4"] = np.nan
    with pytest.raises(InputError, match="A2 and A4"):
        fit_wlsmv(info["model"], data, ordered=list(data.columns))


def test_continuous_indicator_refused():
    info, data, _ = load_case("wlsmv_agree")
    data = data.copy().astype(float)
    data["A5"] = data["A5"] + np.linspace(0, 0.5, len(data))
    with pytest.raises(InputError, match="A5"):
        fit_wlsmv(info["model"], data)


def test_not_positive_definite_polychorics_flagged_and_smoothed():
    fit, _, _ = fitted("wlsmv_nonpd")
    stats = fit.ordinal
    assert not stats.positive_definite
    (flag,) = [f for f in fit.admissibility if f["kind"] == "polychoric_not_pd"]
    assert flag["severity"] == "warning" and flag["value"] < 0
    ref = pd.read_csv(REF / "wlsmv_nonpd_smoothed.csv")
    ref = ref.set_axis(ref.columns).loc[stats.names, stats.names].to_numpy()
    smooth = smooth_correlation(stats.cor)
    np.testing.assert_allclose(smooth, ref, atol=1e-6)
    assert np.linalg.eigvalsh(smooth)[0] > 0


def test_fit_is_a_semfit_and_flags_an_empty_category():
    from govsurvey.sem import SemFit
    info, data, _ = load_case("wlsmv_agree")
    data = data.copy()
    data.loc[data["A2"] == 2, "A2"] = 1   # nobody answers 2 on A2
    fit = fit_wlsmv(info["model"], data)
    assert isinstance(fit, SemFit) and fit.estimator == "WLSMV"
    (flag,) = [f for f in fit.admissibility if f["kind"] == "empty_category"]
    assert flag["where"] == "A2" and "A2" in flag["message"] and flag["value"] == [2]
    assert len(fit.params[(fit.params["lhs"] == "A2") & (fit.params["op"] == "|")]) == 4


def test_unidentified_model_is_flagged():
    info, data, _ = load_case("wlsmv_agree")
    fit = fit_wlsmv("F =~ A1 + A2", data)   # one correlation, two free parameters
    assert fit.fit["df"] < 0
    assert "not_identified" in {f["kind"] for f in fit.admissibility}


def test_the_nested_table_gives_the_difftest_under_wlsmv():
    """Before: compare_nested raised NotImplementedError for WLSMV fits; now its one table
    carries lavaan's satorra.2000 difference, as lavTestLRT prints it."""
    from govsurvey.sem.nested import compare_nested

    ref = json.loads((REF / "wlsmv_difftest.json").read_text())["governance"]
    table = compare_nested([fitted("wlsmv_governance")[0], fitted("wlsmv_governance_direct")[0]],
                           ["structural", "partial"], log=lambda _: None)
    assert table.attrs["method"] == "satorra.2000" and list(table["model"]) == ["partial", "structural"]
    tested = table.iloc[1]
    assert tested["delta_chisq"] == pytest.approx(ref["chisq_diff"], abs=TOL, rel=1e-6)
    assert tested["delta_df"] == ref["df_diff"] and tested["p"] == pytest.approx(ref["pvalue"], abs=TOL)
