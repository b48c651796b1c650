"""Nonparametric bootstrap of the `:=` parameters, the standardized structural paths and every
effect the model implies (effects.py: direct, each indirect route, total indirect, total; their
estimates and standardized values), with percentile and bias-corrected (BC) confidence intervals.
The gather writes the `:=` parameters and paths to bootstrap/indirect.csv (TABLE_COLUMNS) and
the effects to bootstrap/effects.csv (effects.EFFECT_COLUMNS, see effects.add_bootstrap).

The full sample is fitted once, by the sem step (`fit_sem`); the shards start from that fit
(`restore_fit` of its parameter table), they do not fit it again. Each draw resamples
respondents, forms the resample's covariance matrix S* (divided by N, as lavaan) and minimises
F_ML(S*) with the one ML fitter (ml.MLFitter.bfgs) from the full-sample estimate: BFGS whose
first inverse Hessian is the inverse expected information there (so its first step is a Fisher
scoring step), with analytic gradients. No semopy, pandas or model construction happens inside
the loop.

Draw i always uses `np.random.default_rng([seed, i])` and starts from the same estimate, so a
draw's result does not depend on which shard computed it: any split of range(B) into shards
gives the same draws, hence the same intervals.

A draw counts as lavaan 0.6 counts it: `not_converged` (also a resample whose S* is singular),
or inadmissible by lavaan's post-check (negative variance, latent covariance or residual
covariance matrix not positive definite). Unlike lavaan 0.6-14, which keeps inadmissible
draws in its intervals, the intervals here use admissible draws only.
"""

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from govsurvey.errors import InputError
from govsurvey.io import bc_refused
from govsurvey.sem.effects import EffectValues, add_bootstrap, effect_keys, model_effects
from govsurvey.sem.fit import Definitions, fit_sem, restore_fit
from govsurvey.sem.ml import MLFitter, threadpool_limits

# Fewer admissible draws than this is warned of, in the log and the chapter: Efron & Tibshirani
# (1993) find 25-200 replications enough for a bootstrap standard error but ask for about 1,000
# or more for percentile-based confidence intervals, whose endpoints lie in the sparse tails.
ADVISED_DRAWS = 1000
STATUSES = ("admissible", "not_converged", "negative_variance", "latent_cov_not_pd",
            "theta_not_pd")
TABLE_COLUMNS = ["lhs", "op", "rhs", "label", "est", "std_all", "ci_of", "boot_se",
                 "ci_lower_perc", "ci_upper_perc", "ci_lower_bc", "ci_upper_bc"]
@dataclass
class Bootstrap:
    """A plain fit and what every draw needs. `keys` name the bootstrapped statistics: a `:=`
    parameter's name (its estimate), 'lhs~rhs' for a standardized path between latents, then
    each generated effect's key (its estimate) and 'std:' + key (its standardized value)."""
    fit: object          # SemFit of the full sample
    data: np.ndarray     # complete cases, columns in the layout's observed order
    x0: np.ndarray       # full-sample estimate: every draw's starting point
    keys: list
    fitter: MLFitter
    layout: object
    defs: object
    h0: np.ndarray       # inverse expected information at x0: the first BFGS inverse Hessian
    tol: float           # convergence: Newton decrement; 2e-10/N puts x within ~1e-5 SE

    def statistics(self, x, cache):
        """Values of the bootstrapped statistics at parameter vector x."""
        est = self.layout.estimates(x)
        out = list(self.defs.from_labels(est[self.defs.label_rows])) if self.defs else []
        if len(self._path_rows):
            mx, C = cache[:2]
            phi_diag = np.einsum("ij,jk,ik->i", C, mx["psi"], C)
            sd = np.sqrt(np.where(phi_diag > 0, phi_diag, np.nan))
            rows = self._path_rows
            out += list(est[rows] * sd[self._path_rhs] / sd[self._path_lhs])
        if self._effects.effects:
            # variances from the fitter's matrices: their fixed.x block is the resample's
            mx, C, M = cache[:3]
            total = np.concatenate([np.einsum("ij,jk,ik->i", M, mx["psi"], M) + np.diagonal(mx["theta"]),
                                    np.einsum("ij,jk,ik->i", C, mx["psi"], C)])
            resid = np.concatenate([np.diagonal(mx["theta"]), np.diagonal(mx["psi"])])
            out += list(self._effects.values(est))
            out += list(self._effects.values(self.layout.standardized(x, (total, resid))))
        return np.array(out, dtype=float)

    def __post_init__(self):
        s = self.layout
        rows = [k for k, r in enumerate(s.rows) if f"{r['lhs']}~{r['rhs']}" in self.keys
                and r["op"] == "~"]
        self._path_rows = np.array(rows, int)
        self._path_lhs = np.array([s.inner.index(s.rows[k]["lhs"]) for k in rows], int)
        self._path_rhs = np.array([s.inner.index(s.rows[k]["rhs"]) for k in rows], int)
        self._effects = EffectValues(model_effects(self.fit.parsed), s)


def prepare_bootstrap(fit):
    """Set up the draws from the full-sample SemFit. Raises InputError when the model has
    neither `:=` parameters nor regressions between latent variables."""
    layout = fit.layout
    defs = Definitions(fit.parsed, layout) if fit.parsed.definitions else None
    keys = list(defs.names) if defs else []
    keys += [f"{r['lhs']}~{r['rhs']}" for r in layout.rows if r["op"] == "~"
             and r["lhs"] in layout.latent and r["rhs"] in layout.latent]
    keys += effect_keys(model_effects(fit.parsed))
    if not keys:
        raise InputError(fit.parsed.source, "the model has no := parameters and no regressions "
                         "between latent variables, so there is nothing to bootstrap.",
                         "define indirect effects, e.g. `ind := a*b`, or switch the "
                         "bootstrap off with `analysis: bootstrap: draws: 0` in the config.")
    fitter = MLFitter(layout)
    fitter.set_sample(fit.S)
    _, cache = fitter.evaluate(fit.x, fitter.fold(fit.S))
    h0 = np.linalg.pinv(fitter.information(cache), hermitian=True)
    return Bootstrap(fit=fit, data=fit.data, x0=np.array(fit.x), keys=keys, fitter=fitter,
                     layout=layout, defs=defs, h0=h0, tol=2e-10 / fit.n)


def shard_range(n_draws, n_shards, shard):
    """The draws of shard `shard` (0-based) when n_draws are split into n_shards."""
    if not 0 <= shard < n_shards:
        raise ValueError(f"shard {shard} is not in 0..{n_shards - 1}")
    return range(shard * n_draws // n_shards, (shard + 1) * n_draws // n_shards)


def shard_draws(model, data, params, n_draws, n_shards, shard, seed, log=None, source="model"):
    """The work of one shard job: restore the full-sample fit from its parameter table
    (`params`, written by the sem step), then the shard's draws (run_draws)."""
    fit = restore_fit(model, data, params, log=log, source=source)
    return run_draws(prepare_bootstrap(fit), shard_range(n_draws, n_shards, shard), seed, log=log)


def fit_resample(boot, rows):
    """Fit the resample of data rows `rows`. Returns (status, statistics; NaN unless converged)."""
    sample = boot.data[rows]
    centred = sample - sample.mean(axis=0)
    S = centred.T @ centred / len(rows)
    boot.fitter.set_sample(S)
    x, converged, cache = boot.fitter.bfgs(S, boot.x0, boot.h0, boot.tol)
    if not converged:
        return "not_converged", np.full(len(boot.keys), np.nan)
    return boot.fitter.problem(cache) or "admissible", boot.statistics(x, cache)


def run_draws(boot, draws, seed, log=None):
    """Bootstrap draws `draws` (e.g. a shard_range): draw i resamples N rows with replacement
    by np.random.default_rng([seed, i]). Returns a DataFrame, one row per draw: draw, status
    (one of STATUSES) and one column per key (NaN when not converged). The time the draws took
    goes to the log only: result data hold no wall-clock values, so reruns are byte-identical."""
    log = log or (lambda line: None)
    n = len(boot.data)
    values = np.full((len(draws), len(boot.keys)), np.nan)
    status, seconds = [], np.zeros(len(draws))
    with threadpool_limits(1):
        for row, i in enumerate(draws):
            started = time.perf_counter()
            rows = np.random.default_rng([seed, i]).integers(0, n, size=n)
            state, values[row] = fit_resample(boot, rows)
            status.append(state)
            seconds[row] = time.perf_counter() - started
    frame = pd.DataFrame({"draw": np.asarray(draws, dtype=np.int64), "status": status})
    frame = pd.concat([frame, pd.DataFrame(values, columns=boot.keys)], axis=1)
    if len(draws):
        counts = ", ".join(f"{k} {v}" for k, v in frame["status"].value_counts().items())
        log(f"bootstrap: draws {draws[0]}..{draws[-1]}: {counts} in {seconds.sum():.2f} s "
            f"({1000 * seconds.mean():.2f} ms per draw)")
    return frame


def norm_inter(t, alpha):
    """Quantiles of t at probabilities alpha as lavaan (boot's norm.inter): order statistic
    (R+1)·alpha, interpolated on the normal scale between neighbours."""
    t = np.sort(np.asarray(t, dtype=float)[np.isfinite(t)])
    R = len(t)
    out = []
    for a in np.atleast_1d(alpha):
        if R == 0 or not np.isfinite(a):
            out.append(math.nan)
            continue
        rk = (R + 1) * a
        k = int(math.floor(rk))
        if k <= 0:
            out.append(t[0])
        elif k >= R:
            out.append(t[-1])
        elif k == rk:
            out.append(t[k - 1])
        else:
            z, z0, z1 = stats.norm.ppf([a, k / (R + 1), (k + 1) / (R + 1)])
            out.append(t[k - 1] + (z - z0) / (z1 - z0) * (t[k] - t[k - 1]))
    return np.array(out)


# What an interval needs of the draws. norm_inter takes the endpoint at tail probability a from
# order statistic (R+1)·a of the R admissible draws; below rank 1 or above rank R it can only
# return the smallest or largest draw, which estimates no quantile (boot's norm.inter warns
# "extreme order statistics used as endpoints"; lavaan passes such intervals on). So an endpoint
# is estimable only when 1 <= (R+1)·a <= R:
# - percentile interval, a = (1 - level)/2: R >= 2/(1 - level) - 1, i.e. 39 draws at 95%
#   (the 2.5% tail must hold a draw), 199 at 99% (min_draws);
# - bias-corrected (BC) interval, a = Φ(2·z0 ± z): the same rule at the adjusted tails, so it
#   needs more draws the larger the bias z0 = Φ⁻¹(share of draws below the estimate) is, e.g.
#   z0 = 0.3 moves the upper tail to 1 - Φ(0.6 + 1.96) = 0.5%, which needs R >= 191; and z0 must
#   be finite (draws on both sides of the estimate). Otherwise the BC interval is refused (NaN).


def min_draws(level):
    """The fewest admissible draws a percentile interval at `level` can be estimated from."""
    return math.ceil(round(2 / (1 - level) - 1, 9))


def _estimable(R, alpha):
    ranks = (R + 1) * np.asarray(alpha, dtype=float)
    return bool(np.all(np.isfinite(ranks)) and np.all((ranks >= 1) & (ranks <= R)))


def percentile_ci(t, level):
    """Percentile interval as lavaan (norm_inter); NaN when the draws are too few for its
    endpoints (fewer than min_draws(level) finite draws)."""
    alpha = [(1 - level) / 2, (1 + level) / 2]
    if not _estimable(int(np.isfinite(np.asarray(t, dtype=float)).sum()), alpha):
        return np.array([math.nan, math.nan])
    return norm_inter(t, alpha)


def bc_ci(t, t0, level):
    """Bias-corrected percentile interval (lavaan's "bca.simple": acceleration 0); NaN (refused)
    when the bias correction is infinite (no draw on one side of t0) or puts an endpoint where
    the draws cannot estimate it (see above)."""
    t = np.asarray(t, dtype=float)
    t = t[np.isfinite(t)]
    if len(t) < 2 or np.var(t) == 0:
        return np.array([math.nan, math.nan])
    share = np.mean(t < t0)
    if not 0 < share < 1:
        return np.array([math.nan, math.nan])
    alpha = stats.norm.cdf(2 * stats.norm.ppf(share) + stats.norm.ppf([(1 - level) / 2, (1 + level) / 2]))
    if not _estimable(len(t), alpha):
        return np.array([math.nan, math.nan])
    return norm_inter(t, alpha)


def summarise_draws(draws, params, n_draws, level, seed, source="bootstrap shards"):
    """Gather: the interval table and a summary from the draws of all shards.

    draws: concatenated run_draws frames; params: the plain fit's parameter table (its est and
    std_all are the point estimates). Raises InputError when draws 0..n_draws-1 are not each
    present exactly once. Returns (table with TABLE_COLUMNS, summary dict)."""
    found = np.sort(draws["draw"].to_numpy())
    if len(found) != n_draws or not np.array_equal(found, np.arange(n_draws)):
        missing = sorted(set(range(n_draws)) - set(found.tolist()))
        extra = len(found) - len(set(found.tolist()))
        raise InputError(source, f"expected draws 0..{n_draws - 1} once each; {len(missing)} "
                         f"missing (first: {missing[:5]}), {extra} duplicated, "
                         f"{int(np.sum(found >= n_draws))} beyond the range.",
                         "delete the bootstrap shard files and rerun the workflow, so that all "
                         "shards come from the same configuration.")
    ok = draws["status"] == "admissible"
    keys = [c for c in draws.columns if c not in ("draw", "status")
            and not c.startswith(("effect:", "std:effect:"))]  # effects: effects.add_bootstrap
    rows = []
    for key in keys:
        if "~" in key:
            lhs, rhs = key.split("~", 1)
            match = params[(params["lhs"] == lhs) & (params["op"] == "~") & (params["rhs"] == rhs)]
            ci_of = "std_all"
        else:
            match = params[(params["lhs"] == key) & (params["op"] == ":=")]
            ci_of = "est"
        if match.empty:
            raise InputError(source, f"the shards bootstrap '{key}', which the parameter table "
                             "does not have.", "rerun the workflow so that the SEM and the "
                             "bootstrap use the same model.")
        r = match.iloc[0]
        t = draws.loc[ok, key].to_numpy(dtype=float)
        perc, bc = percentile_ci(t, level), bc_ci(t, r[ci_of], level)
        rows.append(dict(lhs=r["lhs"], op=r["op"], rhs=r["rhs"], label=r["label"],
                         est=r["est"], std_all=r["std_all"], ci_of=ci_of,
                         boot_se=np.std(t, ddof=1) if len(t) > 1 else math.nan,
                         ci_lower_perc=perc[0], ci_upper_perc=perc[1],
                         ci_lower_bc=bc[0], ci_upper_bc=bc[1]))
    counts = draws["status"].value_counts()
    summary = {"draws": int(n_draws), "admissible": int(ok.sum()),
               "not_converged": int(counts.get("not_converged", 0)),
               "inadmissible": int(n_draws - ok.sum() - counts.get("not_converged", 0)),
               "inadmissible_by_reason": {s: int(counts.get(s, 0)) for s in STATUSES[2:]},
               "level": float(level), "seed": int(seed),
               "advised_draws": ADVISED_DRAWS, "min_draws": min_draws(level)}
    return pd.DataFrame(rows, columns=TABLE_COLUMNS), summary


def require_intervals(summary, source="analysis.bootstrap.draws", key="analysis.bootstrap.draws",
                      shipped=5000):
    """InputError when the admissible draws are too few for any percentile interval at the
    summary's level (min_draws): what is left would be the smallest and largest draws called
    a confidence interval. `key`: the config setting of the draws, `shipped` its value in the
    shipped config."""
    need = summary["min_draws"]
    if summary["admissible"] < need:
        raise InputError(source, f"only {summary['admissible']} of {summary['draws']} bootstrap "
                         f"draws are admissible, but a {100 * summary['level']:g}% percentile "
                         f"interval needs at least {need} (each {50 * (1 - summary['level']):g}% "
                         "tail must hold a draw), and its intervals would be the smallest and "
                         "largest draws.",
                         f"set {key} in config.yaml to {ADVISED_DRAWS} or more "
                         f"(the shipped config has {shipped}); if most draws are inadmissible, look at "
                         "the sem step's admissibility list first.")


def draw_warnings(summary, effects=None):
    """Sentences for the log: fewer admissible draws than ADVISED_DRAWS, and the effects (rows
    of the effects table with their bootstrap columns) whose BC interval was refused."""
    lines = []
    if summary["admissible"] < summary.get("advised_draws", ADVISED_DRAWS):
        lines.append(f"the intervals rest on {summary['admissible']} admissible draws (of "
                     f"{summary['draws']}), fewer than the {ADVISED_DRAWS} that Efron & Tibshirani "
                     "(1993) advise for confidence intervals: their endpoints carry noticeable "
                     "Monte Carlo error. Set analysis.bootstrap.draws to 1000 or more (5000 in "
                     "the shipped config).")
    refused = [] if effects is None else [f"{r.kind} {r.route}" for r in bc_refused(effects).itertuples()]
    if refused:
        lines.append(f"bias-corrected intervals refused for {len(refused)} effect(s) "
                     f"({', '.join(refused)}): the bias correction puts an endpoint beyond the "
                     "smallest or largest draw, where the draws cannot estimate it.")
    return lines


def gather(draws, params, effects, n_draws, level, seed, source="bootstrap shards", log=print):
    """The gather step: summarise_draws, stop when the admissible draws are too few for any
    interval (require_intervals), the effects table with its bootstrap intervals, and the
    warnings (draw_warnings) logged. Returns (interval table, effects table, summary)."""
    table, summary = summarise_draws(draws, params, n_draws, level, seed, source=source)
    log(f"bootstrap: {summary}")
    require_intervals(summary)
    effects = add_bootstrap(effects, draws, level)
    for line in draw_warnings(summary, effects):
        log(f"bootstrap WARNING: {line}")
    return table, effects, summary


def bootstrap(model_text, data, n_draws, seed, level=0.95, shards=1, log=None):
    """All in one process: prepare, run the shards one after another, gather.
    Returns (table, summary, draws)."""
    boot = prepare_bootstrap(fit_sem(model_text, data, log=log))
    draws = pd.concat([run_draws(boot, shard_range(n_draws, shards, k), seed, log)
                       for k in range(shards)], ignore_index=True)
    table, summary = summarise_draws(draws, boot.fit.params, n_draws, level, seed)
    return table, summary, draws
