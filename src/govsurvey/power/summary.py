"""The gather: per sample size and tested parameter, what the replications show, after Muthén &
Muthén (2002).

Over the converged replications (as Muthén & Muthén count completed replications; the share
that is also admissible is reported beside it):

    power       share with p < alpha (two-sided Wald / delta-method z test; at a population
                value of 0 this is the type I error rate)
    power_mcse  its Monte Carlo standard error, sqrt(power (1 - power) / replications)
    mean_est    mean estimate; bias = mean_est - population; rel_bias = bias / population
    sd_est      standard deviation of the estimates; mean_se the mean standard error;
                se_ratio = mean_se / sd_est (1 when the standard errors are right)
    coverage    share whose 95% Wald interval est ± 1.96 se holds the population value

The smallest N of the grid for a parameter is the smallest N at which its power reaches the
target and stays there at every larger N of the grid (so that one lucky replication set does
not decide it); None when no N does ("not reached").
"""

import math

import numpy as np
import pandas as pd
from scipy import stats

from govsurvey.errors import InputError
from govsurvey.power.rmsea import rmsea_power, rmsea_sample_size
from govsurvey.power.simulate import STATUSES, tasks

TABLE_COLUMNS = ["n", "key", "kind", "route", "label", "population", "population_std", "replications",
                 "converged", "admissible", "power", "power_mcse", "mean_est", "bias", "rel_bias",
                 "sd_est", "mean_se", "se_ratio", "coverage"]
SMALLEST_COLUMNS = ["key", "kind", "route", "label", "population", "population_std", "smallest_n",
                    "power_at_largest_n"]
RMSEA_COLUMNS = ["n", "power"]
LEVEL = 0.95


def check_complete(frame, sizes, replications, source):
    """InputError unless every (N, r) of the study is in the replications exactly once."""
    found = sorted(zip(frame["n"].astype(int), frame["replication"].astype(int)))
    wanted = tasks(sizes, replications)
    if found != sorted(wanted):
        missing = sorted(set(wanted) - set(found))
        extra = len(found) - len(set(found)) + len(set(found) - set(wanted))
        raise InputError(source, f"expected {len(wanted)} replications (N in {list(sizes)}, "
                         f"{replications} each) once each; {len(missing)} missing (first: "
                         f"{missing[:3]}), {extra} duplicated or not of this design.",
                         "delete results/<street>/power/ and rerun the workflow, so that all "
                         "shards come from the same configuration.")


def power_table(frame, targets, alpha):
    """One row per (N, target): TABLE_COLUMNS."""
    z = stats.norm.ppf(0.5 + LEVEL / 2)
    rows = []
    for n, group in frame.groupby("n", sort=True):
        status = group["status"].to_numpy()
        converged = status != "not_converged"
        for t in targets:
            est = group[f"est:{t.key}"].to_numpy(float)[converged]
            se = group[f"se:{t.key}"].to_numpy(float)[converged]
            m = len(est)
            with np.errstate(divide="ignore", invalid="ignore"):
                p = 2 * stats.norm.sf(np.abs(est / se))
            power = float(np.mean(p < alpha)) if m else math.nan
            mean_est = float(np.mean(est)) if m else math.nan
            sd_est = float(np.std(est, ddof=1)) if m > 1 else math.nan
            mean_se = float(np.mean(se)) if m else math.nan
            bias = mean_est - t.population
            rows.append(dict(
                n=int(n), key=t.key, kind=t.kind, route=t.route, label=t.label,
                population=t.population, population_std=t.population_std,
                replications=len(group), converged=m / len(group),
                admissible=float(np.mean(status == "admissible")),
                power=power, power_mcse=math.sqrt(power * (1 - power) / m) if m else math.nan,
                mean_est=mean_est, bias=bias,
                rel_bias=bias / t.population if t.population != 0 else math.nan,
                sd_est=sd_est, mean_se=mean_se,
                se_ratio=mean_se / sd_est if sd_est and sd_est > 0 else math.nan,
                coverage=float(np.mean(np.abs(est - t.population) <= z * se)) if m else math.nan))
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def smallest_n(powers, sizes, target):
    """The smallest N of `sizes` (ascending) from which `powers` (same order) stay >= target;
    None when the largest N does not reach it."""
    found = None
    for n, p in zip(reversed(sizes), reversed(powers)):
        if not p >= target:
            break
        found = n
    return found


def smallest_table(table, targets, target):
    rows = []
    for t in targets:
        own = table[table["key"] == t.key].sort_values("n")
        n = smallest_n(own["power"].tolist(), own["n"].tolist(), target)
        rows.append(dict(key=t.key, kind=t.kind, route=t.route, label=t.label, population=t.population,
                         population_std=t.population_std, smallest_n=n,
                         power_at_largest_n=float(own["power"].iloc[-1])))
    out = pd.DataFrame(rows, columns=SMALLEST_COLUMNS)
    out["smallest_n"] = out["smallest_n"].astype("Int64")
    return out


def rmsea_table(sizes, study_n, df, alpha, rmsea0, rmsea_a):
    """The closed-form power of the test of close fit at each N of the grid and at the study's N."""
    ns = sorted(set(int(n) for n in sizes) | {int(study_n)})
    return pd.DataFrame({"n": ns, "power": [rmsea_power(n, df, alpha, rmsea0, rmsea_a) for n in ns]},
                        columns=RMSEA_COLUMNS)


def gather(frame, plan, settings, seed, source="power shards"):
    """(power table, smallest-N table, RMSEA table, summary dict) from all shards' replications.
    `settings`: the checked `power:` config (settings.check_settings); `plan`: simulate.Plan."""
    sizes, reps = settings["sizes"], settings["replications"]
    check_complete(frame, sizes, reps, source)
    frame = frame.sort_values(["n", "replication"], kind="stable")
    alpha, target = settings["alpha"], settings["target"]
    table = power_table(frame, plan.targets, alpha)
    smallest = smallest_table(table, plan.targets, target)
    pop = plan.population
    r0, ra = settings["rmsea"]["null"], settings["rmsea"]["alternative"]
    rmsea = rmsea_table(sizes, pop.study_n, pop.df, alpha, r0, ra)
    statuses = {int(n): {s: int((g["status"] == s).sum()) for s in STATUSES}
                for n, g in frame.groupby("n", sort=True)}
    tested = smallest[smallest["kind"].isin(["path", "indirect"])]
    all_reached = None if tested["smallest_n"].isna().any() or tested.empty else int(tested["smallest_n"].max())
    study_power = table[table["n"] == pop.study_n]
    summary = {
        "sizes": [int(n) for n in sizes], "replications": int(reps), "seed": int(seed),
        "alpha": float(alpha), "target": float(target), "level": LEVEL,
        "population": "fitted" if not pop.set else {str(k): float(v) for k, v in pop.set.items()},
        "study_n": pop.study_n, "df": pop.df, "free_parameters": int(len(pop.x)),
        "statuses": statuses,
        "converged_min": float(table["converged"].min()), "admissible_min": float(table["admissible"].min()),
        # paths and indirect routes: the smallest N of the grid at which all reach the target
        "all_paths_and_routes_n": all_reached,
        "not_reached": tested.loc[tested["smallest_n"].isna(), "key"].tolist(),
        "study_n_in_grid": bool(len(study_power)),
        "rmsea": {"null": r0, "alternative": ra,
                  "power_at_study_n": rmsea_power(pop.study_n, pop.df, alpha, r0, ra),
                  "n_for_target": rmsea_sample_size(pop.df, target, alpha, r0, ra)},
    }
    return table, smallest, rmsea, summary
