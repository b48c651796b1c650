"""The Monte Carlo power study (govsurvey.power) against known truth: a path that is 0 in the
population is rejected at the rate alpha, a nonzero path's 95% interval covers it 93-97% of the
time with no bias, a replication is exactly the sem step's fit and test of its data, the split
into shards changes nothing, MacCallum et al.'s RMSEA power equals an independent computation,
and bad settings are named."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from govsurvey.errors import InputError
from govsurvey.power.population import population_from_fit
from govsurvey.power.rmsea import rmsea_power, rmsea_sample_size
from govsurvey.power.settings import check_settings, observed_variables
from govsurvey.power.simulate import Plan, run_replications, shard_work, tasks
from govsurvey.power.summary import gather, power_table, smallest_n
from govsurvey.sem import fit_sem
from govsurvey.sem.effects import effects_table
from govsurvey.study.model import as_parsed

MODEL = """
X =~ x1 + x2 + x3
M =~ m1 + m2 + m3
Y =~ y1 + y2 + y3
M ~ a*X
Y ~ b*M + c*X
ind := a*b
"""
SEED = 20260903
SETTINGS = {"sizes": [150, 300], "replications": 40, "shards": 3, "target": 0.8, "alpha": 0.05,
            "population": "fitted", "rmsea": {"null": 0.05, "alternative": 0.08}}


def _data(n=400, seed=1):
    """Records of MODEL with a = 0.5, b = 0.4, c = 0.3, loadings 1, 0.8, 0.7."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(n)
    M = 0.5 * X + rng.standard_normal(n) * 0.8
    Y = 0.4 * M + 0.3 * X + rng.standard_normal(n) * 0.8
    cols = {}
    for name, f in (("x", X), ("m", M), ("y", Y)):
        for k, lam in enumerate((1.0, 0.8, 0.7), 1):
            cols[f"{name}{k}"] = lam * f + rng.standard_normal(n) * 0.6
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def fit():
    return fit_sem(MODEL, _data(), log=lambda line: None)


@pytest.fixture(scope="module")
def null_plan(fit):
    """The fitted population with the direct path c set to 0 (X affects Y only through M)."""
    return Plan(population_from_fit(fit, {"c": 0.0}))


@pytest.fixture(scope="module")
def null_frame(null_plan):
    # 2,000 replications at N = 200: the rejection rate's Monte Carlo SE is 0.0049 at alpha
    return run_replications(null_plan, tasks([200], 2000), SEED)


def _row(table, route):
    return table[table["route"] == route].iloc[0]


def test_type_one_error_at_a_true_zero_path_is_alpha(null_plan, null_frame):
    table = power_table(null_frame, null_plan.targets, alpha=0.05)
    c = _row(table, "X → Y")
    assert c["population"] == 0
    assert c["converged"] == 1.0
    se = math.sqrt(0.05 * 0.95 / 2000)
    assert abs(c["power"] - 0.05) < 3 * se, c["power"]  # 0.0353..0.0647: a wrong SE fails it
    # at alpha = 0.01 too (a test that only matched 0.05 by luck would not)
    strict = _row(power_table(null_frame, null_plan.targets, alpha=0.01), "X → Y")
    assert abs(strict["power"] - 0.01) < 3 * math.sqrt(0.01 * 0.99 / 2000)


def test_coverage_and_bias_of_a_nonzero_path(null_plan, null_frame):
    table = power_table(null_frame, null_plan.targets, alpha=0.05)
    for route in ("X → M", "M → Y"):
        row = _row(table, route)
        assert 0.93 <= row["coverage"] <= 0.97, (route, row["coverage"])
        assert abs(row["rel_bias"]) < 0.02, (route, row["rel_bias"])  # ML is consistent; N = 200
        assert abs(row["se_ratio"] - 1) < 0.06, (route, row["se_ratio"])  # the SEs are right
        # power as the asymptotic Wald test's: SE from the population's expected information
        k = null_plan.path_free[null_plan.path_rows.index(
            next(i for i, r in enumerate(null_plan.layout.rows) if r["op"] == "~"
                 and f"{r['rhs']} → {r['lhs']}" == route))]
        se = math.sqrt(np.linalg.inv(200 / 2 * np.linalg.pinv(null_plan.h0))[k, k])
        z = abs(row["population"]) / se
        expected = stats.norm.cdf(z - 1.96) + stats.norm.cdf(-z - 1.96)
        assert abs(row["power"] - expected) < 3 * math.sqrt(expected * (1 - expected) / 2000) + 0.005, (route, expected)
    # the zero path's estimates centre on zero too
    assert abs(_row(table, "X → Y")["bias"]) < 3 * _row(table, "X → Y")["sd_est"] / math.sqrt(2000)


def test_a_replication_is_the_sem_steps_fit_and_test_of_its_data(null_plan):
    """Replication r at N: the records np.random.default_rng([seed, N, r]) draws from the
    population, fitted by fit_sem, give the same estimates, SEs and (delta-method) effect SEs."""
    n, r = 180, 7
    frame = run_replications(null_plan, [(n, r)], SEED)
    rng = np.random.default_rng([SEED, n, r])
    records = rng.standard_normal((n, null_plan.p)) @ np.linalg.cholesky(null_plan.population.sigma).T
    data = pd.DataFrame(records, columns=null_plan.layout.obs)
    plain = fit_sem(MODEL, data, log=lambda line: None)
    params = plain.params[plain.params["op"] == "~"].set_index(["lhs", "rhs"])
    effects = effects_table(plain).assign(key=lambda t: "effect:" + t["kind"] + ":" + t["route"]).set_index("key")
    for t in null_plan.targets:
        if t.kind == "path":
            lhs, rhs = t.key[5:].split("~")
            est, se = params.loc[(lhs, rhs), ["est", "se"]]
        else:
            est, se = effects.loc[t.key, ["est", "se"]]
        assert frame[f"est:{t.key}"].iloc[0] == pytest.approx(est, abs=1e-5), t.key
        assert frame[f"se:{t.key}"].iloc[0] == pytest.approx(se, rel=1e-4), t.key


def test_the_split_into_shards_changes_nothing(null_plan):
    settings = {**SETTINGS, "replications": 12}
    work = tasks(settings["sizes"], 12)
    whole = run_replications(null_plan, work, SEED)
    parts = []
    for shards in (2, 5):
        frames = [run_replications(null_plan, shard_work(settings["sizes"], 12, shards, k), SEED)
                  for k in range(shards)]
        assert sorted(w for k in range(shards) for w in shard_work(settings["sizes"], 12, shards, k)) == sorted(work)
        split = pd.concat(frames[::-1], ignore_index=True)  # any order of the shards
        parts.append(gather(split, null_plan, settings, SEED))
        pd.testing.assert_frame_equal(
            split.sort_values(["n", "replication"]).reset_index(drop=True), whole)
    for a, b in zip(parts[0][:3], parts[1][:3]):
        pd.testing.assert_frame_equal(a, b)
    assert parts[0][3] == parts[1][3]


def test_gather_names_missing_or_duplicated_replications(null_plan):
    frame = run_replications(null_plan, tasks([150, 300], 3), SEED)
    settings = {**SETTINGS, "replications": 3}
    with pytest.raises(InputError, match="1 missing"):
        gather(frame.iloc[1:], null_plan, settings, SEED)
    with pytest.raises(InputError, match="duplicated"):
        gather(pd.concat([frame, frame.iloc[:1]]), null_plan, settings, SEED)


def test_smallest_n_must_stay_above_the_target():
    assert smallest_n([0.5, 0.82, 0.79, 0.9], [100, 200, 300, 400], 0.8) == 400
    assert smallest_n([0.5, 0.82, 0.85, 0.9], [100, 200, 300, 400], 0.8) == 200
    assert smallest_n([0.5, 0.6], [100, 200], 0.8) is None


def _ncx2_sf_poisson(x, df, lam, terms=2000):
    """P(χ²(df, λ) > x) as a Poisson(λ/2) mixture of central chi-squares: not scipy's ncx2."""
    k = np.arange(terms)
    return float(np.sum(stats.poisson.pmf(k, lam / 2) * stats.chi2.sf(x, df + 2 * k)))


def _ncx2_isf_poisson(alpha, df, lam):
    from scipy.optimize import brentq
    return brentq(lambda x: _ncx2_sf_poisson(x, df, lam) - alpha, 0, 50 * (df + lam) + 100)


@pytest.mark.parametrize("df, n", [(10, 200), (40, 100), (100, 132), (448, 100), (2, 3000)])
def test_rmsea_power_of_the_test_of_close_fit(df, n):
    """MacCallum, Browne & Sugawara (1996): H0 ε = .05 against Ha ε = .08, λ = (N - 1) df ε²."""
    critical = _ncx2_isf_poisson(0.05, df, (n - 1) * df * 0.05 ** 2)
    expected = _ncx2_sf_poisson(critical, df, (n - 1) * df * 0.08 ** 2)
    assert rmsea_power(n, df) == pytest.approx(expected, abs=1e-6)


def test_rmsea_sample_size_is_the_first_n_reaching_the_target():
    for df in (2, 10, 40, 100):
        n = rmsea_sample_size(df)
        assert rmsea_power(n, df) >= 0.8 > rmsea_power(n - 1, df)
    # the test of not-close fit (H0 ε = .05 against Ha ε = .01) needs more at small df than
    # close fit at large df, and power falls as N does
    assert rmsea_sample_size(100, rmsea0=0.05, rmsea_a=0.01) > rmsea_sample_size(100)
    assert rmsea_power(100, 20) < rmsea_power(200, 20)


def test_config_errors_are_named(fit):
    parsed = as_parsed(MODEL)
    n_obs = len(observed_variables(parsed))
    assert n_obs == 9
    with pytest.raises(InputError, match="power.sizes is .*smallest first"):
        check_settings({**SETTINGS, "sizes": [300, 150]}, n_obs)
    with pytest.raises(InputError, match="power.sizes starts at 8.*9 observed variables"):
        check_settings({**SETTINGS, "sizes": [8, 100]}, n_obs)
    with pytest.raises(InputError, match="null = alternative"):
        check_settings({**SETTINGS, "rmsea": {"null": 0.05, "alternative": 0.05}}, n_obs)
    with pytest.raises(InputError, match="'z9', which is no label and no relation"):
        population_from_fit(fit, {"z9": 0.1})
    with pytest.raises(InputError, match="'X =~ x1', which the model fixes at 1"):
        population_from_fit(fit, {"X =~ x1": 0.5})
    with pytest.raises(InputError, match="not positive definite"):
        population_from_fit(fit, {"Y ~~ Y": -5.0})
    # a relation as written in the model file is as good as its label
    by_relation = population_from_fit(fit, {"Y ~ X": 0.0})
    assert by_relation.x.tolist() == population_from_fit(fit, {"c": 0.0}).x.tolist()


def test_the_config_schema_fills_the_defaults_and_refuses_a_bad_population():
    from govsurvey.schema import validate

    power = {}
    validate(power, "config.schema.yaml", "config.yaml", part="power")
    assert power == {"enabled": True, "sizes": [100, 200, 300, 400, 500], "replications": 500, "shards": 4,
                     "target": 0.8, "population": "fitted", "rmsea": {"null": 0.05, "alternative": 0.08}}
    with pytest.raises(InputError, match="power"):
        validate({"population": "estimated"}, "config.schema.yaml", "config.yaml: power", part="power")


# ---- the chapter's paragraph, on hand-made results: each sentence as the numbers say

class _Chapter:
    """What report.power reads of a Chapter: words, the power tables and summary."""

    def __init__(self, language, table, smallest, summary):
        from govsurvey.words import words
        self.w, self.language = words(language), language
        self._tables = {"table": table, "smallest": smallest}
        self._summary = summary

    def table(self, stage, name):
        return self._tables[name]

    def json(self, stage, name):
        return self._summary


def _results(powers, study_n, sizes=(100, 200, 300)):
    """Power tables of two paths and one route with the given powers by N."""
    from govsurvey.power.summary import SMALLEST_COLUMNS, TABLE_COLUMNS
    targets = [("path:M~X", "path", "X → M"), ("path:Y~M", "path", "M → Y"), ("effect:indirect:X → M → Y", "indirect", "X → M → Y")]
    rows, small = [], []
    for (key, kind, route), by_n in zip(targets, powers):
        for n, p in zip(sizes, by_n):
            rows.append(dict(n=n, key=key, kind=kind, route=route, label="", population=0.3, population_std=0.3,
                             replications=100, converged=1.0, admissible=1.0, power=p, power_mcse=0.01,
                             mean_est=0.3, bias=0.0, rel_bias=0.01, sd_est=0.1, mean_se=0.1, se_ratio=1.0,
                             coverage=0.95))
        small.append(dict(key=key, kind=kind, route=route, label="", population=0.3, population_std=0.3,
                          smallest_n=smallest_n(list(by_n), list(sizes), 0.8), power_at_largest_n=by_n[-1]))
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    smallest = pd.DataFrame(small, columns=SMALLEST_COLUMNS)
    smallest["smallest_n"] = smallest["smallest_n"].astype("Int64")
    statuses = {str(n): {"admissible": 100, "not_converged": 0} for n in sizes}
    summary = {"sizes": list(sizes), "replications": 100, "alpha": 0.05, "target": 0.8, "population": "fitted",
               "study_n": study_n, "df": 24, "statuses": statuses,
               "rmsea": {"null": 0.05, "alternative": 0.08, "power_at_study_n": rmsea_power(study_n, 24),
                         "n_for_target": rmsea_sample_size(24)}}
    return table, smallest, summary


def test_the_paragraph_says_what_the_numbers_say():
    from govsurvey.formatting import number_style
    from govsurvey.report.power import power_text

    # everything reaches .80 by 200, the study has 250: enough
    text = power_text(_Chapter("en", *_results([(0.9, 1, 1), (0.5, 0.85, 0.95), (0.3, 0.82, 0.9)], 250)))
    assert "Every structural path and indirect route reached a power of .80 by N = 200" in text
    assert "At N = 200, the largest size of the grid not above the study's 250 respondents, every path" in text
    assert f"power of {apa_number(rmsea_power(250, 24), 2)} at N = 250" in text.replace("\n", " ")
    assert f"from N = {rmsea_sample_size(24)} on" in text
    assert "| X → M → Y |" in text and "{#tbl-power}" in text and "| 100 | 200 | 300 |" in text
    # the route misses it at the largest N; the study's N is on the grid and the path M → Y falls short there
    text = power_text(_Chapter("en", *_results([(0.9, 1, 1), (0.5, 0.7, 0.95), (0.3, 0.5, 0.7)], 200)))
    assert "X → M → Y (.70) did not reach a power of .80 even at N = 300; every other path and route reached it by N = 300" in text
    assert "At the study's own N = 200, M → Y (.70) and X → M → Y (.50) still fell short of .80, while every other" in text
    assert "not reached" in text  # the table's cell
    # the study is below the grid
    text = power_text(_Chapter("en", *_results([(0.9, 1, 1)] * 3, 80)))
    assert "fewer than the smallest size of the grid (100)" in text
    # Chinese: the same facts in its own words, leading zeros kept
    with number_style(True):
        text = power_text(_Chapter("zh", *_results([(0.9, 1, 1), (0.5, 0.7, 0.95), (0.3, 0.5, 0.7)], 200)))
    assert "基于蒙特卡洛模拟的样本量论证" in text
    assert "X → M → Y（0.70）即使在N = 300时检验力也未达到0.80" in text
    assert "在本研究的样本量N = 200下，M → Y（0.70）、X → M → Y（0.50）的检验力仍低于0.80，其余路径均已达到" in text


def apa_number(x, digits=2):
    from govsurvey.formatting import apa_number as fmt
    return fmt(x, digits)
