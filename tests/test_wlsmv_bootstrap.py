"""The WLSMV bootstrap (sem/ordinal_bootstrap.py) against known truth on simulated ordinal data,
its seeding, its counting of resamples that lose a category, the stage's table when it is off,
and the chapter's sentence and caption in both languages."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from govsurvey.errors import InputError
from govsurvey.formatting import number_style
from govsurvey.io import write_table
from govsurvey.report import robustness as R
from govsurvey.robustness.sensitivity import _rows
from govsurvey.robustness.stage import _wlsmv_bootstrap
from govsurvey.sem.dwls import fit_wlsmv
from govsurvey.sem.effects import effects_table
from govsurvey.sem.ordinal_bootstrap import TABLE_COLUMNS, wlsmv_bootstrap
from govsurvey.words import words

MODEL = """X =~ x1 + x2 + x3
M =~ m1 + m2 + m3
Y =~ y1 + y2 + y3
M ~ a*X
Y ~ b*M + X
ab := a*b
"""
A, B, C, LOADING = 0.5, 0.5, 0.2, 0.75
CUTS = np.array([-1.6, -0.6, 0.4, 1.3])  # five categories


def simulate(n=400, seed=2):
    """Latent X -> M -> Y (and X -> Y), each of unit variance, three items each with loading
    LOADING on a unit-variance y*, cut into five categories. Every factor's marker loading is
    LOADING, so the marker metric scales X and M alike and the indirect effect is A*B both
    unstandardized and standardized."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(n)
    M = A * X + np.sqrt(1 - A * A) * rng.standard_normal(n)
    Y = B * M + C * X + np.sqrt(1 - (B * B + C * C + 2 * A * B * C)) * rng.standard_normal(n)
    out = {}
    for name, f in (("x", X), ("m", M), ("y", Y)):
        for k in range(1, 4):
            ystar = LOADING * f + np.sqrt(1 - LOADING ** 2) * rng.standard_normal(n)
            out[f"{name}{k}"] = 1 + np.searchsorted(CUTS, ystar)
    return pd.DataFrame(out)


def quiet(line):
    pass


def fit(data):
    return fit_wlsmv(MODEL, data, ordered=list(data.columns), log=quiet)


_run = {}


def boot200():
    if not _run:
        data = simulate()
        f = fit(data)
        _run.update(data=data, fit=f, result=wlsmv_bootstrap(f, data, 200, 11, _rows, log=quiet))
    return _run


def test_bootstrap_se_agrees_with_the_delta_method_and_the_interval_covers_the_truth():
    run = boot200()
    table, summary, _ = run["result"]
    assert summary["admissible"] == 200 and summary["failed"] == 0
    row = table[table["kind"] == "indirect"].iloc[0]
    delta = effects_table(run["fit"])
    delta = delta[delta["kind"] == "indirect"].iloc[0]
    assert row["se"] == pytest.approx(delta["se"])
    # 200 draws: the bootstrap SE itself carries ~5% Monte Carlo error
    assert 0.75 < row["boot_se"] / delta["se"] < 1.25
    assert 0.75 < row["std_boot_se"] / delta["std_se"] < 1.25
    truth = A * B
    assert row["ci_lower"] < truth < row["ci_upper"]
    assert row["std_ci_lower"] < truth < row["std_ci_upper"]
    # the estimate lies inside its own interval, and every row the sensitivity table has is there
    assert row["ci_lower"] < row["est"] < row["ci_upper"]
    assert list(table["key"]) == list(_rows(run["fit"])["key"])
    assert list(table.columns) == TABLE_COLUMNS
    assert bool(row["excludes_zero"]) and bool(row["delta_significant"]) and bool(row["agree"])


def test_the_same_seed_gives_the_same_draws_and_another_seed_others():
    run = boot200()
    _, _, drawn = run["result"]
    _, _, drawn40 = wlsmv_bootstrap(run["fit"], run["data"], 39, 11, _rows, log=quiet)
    values = [c for c in drawn.columns if c.startswith(("est:", "std:"))]
    # draw i depends on (seed, i) only: the first 39 of 200 are the 39
    pd.testing.assert_frame_equal(drawn40[values], drawn[values].iloc[:39])
    _, _, other = wlsmv_bootstrap(run["fit"], run["data"], 39, 12, _rows, log=quiet)
    assert not np.allclose(other[values].to_numpy(), drawn40[values].to_numpy())


def test_a_resample_that_loses_a_category_is_counted_not_used():
    data = simulate(n=300, seed=5)
    data["x1"] = data["x1"].clip(upper=4)
    data.loc[[0, 1], "x1"] = 5  # two records alone answer 5
    f = fit(data)
    lines = []
    table, summary, drawn = wlsmv_bootstrap(f, data, 60, 3, _rows, log=lines.append)
    # the resamples with neither record 0 nor 1, by the bootstrap's own rule for draw i
    lost = sum(not np.isin([0, 1], np.random.default_rng([3, i]).integers(0, 300, size=300)).any()
               for i in range(60))
    assert 3 <= lost <= 15  # about 60 e^-2
    assert summary["empty_category"] == lost and summary["failed"] == lost
    assert summary["admissible"] == 60 - lost - summary["not_converged"] - summary["inadmissible"]
    assert drawn.loc[drawn["status"] == "empty_category", [c for c in drawn if c.startswith("est:")]].isna().all(axis=None)
    assert drawn.loc[drawn["status"] == "admissible", "est:indirect: X → M → Y"].notna().all()
    assert any("60/60 draws" in line and f"failed {lost}" in line for line in lines)
    assert sum("WLSMV bootstrap:" in line and "draws in" in line for line in lines) == 10  # every 6 draws (10%)
    assert lines[-1].startswith("WLSMV bootstrap:") and lines[-1].endswith("s a draw")  # time in the log, not the data


def test_too_few_draws_for_an_interval_are_refused_before_the_work():
    data = simulate(n=200, seed=1)
    with pytest.raises(InputError, match="robustness.wlsmv_bootstrap.draws"):
        wlsmv_bootstrap(fit(data), data, 20, 1, _rows, log=quiet,
                        source="robustness.wlsmv_bootstrap.draws")


def test_switched_off_the_stage_writes_the_empty_table(tmp_path):
    table, facts = _wlsmv_bootstrap(object(), simulate(n=50), {"wlsmv_bootstrap": {"draws": 0}},
                                    1, 0.95, 0.05, "config.yaml", quiet)
    assert facts == {"ran": False, "draws": 0, "reason": "off"}
    write_table(table, tmp_path / "wlsmv_bootstrap.csv")
    back = pd.read_csv(tmp_path / "wlsmv_bootstrap.csv")
    assert list(back.columns) == TABLE_COLUMNS and back.empty
    table, facts = _wlsmv_bootstrap(None, simulate(n=50), {}, 1, 0.95, 0.05, "config.yaml", quiet)
    assert table.empty and facts["ran"] is False


# ------------------------------------------------------------------ the chapter
def chapter(language):
    return SimpleNamespace(w=words(language), language=language, estimator="ML")


FACTS = {"ran": True, "draws": 1000, "admissible": 996, "level": 0.95, "indirect": 3,
         "indirect_agree": 3, "indirect_disagree": []}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_sentence_says_the_draws_and_whether_the_intervals_agree_with_p(language):
    with number_style(words(language)["leading_zero"]):
        same = R._wlsmv_bootstrap_sentence(chapter(language), FACTS, 0.05)
        differ = R._wlsmv_bootstrap_sentence(
            chapter(language), {**FACTS, "indirect_agree": 2, "indirect_disagree": ["PM → PW → GS"]}, 0.05)
    if language == "en":
        assert "996 usable of 1000 resamples" in same and "95% percentile" in same
        assert "on every indirect effect" in same and "p < .05" in same
        assert "on two of three indirect effects; for PM → PW → GS" in differ
    else:
        assert "重抽样1000次" in same and "可用996次" in same and "每一条间接效应" in same
        assert "p < 0.05" in same
        assert "在三条间接效应中有两条与Delta法的p值一致；PM → PW → GS的百分位区间" in differ
    assert R._wlsmv_bootstrap_sentence(chapter(language), {"ran": False}, 0.05) == ""


@pytest.mark.parametrize("language", ["en", "zh"])
def test_without_the_bootstrap_the_caption_says_wlsmv_rests_on_delta_method_ses(language):
    table = pd.DataFrame({"kind": ["path"], "lhs": ["M"], "rhs": ["X"], "route": [""],
                          "ml_std_all": [0.5], "ml_pvalue": [0.001],
                          "wlsmv_std_all": [0.55], "wlsmv_pvalue": [0.001]})
    facts = {"variants": ["ml", "wlsmv"], "n": {"ml": 400, "wlsmv": 400}}
    note = words(language)["robustness"]["wlsmv_delta_note"]
    off = R.sensitivity_table(chapter(language), table, facts, {"ran": False})
    on = R.sensitivity_table(chapter(language), table, facts, FACTS)
    assert note in off and note not in on
    assert ("delta-method" in note) if language == "en" else ("Delta法" in note)
    assert note not in R.sensitivity_table(chapter(language), table, {"variants": ["ml"], "n": {"ml": 400}})
