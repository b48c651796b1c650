"""The bootstrap of indirect effects: each draw equals a plain fit of its resample, draws equal
lavaan's on the same resamples, intervals agree with lavaan's within Monte Carlo error, the
split into shards does not matter, and a killed workflow run redoes only missing shards.
Fixtures: tests/reference/politdem_bootstrap*.{json,csv}, made by make_bootstrap_reference.R."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from pandas.testing import assert_frame_equal
from scipy import stats

from conftest import ROOT
from govsurvey.sem.bootstrap import (TABLE_COLUMNS, bc_ci, bootstrap, fit_resample, percentile_ci,
                                 prepare_bootstrap, run_draws, shard_draws, shard_range,
                                 summarise_draws)
from govsurvey.errors import InputError
from govsurvey.sem.effects import EFFECT_COLUMNS, add_bootstrap, effects_table, read_effects
from govsurvey.io import write_table
from govsurvey.sem import fit_sem

REF = Path(__file__).parent / "reference"
POLITDEM = json.loads((REF / "politdem.json").read_text())["model"]
LAVAAN = json.loads((REF / "politdem_bootstrap.json").read_text())
# fixedx with a := parameter: observed predictors whose (fixed) covariance must follow each resample
FIXEDX = "dem60 =~ y1 + y2 + y3 + y4\ndem60 ~ b1*x1 + b2*x2\ndiff := b1 - b2"


@pytest.fixture(scope="module")
def politdem_data():
    return pd.read_csv(REF / "politdem_data.csv")


@pytest.fixture(scope="module")
def politdem(politdem_data):
    return prepare_bootstrap(fit_sem(POLITDEM, politdem_data, log=lambda line: None))


def plain_statistics(model, data, keys):
    """The bootstrapped statistics, and their standard errors, from a plain fit_sem of `data`."""
    fit = fit_sem(model, data, log=lambda line: None)
    p = fit.params
    effects = effects_table(fit).assign(key=lambda t: "effect:" + t["kind"] + ":" + t["route"]).set_index("key")
    out = []
    for key in keys:
        if key.startswith("effect:"):
            out.append(effects.loc[key, ["est", "se"]].to_numpy(float))
        elif key.startswith("std:effect:"):
            out.append(effects.loc[key[4:], ["std_all", "std_se"]].to_numpy(float))
        elif "~" in key:
            lhs, rhs = key.split("~")
            out.append(p.loc[(p.lhs == lhs) & (p.op == "~") & (p.rhs == rhs),
                             ["std_all", "std_all_se"]].to_numpy()[0])
        else:
            out.append(p.loc[(p.lhs == key) & (p.op == ":="), ["est", "se"]].to_numpy()[0])
    return np.array(out).T


def test_full_sample_fit_is_the_plain_fit(politdem, politdem_data):
    plain = fit_sem(POLITDEM, politdem_data, log=lambda line: None)
    assert_frame_equal(politdem.fit.params, plain.params, check_exact=True)
    effects = ["effect:direct:ind60 → dem65", "effect:indirect:ind60 → dem60 → dem65",
               "effect:total_indirect:ind60 ⇒ dem65", "effect:total:ind60 ⇒ dem65"]
    assert politdem.keys == ["ind", "total", "dem60~ind60", "dem65~ind60", "dem65~dem60",
                             *effects, *("std:" + k for k in effects)]


@pytest.mark.parametrize("case", ["politdem", "governance", "fixedx", "observed_mediator"])
def test_a_draw_equals_the_plain_fit_of_its_resample(case):
    # observed_mediator: effects through an observed mediator (a path semopy keeps in Lambda)
    model = {"politdem": POLITDEM, "fixedx": FIXEDX,
             "observed_mediator": json.loads((REF / "observed_mediator.json").read_text())["model"]}.get(case) or \
        (ROOT / "data" / "models" / "governance.lavaan").read_text()
    data = pd.read_csv(REF / f"{'governance' if case == 'governance' else 'politdem'}_data.csv")
    boot = prepare_bootstrap(fit_sem(model, data, log=lambda line: None))
    rng = np.random.default_rng(3)
    for _ in range(2):
        rows = rng.integers(0, len(boot.data), len(boot.data))
        status, ours = fit_resample(boot, rows)
        assert status != "not_converged"
        resample = pd.DataFrame(boot.data[rows], columns=boot.layout.obs)
        plain, se = plain_statistics(model, resample, boot.keys)
        # both are optima to about 1e-5 standard errors
        assert np.all(np.abs(ours - plain) < 1e-4 * se), (ours, plain, se)


def test_draws_equal_lavaans_on_the_same_resamples(politdem):
    """lavaan's first 100 draws refitted on exactly its resampled rows: same estimates and the
    same admissible / inadmissible verdicts (lavaan's post-check)."""
    idx = pd.read_csv(REF / "politdem_bootstrap_idx.csv").set_index("draw")
    lavaan = pd.read_csv(REF / "politdem_bootstrap_draws.csv").set_index("draw").loc[idx.index]
    verdicts = []
    for draw, rows in idx.iterrows():
        status, ours = fit_resample(politdem, rows.to_numpy())
        verdicts.append((status == "admissible", lavaan.loc[draw, "status"] == "admissible"))
        drawn = [k for k in politdem.keys if k in lavaan.columns]  # lavaan's: := and paths
        np.testing.assert_allclose(ours[:len(drawn)], lavaan.loc[draw, drawn].to_numpy(float),
                                   rtol=1e-4, atol=1e-5, err_msg=f"draw {draw}")
    ours, theirs = np.array(verdicts).T
    assert 0 < theirs.sum() < len(theirs)  # the fixture has both kinds
    np.testing.assert_array_equal(ours, theirs)


def test_interval_functions_match_lavaans_on_its_own_draws():
    """norm.inter percentile and bca.simple intervals computed from lavaan's draws, against the
    values R computed from the same draws."""
    lavaan = pd.read_csv(REF / "politdem_bootstrap_draws.csv")
    admissible = lavaan[lavaan.status == "admissible"]
    for key, ref in LAVAAN["admissible_draws"].items():
        np.testing.assert_allclose(percentile_ci(admissible[key], 0.95), ref["perc"], rtol=1e-12)
        np.testing.assert_allclose(bc_ci(admissible[key], ref["est"], 0.95), ref["bc"], rtol=1e-12)
        assert np.std(admissible[key], ddof=1) == pytest.approx(ref["boot_se"], rel=1e-12)


def test_percentile_intervals_agree_with_lavaan_within_monte_carlo_error(politdem_data):
    """B = 2000 on PoliticalDemocracy, our seed against lavaan's draws (tests/reference).

    Tolerance: a bound is the p-quantile (p = .025, .975) of the bootstrap distribution,
    estimated from the n admissible draws; its asymptotic standard error is
    sqrt(p (1 - p) / n) / f(q_p), f the density of the statistic's bootstrap distribution
    (estimated here by a Gaussian kernel density of both runs' draws). Ours and lavaan's are
    independent estimates of the same quantile, so their difference has standard error
    sqrt(se_ours^2 + se_lavaan^2). We allow 3.5 of those: with 10 bounds compared, the chance
    that any exceeds it by chance is below 10 * P(|Z| > 3.5) = 0.5%. (For `ind` that is
    about 0.12 on an interval 1.2 wide.) The admissible shares are compared likewise: a
    binomial difference of proportions, within 3.5 standard errors."""
    table, summary, draws = bootstrap(POLITDEM, politdem_data, 2000, seed=20260903)
    assert summary["draws"] == 2000 and summary["not_converged"] == 0
    ours = draws[draws.status == "admissible"]
    lavaan = pd.read_csv(REF / "politdem_bootstrap_draws.csv")
    theirs = lavaan[lavaan.status == "admissible"]
    p = np.array([0.025, 0.975])
    for key in LAVAAN["admissible_draws"]:
        row = table[(table.lhs + table.op.where(table.op == "~", "") +
                     table.rhs.where(table.op == "~", "")) == key].iloc[0]
        ci = np.array([row.ci_lower_perc, row.ci_upper_perc])
        density = stats.gaussian_kde(np.r_[ours[key], theirs[key]])(ci)
        se = np.sqrt(p * (1 - p) * (1 / len(ours) + 1 / len(theirs))) / density
        ref = np.array(LAVAAN["admissible_draws"][key]["perc"])
        assert np.all(np.abs(ci - ref) < 3.5 * se), (key, ci, ref, se)
    share, ref_share = summary["admissible"] / 2000, LAVAAN["admissible"] / LAVAAN["B"]
    pooled = (summary["admissible"] + LAVAAN["admissible"]) / 4000
    assert abs(share - ref_share) < 3.5 * np.sqrt(pooled * (1 - pooled) * 2 / 2000)


def test_intervals_do_not_depend_on_the_shards(politdem):
    results = []
    for shards in (1, 3, 8):
        # 80 draws: about 50 admissible, above the 39 a 95% percentile interval needs
        draws = pd.concat([run_draws(politdem, shard_range(80, shards, k), seed=11)
                           for k in range(shards)], ignore_index=True)
        table, summary = summarise_draws(draws, politdem.fit.params, 80, 0.95, 11)
        results.append((draws, table, summary))
    for draws, table, summary in results[1:]:
        assert_frame_equal(draws, results[0][0], check_exact=True)
        assert_frame_equal(table, results[0][1], check_exact=True)
        assert summary == results[0][2]
    assert list(results[0][1].columns) == TABLE_COLUMNS
    assert results[0][1]["ci_lower_perc"].notna().all()
    assert any(k.startswith("effect:") for k in results[0][0].columns)  # the routes are drawn too


def test_every_effect_gets_its_bootstrap_interval(politdem):
    """Each route and total of the effects table has the percentile and BC intervals of its own
    draws (estimate and std.all); a := definition of the same product is the same effect, with
    the same draws, and is not listed twice."""
    draws = run_draws(politdem, range(40), seed=2)
    table = add_bootstrap(effects_table(politdem.fit), draws, 0.9)
    assert list(table.columns) == EFFECT_COLUMNS
    assert list(table["kind"]) == ["direct", "indirect", "total_indirect", "total"]
    assert list(table["label"]) == ["", "ind", "", "total"]
    ok = draws[draws.status == "admissible"]
    np.testing.assert_array_equal(ok["ind"], ok["effect:indirect:ind60 → dem60 → dem65"])
    total = table[table.kind == "total"].iloc[0]
    t = ok["effect:total:ind60 ⇒ dem65"]
    np.testing.assert_allclose([total.ci_lower_perc, total.ci_upper_perc], percentile_ci(t, 0.9))
    np.testing.assert_allclose([total.ci_lower_bc, total.ci_upper_bc], bc_ci(t, total.est, 0.9))
    assert total.boot_se == pytest.approx(t.std())
    std = ok["std:effect:total:ind60 ⇒ dem65"]
    np.testing.assert_allclose([total.std_ci_lower_perc, total.std_ci_upper_perc], percentile_ci(std, 0.9))
    assert (total.ci_lower, total.ci_upper) == (total.ci_lower_perc, total.ci_upper_perc)
    assert total.ci_method == "bootstrap_percentile"
    # direct + indirect = total in every draw; the shares of the total add up to 1
    np.testing.assert_allclose(ok["effect:direct:ind60 → dem65"] + ok["effect:indirect:ind60 → dem60 → dem65"], t)
    assert table.loc[table.kind.isin(["direct", "total_indirect"]), "proportion"].sum() == pytest.approx(1)


def test_inadmissible_draws_are_counted_and_left_out(politdem):
    draws = run_draws(politdem, range(60), seed=5)
    table, summary = summarise_draws(draws, politdem.fit.params, 60, 0.9, 5)
    admissible = draws[draws.status == "admissible"]
    assert 0 < summary["inadmissible"] < 60  # dem65's residual variance is near zero
    assert summary["admissible"] + summary["inadmissible"] + summary["not_converged"] == 60
    assert sum(summary["inadmissible_by_reason"].values()) == summary["inadmissible"]
    row = table[table.lhs == "ind"].iloc[0]
    np.testing.assert_allclose([row.ci_lower_perc, row.ci_upper_perc],
                               percentile_ci(admissible["ind"], 0.9))
    assert row.boot_se == pytest.approx(admissible["ind"].std())
    path = table[(table.lhs == "dem65") & (table.rhs == "dem60")].iloc[0]
    assert path.ci_of == "std_all" and path.ci_lower_perc < path.std_all < path.ci_upper_perc


def test_non_converged_draws_are_counted(politdem, monkeypatch):
    monkeypatch.setattr(politdem, "tol", -1.0)  # no draw can meet it
    draws = run_draws(politdem, range(5), seed=5)
    table, summary = summarise_draws(draws, politdem.fit.params, 5, 0.95, 5)
    assert summary["not_converged"] == 5 and summary["admissible"] == 0
    assert draws[politdem.keys].isna().all().all()
    assert table["ci_lower_perc"].isna().all()


def test_gather_refuses_incomplete_draws(politdem):
    draws = pd.concat([run_draws(politdem, shard_range(12, 3, k), seed=1) for k in (0, 2)])
    with pytest.raises(InputError, match=r"4 missing \(first: \[4, 5, 6, 7\]\)"):
        summarise_draws(draws, politdem.fit.params, 12, 0.95, 1, source="shard_0.parquet")


def test_model_without_effects_to_bootstrap_is_refused(politdem_data):
    model = "ind60 =~ x1 + x2 + x3"
    params = fit_sem(model, politdem_data, log=lambda line: None).params
    with pytest.raises(InputError, match="nothing to bootstrap.*draws: 0"):
        shard_draws(model, politdem_data, params, 10, 2, 0, seed=1)


def test_a_shard_starts_from_the_fit_it_is_given(politdem, politdem_data):
    """The shard restores the sem step's fit from its parameter table (no second fit): the
    same estimates, the same draws; a table of another sample is refused."""
    draws = shard_draws(POLITDEM, politdem_data, politdem.fit.params, 6, 2, 1, seed=4)
    assert_frame_equal(draws, run_draws(politdem, range(3, 6), seed=4))
    other = fit_sem(POLITDEM, politdem_data.iloc[:60], log=lambda line: None).params
    with pytest.raises(InputError, match="does not hold the ML estimates"):
        shard_draws(POLITDEM, politdem_data, other, 6, 2, 1, seed=4)


def politdem_instrument():
    """An instrument whose constructs are PoliticalDemocracy's factors (the workflow checks that
    instrument and model agree before it runs)."""
    factors = {"ind60": ["x1", "x2", "x3"], "dem60": ["y1", "y2", "y3", "y4"], "dem65": ["y5", "y6", "y7", "y8"]}
    text = {"zh": "题", "en": "item"}
    return {
        "id": "politdem", "title": {"zh": "政治民主", "en": "Political democracy"},
        "scale": {"min": 1, "max": 2, "labels": {1: {"zh": "低", "en": "low"}, 2: {"zh": "高", "en": "high"}}},
        "constructs": {f: {"name": {"zh": f, "en": f},
                           "items": [{"code": i, "zh": f"{text['zh']}{i}", "en": f"{text['en']} {i}"} for i in items]}
                       for f, items in factors.items()},
        "matrices": [{"stem": text, "rows": [i for items in factors.values() for i in items]}],
    }  # fmt: skip


@pytest.mark.slow
def test_a_killed_run_redoes_only_the_missing_shards(tmp_path, politdem_data):
    """The workflow's shard and gather rules on politdem. A first run stops after shards 0 and
    2 (as a run killed while shard 1 ran leaves it); the rerun makes shard 1 and the gather
    only, and its intervals equal the library's unsharded ones."""
    (tmp_path / "politdem.lavaan").write_text(POLITDEM)
    (tmp_path / "politdem.yaml").write_text(yaml.safe_dump(politdem_instrument(), allow_unicode=True))
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["study"]["model"] = str(tmp_path / "politdem.lavaan")
    config["study"]["instrument"] = str(tmp_path / "politdem.yaml")  # its constructs are the model's
    config["study"].pop("theory")  # the default study's hypotheses are not politdem's
    config["robustness"]["controls"] = []  # nor its demographics
    street = config["streets"]["l_street"]
    config["streets"] = {"l_street": {**street, "raw_export": str(ROOT / street["raw_export"])}}
    config.pop("comparison")
    config.pop("interviews")  # nor its interviews and cases
    config.pop("cases")
    config.pop("synthesis")  # its texts are the default study's
    config["analysis"]["bootstrap"] = {"draws": 30, "shards": 3, "level": 0.9}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    # The bootstrap's inputs, as the clean and sem rules would leave them.
    base = tmp_path / "results" / "l_street"
    write_table(politdem_data, base / "clean" / "scored.parquet")
    fit = fit_sem(POLITDEM, politdem_data)
    write_table(fit.params, base / "sem" / "params.parquet")
    write_table(effects_table(fit), base / "sem" / "effects.csv")
    shards = [base / "bootstrap" / f"shard_{k}.parquet" for k in range(3)]

    def run(*targets):
        command = [str(Path(sys.executable).parent / "snakemake"), "--snakefile",
                   str(ROOT / "Snakefile"), "--directory", str(tmp_path), "--cores", "2",
                   "--configfile", str(tmp_path / "config.yaml"),
                   "--allowed-rules", "bootstrap_shard", "bootstrap_gather", "--",
                   *[str(t.relative_to(tmp_path)) for t in targets]]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stderr

    run(shards[0], shards[2])
    mtimes = [shards[0].stat().st_mtime_ns, shards[2].stat().st_mtime_ns]
    log = run(base / "bootstrap" / "indirect.csv")
    assert "shard=1" in log and "rule bootstrap_gather" in log
    assert "shard=0" not in log and "shard=2" not in log
    assert [shards[0].stat().st_mtime_ns, shards[2].stat().st_mtime_ns] == mtimes
    table, summary, draws = bootstrap(POLITDEM, politdem_data, 30, seed=config["analysis"]["seed"],
                                      level=0.9)
    assert_frame_equal(pd.read_parquet(base / "bootstrap" / "indirect.parquet"), table)
    # every effect's bootstrap intervals, gathered from the shards, as from the unsharded draws
    assert_frame_equal(read_effects(base / "bootstrap" / "effects.csv"),
                       add_bootstrap(effects_table(fit), draws, 0.9), check_dtype=False, rtol=1e-8)
    written = json.loads((base / "bootstrap" / "summary.json").read_text())
    assert written["shards"] == 3
    assert {k: written[k] for k in ("draws", "admissible", "inadmissible", "not_converged",
                                    "level", "seed")} == \
        {k: summary[k] for k in ("draws", "admissible", "inadmissible", "not_converged",
                                 "level", "seed")}


# ---------------------------------------------------------------------------- too few draws
# Before: 3 draws gave "95%" intervals (the smallest and largest draw) without a word, and a BC
# interval whatever its bias correction asked of the draws.
def test_an_interval_needs_a_draw_in_each_tail():
    """Order statistic (R+1)·a must lie in 1..R: R >= 2/(1 - level) - 1 admissible draws."""
    from govsurvey.sem.bootstrap import min_draws, norm_inter
    assert [min_draws(level) for level in (0.90, 0.95, 0.99)] == [19, 39, 199]
    t = np.random.default_rng(0).normal(size=39)
    assert np.isnan(percentile_ci(t[:3], 0.95)).all() and np.isnan(percentile_ci(t[:38], 0.95)).all()
    np.testing.assert_allclose(percentile_ci(t, 0.95), norm_inter(t, [0.025, 0.975]), rtol=1e-12)
    # rank (39 + 1)·.025 = 1: the lower endpoint is the first draw
    assert percentile_ci(t, 0.95)[0] == pytest.approx(np.sort(t)[0], rel=1e-12)


def test_a_bias_corrected_interval_is_refused_where_its_endpoint_is_not_estimable():
    t = np.arange(1.0, 101.0)  # 100 draws; the 95% percentile interval is estimable
    assert np.isfinite(percentile_ci(t, 0.95)).all()
    # 90 of 100 draws below the estimate: z0 = 1.28 moves the upper tail to 1 - Φ(2·1.28 + 1.96),
    # about 3e-6, far beyond the largest of 100 draws
    assert np.isnan(bc_ci(t, 90.5, 0.95)).all()
    assert np.isnan(bc_ci(t, 0.5, 0.95)).all()  # no draw below the estimate: z0 = -inf
    assert np.isfinite(bc_ci(t, 50.5, 0.95)).all()  # no bias: the percentile interval's tails
    np.testing.assert_allclose(bc_ci(t, 50.5, 0.95), percentile_ci(t, 0.95))


def test_too_few_admissible_draws_stop_the_gather_and_few_are_warned_of(politdem):
    from govsurvey.sem.bootstrap import draw_warnings, gather, require_intervals
    draws = run_draws(politdem, range(3), seed=5)
    table, summary = summarise_draws(draws, politdem.fit.params, 3, 0.95, 5)
    assert summary["min_draws"] == 39 and summary["advised_draws"] == 1000
    assert table["ci_lower_perc"].isna().all() and table["ci_lower_bc"].isna().all()
    with pytest.raises(InputError, match=r"percentile interval needs at least 39 .*analysis\.bootstrap\.draws"):
        require_intervals(summary)
    with pytest.raises(InputError, match=r"only \d of 3 bootstrap draws are admissible"):  # the gather step
        gather(draws, politdem.fit.params, effects_table(politdem.fit), 3, 0.95, 5, log=lambda line: None)
    draws = run_draws(politdem, range(80), seed=5)
    lines = []  # about 50 admissible: enough for an interval, not for comfort
    table, effects, summary = gather(draws, politdem.fit.params, effects_table(politdem.fit), 80, 0.95, 5,
                                     log=lines.append)
    (few, *rest) = draw_warnings(summary, effects)
    assert f"rest on {summary['admissible']} admissible draws (of 80)" in few and "Efron & Tibshirani (1993)" in few
    assert f"bootstrap WARNING: {few}" in lines
    refused = (effects["ci_lower_perc"] < effects["ci_upper_perc"]) & effects["ci_lower_bc"].isna()
    assert bool(rest) == bool(refused.any())
