"""Group differences and the IPMA: against scipy/statsmodels computed independently here, and
known truth on simulated data."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.formula.api import ols

from govsurvey.compare.differences import eta_omega_squared, group_tests, hedges_g, holm, midpoint_tests
from govsurvey.compare.ipma import ipma, total_effects
from govsurvey.errors import InputError

RNG = np.random.default_rng(42)


def scores(n=200, shift=0.0, constructs=("A", "B")):
    return pd.DataFrame({c: RNG.normal(3 + shift, 0.8, n) for c in constructs})


def test_midpoint_test_is_the_one_sample_t_test():
    s = scores(150)
    table = midpoint_tests(s, 3.0).set_index("construct")
    for c in s:
        x = s[c].to_numpy()
        t = (x.mean() - 3) / (x.std(ddof=1) / np.sqrt(len(x)))
        assert table.loc[c, "t"] == pytest.approx(t)
        assert table.loc[c, "pvalue"] == pytest.approx(2 * stats.t.sf(abs(t), len(x) - 1))
        half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
        assert (table.loc[c, "ci_lower"], table.loc[c, "ci_upper"]) == pytest.approx((x.mean() - half, x.mean() + half))
        assert table.loc[c, "d"] == pytest.approx((x.mean() - 3) / x.std(ddof=1))


def test_two_groups_welch_t_and_hedges_g():
    a, b = scores(120, 0.4), scores(90)
    data = pd.concat([a, b], ignore_index=True)
    groups = pd.Series(["a"] * 120 + ["b"] * 90)
    row = group_tests(data, groups, "ab").set_index("construct").loc["A"]
    x, y = a["A"].to_numpy(), b["A"].to_numpy()
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    t = (x.mean() - y.mean()) / np.sqrt(vx + vy)
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))  # Welch-Satterthwaite
    assert row["test"] == "welch_t" and row["statistic"] == pytest.approx(t) and row["df1"] == pytest.approx(df)
    assert row["pvalue"] == pytest.approx(2 * stats.t.sf(abs(t), df))
    assert row["groups"] == "a / b" and row["n"] == "120/90"


def test_hedges_g_recovers_a_known_shift():
    x, y = RNG.normal(0.5, 1, 20000), RNG.normal(0, 1, 20000)
    assert hedges_g(x, y) == pytest.approx(0.5, abs=0.03)
    small_x, small_y = RNG.normal(0, 1, 6), RNG.normal(0, 1, 5)
    pooled = np.sqrt((5 * small_x.var(ddof=1) + 4 * small_y.var(ddof=1)) / 9)
    d = (small_x.mean() - small_y.mean()) / pooled
    assert hedges_g(small_x, small_y) == pytest.approx(d * (1 - 3 / (4 * 11 - 9)))


def test_more_groups_welch_anova_and_effect_sizes_against_statsmodels_ols():
    parts = [scores(n, shift) for n, shift in ((80, 0.0), (60, 0.3), (70, -0.2))]
    data = pd.concat(parts, ignore_index=True)
    groups = pd.Series(sum(([g] * len(p) for g, p in zip("xyz", parts)), []))
    row = group_tests(data, groups, "xyz").set_index("construct").loc["B"]
    samples = [p["B"].to_numpy() for p in parts]
    # Welch (1951), written out
    w = np.array([len(s) / s.var(ddof=1) for s in samples])
    m = np.array([s.mean() for s in samples])
    mw = (w * m).sum() / w.sum()
    k = len(samples)
    lam = sum((1 - wi / w.sum()) ** 2 / (len(s) - 1) for wi, s in zip(w, samples))
    f = ((w * (m - mw) ** 2).sum() / (k - 1)) / (1 + 2 * (k - 2) / (k**2 - 1) * lam)
    assert row["test"] == "welch_anova" and row["statistic"] == pytest.approx(f)
    assert row["df2"] == pytest.approx((k**2 - 1) / (3 * lam))
    frame = pd.DataFrame({"y": np.concatenate(samples), "g": groups})
    table = sm.stats.anova_lm(ols("y ~ C(g)", frame).fit())
    ss_b, ss_w, ms_w = table.loc["C(g)", "sum_sq"], table.loc["Residual", "sum_sq"], table.loc["Residual", "mean_sq"]
    assert row["effect"] == pytest.approx(ss_b / (ss_b + ss_w))
    assert row["omega2"] == pytest.approx((ss_b - (k - 1) * ms_w) / (ss_b + ss_w + ms_w))
    assert eta_omega_squared(samples) == pytest.approx((row["effect"], row["omega2"]))


def test_holm_is_the_step_down_correction():
    p = np.array([0.01, 0.04, 0.03, 0.20])
    order = np.argsort(p)
    expected = np.empty(4)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (4 - rank) * p[i]))
        expected[i] = running
    assert holm(pd.DataFrame({"pvalue": p}))["p_holm"].to_numpy() == pytest.approx(expected)


def test_a_grouping_needs_two_groups_of_some_size():
    with pytest.raises(InputError, match="two or more groups"):
        group_tests(scores(10), pd.Series(["a"] * 10), "one group")
    with pytest.raises(InputError, match="at least 2 respondents"):
        group_tests(scores(10), pd.Series(["a"] * 9 + ["b"]), "tiny")


def test_total_effects_and_the_ipma():
    params = pd.DataFrame({"lhs": ["M", "Y", "Y"], "op": ["~"] * 3, "rhs": ["X", "M", "X"],
                           "est": [0.5, 0.4, 0.1], "std_all": [0.45, 0.38, 0.09]})  # fmt: skip

    class Instrument:
        constructs = {"X": None, "M": None, "Y": None}
        scale_min, scale_max = 1, 5

    assert total_effects(params, ["X", "M", "Y"]).loc["Y", "X"] == pytest.approx(0.1 + 0.5 * 0.4)
    focal = pd.DataFrame({"X": [2.0, 3.0], "M": [3.0, 3.0], "Y": [4.0, 4.0]})
    bench = pd.DataFrame({"X": [4.0, 4.0], "M": [5.0, 4.0], "Y": [4.0, 5.0]})
    # the benchmark street has its own paths: X acts on Y only through M, more strongly
    bench_params = params.assign(est=[0.8, 0.5, 0.0], std_all=[0.7, 0.45, 0.0])
    table = ipma({"focal": params, "bench": bench_params}, {"focal": focal, "bench": bench}, "focal", Instrument,
                 "Y").set_index(["construct", "street"])  # fmt: skip
    assert table.loc[("X", "focal"), "importance"] == pytest.approx(0.3)
    assert table.loc[("X", "bench"), "importance"] == pytest.approx(0.8 * 0.5)  # its own total effect
    assert table.loc[("X", "bench"), "importance_std"] == pytest.approx(0.7 * 0.45)
    assert table.loc[("M", "bench"), "importance"] == pytest.approx(0.5)
    assert table.loc[("X", "focal"), "performance"] == pytest.approx(100 * (2.5 - 1) / 4)
    assert table.loc[("X", "bench"), "gap"] == pytest.approx(100 * (4 - 2.5) / 4)
    assert table.loc[("M", "focal"), "importance_std"] == pytest.approx(0.38)
    assert set(table.index.get_level_values("construct")) == {"X", "M"}


def test_a_grouping_says_who_is_in_no_group_and_may_merge_options():
    """Party members against masses leaves out the Youth League and the democratic parties,
    counted by option; a group may merge several options; an option in two groups is an error."""
    from govsurvey.compare.study import NO_ANSWER, grouping
    from govsurvey.study import load_instrument
    from conftest import INSTRUMENT_PATH

    instrument = load_instrument(INSTRUMENT_PATH)
    demo = {d.code: d for d in instrument.demographics}["political_status"]
    options = [o["zh"] for o in instrument.demographic_options(demo, {})]
    counts = {1: 5, 2: 3, 3: 2, 4: 7}  # CPC, Youth League, democratic parties, masses
    codes = [k for k, n in counts.items() for _ in range(n)] + [None]
    frame = pd.DataFrame({"political_status": codes})
    spec = {"variable": "political_status", "groups": [
        {"name": {"zh": "中共党员", "en": "Party members"}, "options": [options[0]]},
        {"name": {"zh": "群众", "en": "Masses"}, "options": [options[3]]}]}
    groups, labels, outside = grouping(frame, instrument, {}, "party", spec)
    assert labels == ["Party members", "Masses"] and groups.value_counts().to_dict() == {"Masses": 7, "Party members": 5}
    en = [o["en"] for o in instrument.demographic_options(demo, {})]
    assert outside == {en[1]: 3, en[2]: 2, NO_ANSWER: 1}
    merged = {**spec, "groups": [spec["groups"][0], {"name": {"zh": "非党员", "en": "Non-members"},
                                                     "options": [options[1], options[2], options[3]]}]}
    groups, _, outside = grouping(frame, instrument, {}, "party", merged)
    assert groups.value_counts().to_dict() == {"Non-members": 12, "Party members": 5} and outside == {NO_ANSWER: 1}
    twice = {**spec, "groups": [spec["groups"][0], {"name": {"zh": "其他", "en": "Others"},
                                                    "options": [options[0], options[3]]}]}
    with pytest.raises(InputError, match="listed in two groups"):
        grouping(frame, instrument, {}, "party", twice)
