"""Multi-group ML, measurement invariance and multi-group SEM against lavaan 0.6-14 and
semTools 0.5-6 (fixtures tests/reference/invariance_*, made by make_invariance_reference.R):
HolzingerSwineford1939 by school (two groups), three simulated streets (three groups,
unequal sizes) and the three default streets with the study's model. Then known truths on simulated data, and errors for people."""

import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.sem.groups import (FAMILIES, GROUP_COLUMNS, fit_groups, score_tests,
                                  wald_test)
from govsurvey.sem.invariance import (FREED_COLUMNS, LATENT_MEAN_COLUMNS,
                                      PATH_EQUALITY_COLUMNS, STEP_COLUMNS, compare_paths,
                                      invariance_ladder, meets, step_criteria,
                                      without_path_labels)

REF = Path(__file__).parent / "reference"
TOL = 1e-3
# streets: the three default streets with the study's model (invariance_streets_data.csv holds
# the screened items of results/<street>/clean/scored.parquet, stacked, with their street)
CASES = {"hs": "invariance_hs", "sim3": "invariance_sim3", "streets": "invariance_streets"}
FIT_KEYS = ["npar", "ntotal", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi",
            "tli", "nfi", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr",
            "logl", "unrestricted.logl", "aic", "bic", "bic2"]

ITEMS = {"f1": ["a1", "a2", "a3", "a4"], "f2": ["b1", "b2", "b3", "b4"], "f3": ["c1", "c2", "c3"]}
CFA = "\n".join(f"{f} =~ " + " + ".join(items) for f, items in ITEMS.items())


def simulate_groups(sizes, seed, shift=None, means=None, paths=None):
    """Groups ("street_a", ...) of three factors with f2 ~ f1, f3 ~ f1 + f2: loadings 1, .8,
    .7, .9, intercepts 3 and residual variances .5 in every group, unless shift[g] = {item:
    added intercept}; means[g]: latent mean of f1; paths[g]: (f2~f1, f3~f1, f3~f2)."""
    rng = np.random.default_rng(seed)
    frames = []
    for g, n in enumerate(sizes):
        b21, b31, b32 = (paths or {}).get(g, (0.5, 0.3, 0.3))
        f1 = rng.normal(loc=(means or {}).get(g, 0.0), size=n)
        f2 = b21 * f1 + rng.normal(scale=0.8, size=n)
        eta = {"f1": f1, "f2": f2, "f3": b31 * f1 + b32 * f2 + rng.normal(scale=0.8, size=n)}
        cols = {}
        for f, items in ITEMS.items():
            for item, lam in zip(items, [1.0, 0.8, 0.7, 0.9]):
                cols[item] = (3 + lam * eta[f] + rng.normal(scale=math.sqrt(0.5), size=n)
                              + (shift or {}).get(g, {}).get(item, 0.0))
        frame = pd.DataFrame(cols).round(3)
        frame.insert(0, "street", f"street_{'abc'[g]}")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def sim3_data():
    """The data of the invariance_sim3 fixture (written to invariance_sim3_data.csv)."""
    return simulate_groups((160, 200, 140), seed=11, shift={2: {"b2": 0.5}},
                           means={1: 0.3, 2: -0.2}, paths={1: (0.5, 0.7, 0.3)})


# --- the lavaan fixtures -----------------------------------------------------------------------

@cache
def case(name):
    prefix = CASES[name]
    info = json.loads((REF / f"{prefix}.json").read_text())
    data = pd.read_csv(REF / info["data"])
    params = pd.read_csv(REF / f"{prefix}_params.csv", keep_default_na=False, na_values=[""])
    params["rhs"] = params["rhs"].fillna("")
    scores = pd.read_csv(REF / f"{prefix}_score.csv", keep_default_na=False, na_values=[""])
    scores["rhs"] = scores["rhs"].fillna("")
    return info, data, params, scores


@cache
def ladder(name):
    info, data, _, _ = case(name)
    # the rule make_invariance_reference.R applies: each change within its bound, no check of
    # the configural fit
    return invariance_ladder(info["model"], data, info["group"], max_free=info["max_free"],
                             criteria="each", configural_fit=None, log=lambda line: None)


@cache
def fitted(name, model):
    """Our fit of a fixture's model: from the ladder, or refitted with its constraints."""
    fits = ladder(name).fits
    if model in fits:
        return fits[model]
    info, data, _, _ = case(name)
    spec = info["fits"][model]
    text = (info["measurement"] if spec["part"] == "measurement"
            else without_path_labels(info["model"]))
    return fit_groups(text, data, info["group"], spec["group_equal"], spec["group_partial"],
                      log=lambda line: None)


@cache
def paths(name):
    info, data, _, _ = case(name)
    return compare_paths(info["model"], data, info["group"], info["sem"]["group_equal"],
                         log=lambda line: None)


def keyed(df, *extra):
    return df.set_index(["lhs", "op", "rhs", *extra])


def close(ours, ref, what):
    np.testing.assert_allclose(np.asarray(ours, float), np.asarray(ref, float), atol=TOL,
                               rtol=0, err_msg=what)


FIT_CASES = [(n, m) for n in CASES for m in case(n)[0]["fits"]]


@pytest.mark.parametrize("name,model", FIT_CASES)
def test_fit_measures_match_lavaan(name, model):
    spec = case(name)[0]["fits"][model]
    fit = fitted(name, model)
    assert fit.converged and spec["converged"]
    for key in FIT_KEYS:
        ours, ref = fit.fit[key.replace(".", "_")], spec["fit"][key]
        if ref == "NA":  # NFI when the model has more df than the baseline
            assert math.isnan(ours), key
        else:
            assert ours == pytest.approx(ref, abs=TOL), key


@pytest.mark.parametrize("name,model", FIT_CASES)
def test_parameter_tables_match_lavaan(name, model):
    _, _, params, _ = case(name)
    fit = fitted(name, model)
    assert list(fit.params.columns) == GROUP_COLUMNS
    ours = keyed(fit.params, "group")
    ref = keyed(params[params["model"] == model], "group")
    assert sorted(ours.index) == sorted(ref.index)
    ref = ref.loc[ours.index]
    for col, rcol in [("est", "est"), ("se", "se"), ("ci_lower", "ci.lower"),
                      ("ci_upper", "ci.upper"), ("std_all", "std.all"),
                      ("std_all_se", "std.all.se")]:
        close(ours[col], ref[rcol], f"{model} {col}")
    free = (ref["se"] > 0).to_numpy()
    close(ours["z"][free], ref["z"][free], "z")
    close(ours["pvalue"][free], ref["pvalue"][free], "pvalue")
    assert ours["z"][~free].isna().all()


@pytest.mark.parametrize("name", CASES)
def test_ladder_matches_compare_fit(name):
    info = case(name)[0]
    inv = ladder(name)
    assert list(inv.steps.columns) == STEP_COLUMNS and list(inv.freed.columns) == FREED_COLUMNS
    final = inv.steps.drop_duplicates("step", keep="last").set_index("step")
    for ref in info["steps"][1:]:
        ours = final.loc[ref["step"]]
        assert ours["model"] == ref["model"] and ours["compared_to"] == ref["compared_to"]
        for key in ("d_chisq", "d_df", "d_pvalue", "d_cfi", "d_rmsea"):
            assert ours[key] == pytest.approx(ref[key], abs=TOL), (ref["step"], key)
        assert ours["holds"] == ref["holds"]
        assert ours["freed"] == "; ".join(f["parameter"] for f in ref["freed"])
        freed = inv.freed[inv.freed["step"] == ref["step"]]
        close(freed["X2"], [f["X2"] for f in ref["freed"]], "X2 of what was freed")
    for row in inv.steps.itertuples():  # each row's own indices are its model's fitMeasures
        fm = info["fits"][row.model]["fit"]
        if row.compared_to:  # the SRMR change, from lavaan's SRMR of both models
            before = info["fits"][row.compared_to]["fit"]["srmr"]
            assert row.d_srmr == pytest.approx(fm["srmr"] - before, abs=TOL)
        for key in ("chisq", "cfi", "tli", "rmsea", "rmsea_ci_upper", "srmr", "aic", "bic"):
            assert getattr(row, key) == pytest.approx(fm[key.replace("_", ".")], abs=TOL)


@pytest.mark.parametrize("name", CASES)
def test_score_tests_match_lav_test_score(name):
    _, _, _, scores = case(name)
    ours = ladder(name).score_tests
    for model, ref in scores.groupby("model"):
        got = ours[ours["model"] == model] if model in set(ours["model"]) else \
            score_tests(fitted(name, model))
        got, ref = keyed(got, "group_a", "group_b"), keyed(ref, "group_a", "group_b")
        assert sorted(got.index) == sorted(ref.index), model
        ref = ref.loc[got.index]
        assert (got["family"] == ref["family"]).all()
        close(got["X2"], ref["X2"], f"{model} X2")
        close(got["pvalue"], ref["pvalue"], f"{model} p")


@pytest.mark.parametrize("name", CASES)
def test_latent_means_match_lavaan(name):
    info = case(name)[0]
    ours = ladder(name).latent_means
    assert list(ours.columns) == LATENT_MEAN_COLUMNS
    ref = pd.DataFrame(info["latent_means"])
    assert len(ours) == len(ref) > 0
    ours, ref = ours.set_index(["factor", "group"]), ref.set_index(["factor", "group"])
    ref = ref.loc[ours.index]
    assert (ours["model"] == ref["model"]).all()
    for col in ("est", "se", "z", "pvalue", "ci_lower", "ci_upper", "reference_sd", "std_diff"):
        close(ours[col], ref[col], col)
    assert (ours["reference_group"] == info["group_labels"][0]).all()


@pytest.mark.parametrize("name", CASES)
def test_path_equality_matches_wald_and_lrt(name):
    info, _, params, _ = case(name)
    pc = paths(name)
    assert pc.fit.fit["chisq"] == pytest.approx(info["sem"]["fit"]["chisq"], abs=TOL)
    assert pc.fit.fit["df"] == info["sem"]["fit"]["df"]
    ref = keyed(params[(params["model"] == "sem") & (params["op"] == "~")], "group")
    ours = keyed(pc.paths, "group")
    assert sorted(ours.index) == sorted(ref.index)
    ref = ref.loc[ours.index]
    for col, rcol in [("est", "est"), ("se", "se"), ("std_all", "std.all"), ("pvalue", "pvalue")]:
        close(ours[col], ref[rcol], f"path {col}")
    assert list(pc.path_equality.columns) == PATH_EQUALITY_COLUMNS
    equality = keyed(pc.path_equality)
    ref = keyed(pd.DataFrame(info["sem"]["paths"]))
    assert sorted(equality.index) == sorted(ref.index)
    for col in ("wald", "wald_df", "wald_pvalue", "d_chisq", "d_df", "d_pvalue"):
        close(equality[col], ref.loc[equality.index, col], col)
    # Holm over the paths of the comparison, written out on lavaan's p values: the k-th
    # smallest of m times (m - k + 1), made monotone, at most 1
    for col, raw in (("wald_p_holm", "wald_pvalue"), ("d_p_holm", "d_pvalue")):
        p = ref.loc[equality.index, raw].to_numpy(float)
        order, m = np.argsort(p), len(p)
        expected, running = np.empty(m), 0.0
        for k, i in enumerate(order):
            running = max(running, min(1.0, (m - k) * p[i]))
            expected[i] = running
        close(equality[col], expected, col)
        assert (equality[col] >= equality[raw] - 1e-12).all()


def test_identification_follows_lavaan():
    """Markers are 1 in every group; latent means are fixed at 0 unless intercepts are equal,
    then free in groups 2.. only; equal means are 0 everywhere."""
    def means(model):
        p = fitted("hs", model).params
        return p[(p["op"] == "~1") & p["lhs"].isin(["visual", "textual", "speed"])]

    for model in ("configural", "metric"):
        assert (means(model)[["est", "se"]] == 0).all().all()
    scalar = means("scalar")
    assert (scalar.loc[scalar["group"] == 1, "se"] == 0).all()
    assert (scalar.loc[scalar["group"] == 2, "se"] > 0).all()
    assert (means("families")["se"] == 0).all()  # "means" equal: group 1's 0 everywhere
    p = fitted("hs", "scalar").params
    markers = p[(p["op"] == "=~") & p["rhs"].isin(["x1", "x4", "x7"])]
    assert len(markers) == 6 and (markers["est"] == 1).all() and (markers["se"] == 0).all()


def test_equality_constraints_hold_exactly():
    p = fitted("sim3", "strict").params
    for op, rhs in (("=~", "b2"), ("~1", ""), ("~~", "c3")):
        lhs = {"=~": "f2", "~1": "a3", "~~": "c3"}[op]
        est = p[(p["lhs"] == lhs) & (p["op"] == op) & (p["rhs"] == rhs)]["est"]
        assert len(est) == 3 and np.ptp(est) < 1e-12
    free = p[(p["lhs"] == "b2") & (p["op"] == "~1")]["est"]  # freed by the ladder
    assert np.ptp(free) > 0.1


# --- known truths on simulated data -----------------------------------------------------------

def test_ladder_finds_the_one_shifted_intercept():
    data = simulate_groups((400, 400), seed=0, shift={1: {"b2": 0.6}})
    inv = invariance_ladder(CFA, data, "street", log=lambda line: None)
    steps = inv.steps.set_index("model")
    assert steps.loc["metric", "holds"]
    assert not steps.loc["scalar", "holds"] and not steps.loc["scalar", "holds_chisq"]
    assert list(inv.freed["parameter"]) == ["b2 ~1"]
    assert steps.loc["scalar_partial1", "holds"] and steps.loc["scalar_partial1", "partial"]
    assert steps.loc["strict", "holds"] and steps.loc["strict", "freed"] == ""
    # the freed intercept differs by about the shift; the latent means are about 0
    p = inv.fits["scalar_partial1"].params
    b2 = p[(p["lhs"] == "b2") & (p["op"] == "~1")].sort_values("group")["est"].to_numpy()
    assert b2[1] - b2[0] == pytest.approx(0.6, abs=0.15)
    assert inv.latent_means["z"].abs().max() < 3


def test_ladder_holds_at_every_step_when_all_is_equal():
    data = simulate_groups((300, 300, 300), seed=3, means={1: 0.5})
    inv = invariance_ladder(CFA, data, "street", log=lambda line: None)
    assert list(inv.steps["step"]) == ["configural", "metric", "scalar", "strict"]
    assert inv.steps["holds"].all() and inv.freed.empty
    means = inv.latent_means.set_index(["factor", "group"])
    assert means.loc[("f1", 2), "est"] == pytest.approx(0.5, abs=0.2)  # the true shift
    assert means.loc[("f1", 2), "pvalue"] < 0.001
    assert means.loc[("f1", 3), "ci_lower"] < 0 < means.loc[("f1", 3), "ci_upper"]


def test_chen_2007_criteria_by_group_size_and_family():
    """Chen (2007, p. 501): noninvariance is a drop in CFI supplemented by a rise in RMSEA or
    SRMR; .005 / .010 / .025 (loadings) or .005 (intercepts, residuals) with small groups,
    .010 / .015 / .030 or .010 otherwise."""
    small = step_criteria("metric", "chen2007", smallest_group=300)
    assert (small["name"], small["cfi"], small["rmsea"], small["srmr"]) == ("chen2007_small", .005, .010, .025)
    assert step_criteria("scalar", smallest_group=120)["srmr"] == .005
    adequate = step_criteria("metric", smallest_group=301)
    assert (adequate["name"], adequate["cfi"], adequate["rmsea"], adequate["srmr"]) == ("chen2007", .010, .015, .030)
    assert step_criteria("strict", smallest_group=500)["srmr"] == .010
    # a CFI drop alone, or an RMSEA rise alone, is not noninvariance; both together are
    assert meets(small, -0.008, 0.002, 0.001) and meets(small, -0.001, 0.02, 0.03)
    assert not meets(small, -0.006, 0.011, 0.0) and not meets(small, -0.005, 0.0, 0.025)
    assert meets(adequate, -0.006, 0.011, 0.0)  # the same change with groups above 300
    each = step_criteria("metric", "each")
    assert not meets(each, -0.011, 0.0, 0.0) and not meets(each, 0.0, 0.016, 0.0)


def test_the_fixture_ladders_under_chen_with_small_groups():
    """sim3's groups (160, 200, 140) take Chen's small-sample criteria; its strict step drops
    CFI by .0055 and raises RMSEA by .0134 (lavaan), which Chen reads as noninvariance."""
    info, data, _, _ = case("sim3")
    inv = invariance_ladder(info["model"], data, info["group"], log=lambda line: None)
    steps = inv.steps.drop_duplicates("step", keep="last").set_index("step")
    assert set(inv.steps.loc[inv.steps["step"] != "configural", "criteria"]) == {"chen2007_small"}
    first = inv.steps[inv.steps["model"] == "strict"].iloc[0]
    assert first["d_cfi"] == pytest.approx(-0.00553, abs=TOL) and not first["meets_criteria"]
    assert steps.loc["strict", "partial"]  # so a residual variance was freed


def test_a_step_holds_only_when_the_configural_model_fits():
    """Data with a cross-loading the model leaves out: the configural model misfits, so no
    step holds although every change is tiny, and no latent means are compared."""
    data = simulate_groups((250, 250), seed=5)
    data["a1"] = data["a1"] + 1.2 * (data["b1"] - 3)  # a1 loads on f2 too, in both groups
    lines = []
    inv = invariance_ladder(CFA, data, "street", steps=("metric", "scalar"), log=lines.append)
    steps = inv.steps.set_index("model")
    assert steps.loc["configural", "cfi"] < 0.95 and not steps.loc["configural", "holds"]
    assert steps.loc["metric", "meets_criteria"] and not steps.loc["metric", "holds"]
    assert not steps["holds"].any() and inv.latent_means.empty
    assert any("configural model does not fit" in line for line in lines)


def test_few_respondents_per_parameter_are_warned_of():
    lines = []
    invariance_ladder(CFA, simulate_groups((90, 90), seed=6), "street", steps=("metric",), log=lines.append)
    warning = [line for line in lines if "per parameter" in line]
    assert warning and "90 respondents for 36 free parameters" in warning[0]  # per group: 8 free loadings, 11 intercepts, 11 residuals, 6 factor (co)variances
    lines.clear()
    invariance_ladder(CFA, simulate_groups((200, 200), seed=6), "street", steps=("metric",), log=lines.append)
    assert not [line for line in lines if "per parameter" in line]


def test_max_free_zero_reports_the_failing_step_without_freeing():
    data = simulate_groups((400, 400), seed=0, shift={1: {"b2": 0.6}})
    inv = invariance_ladder(CFA, data, "street", steps=("metric", "scalar"), max_free=0,
                            log=lambda line: None)
    assert inv.freed.empty and list(inv.steps["holds"]) == [True, True, False]
    assert inv.latent_means.empty and list(inv.latent_means.columns) == LATENT_MEAN_COLUMNS


def test_wald_test_agrees_with_the_chisq_difference():
    pc = paths("sim3")
    row = keyed(pc.path_equality).loc[("f3", "~", "f1")]
    assert row["wald_df"] == row["d_df"] == 2
    assert row["wald"] == pytest.approx(row["d_chisq"], rel=0.2)  # asymptotically equal
    with pytest.raises(InputError, match="not free in every group"):
        wald_test(fitted("sim3", "metric"), "f1 =~ a2")


def test_heywood_case_converges_and_is_flagged_in_each_group():
    # A Heywood case in both groups (semopy's start values once diverged here); Fisher scoring
    # reaches lavaan's solution (chisq 57.673 on 20 df, a1's residual variance -0.332 and
    # -0.509: cfa(..., group = "g", group.equal = "loadings")).
    data = pd.read_csv(REF / "heywood_data.csv").assign(g=["a", "b"] * 150)
    fit = fit_groups("F1 =~ a1 + a2 + a3\nF2 =~ b1 + b2 + b3", data, "g", ["loadings"],
                     log=lambda line: None)
    assert fit.converged and fit.fit["chisq"] == pytest.approx(57.673, abs=1e-3)
    negative = [(p["group"], p["where"]) for p in fit.admissibility
                if p["kind"] == "negative_variance"]
    assert negative == [(1, "a: a1 ~~ a1"), (2, "b: a1 ~~ a1")]


# --- errors for people --------------------------------------------------------------------------

def test_errors_name_the_problem_and_the_fix():
    info, data, _, _ = case("hs")
    model = info["measurement"]
    with pytest.raises(InputError, match="unknown group.equal family.*Fix: use some of"):
        fit_groups(model, data, "school", ["loading"])
    with pytest.raises(InputError, match="no group column 'street'"):
        fit_groups(model, data, "street")
    with pytest.raises(InputError, match="at least two groups"):
        fit_groups(model, data[data["school"] == "Pasteur"], "school")
    small = pd.concat([data[data["school"] == "Pasteur"],
                       data[data["school"] == "Grant-White"].head(8)])
    with pytest.raises(InputError, match="school = Grant-White: only 8 complete rows for 9.*Fix"):
        fit_groups(model, small, "school")
    with pytest.raises(InputError, match="group.partial names 'x3 ~~ x4'"):
        fit_groups(model, data, "school", ["residuals"], ["x3 ~~ x4"])
    with pytest.raises(InputError, match="cannot read the parameter 'x3 ~ 1 2'"):
        fit_groups(model, data, "school", ["intercepts"], ["x3 ~ 1 2"])
    with pytest.raises(InputError, match=":= definitions"):
        fit_groups(model + "\nvisual ~ a*speed\nd := a*2", data, "school")
    hs = pd.read_csv(REF / "invariance_hs_data.csv")
    with pytest.raises(InputError, match=r"fixed.x.*Fix: name the predictor in a ~~ line \(`x ~~ x`\)"):
        fit_groups("visual =~ x1 + x2 + x3\nvisual ~ x4", hs, "school", log=lambda line: None)


def test_a_random_observed_predictor_is_fitted_by_group():
    """Named in `x4 ~~ x4`, the predictor is random: its variance is free in each group and,
    x4 being saturated, equals the group's sample variance (ML, divisor n)."""
    hs = pd.read_csv(REF / "invariance_hs_data.csv")
    fit = fit_groups("visual =~ x1 + x2 + x3\nvisual ~ x4\nx4 ~~ x4", hs, "school", ["loadings"],
                     log=lambda line: None)
    assert fit.converged
    p = fit.params
    variance = p[(p["lhs"] == "x4") & (p["op"] == "~~") & (p["rhs"] == "x4")].set_index("group")
    for g, label in enumerate(fit.group_labels, start=1):
        sample = hs.loc[hs["school"] == label, "x4"].var(ddof=0)
        assert variance.loc[g, "est"] == pytest.approx(sample, rel=1e-4) and variance.loc[g, "se"] > 0
    assert set(FAMILIES) == {"loadings", "intercepts", "residuals", "residual.covariances",
                             "lv.variances", "lv.covariances", "regressions", "means"}
