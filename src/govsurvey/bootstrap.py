"""Nonparametric bootstrap of the `:=` parameters (indirect effects) and the standardized
structural paths, with percentile and bias-corrected (BC) confidence intervals.

The full sample is fitted once by `sem.fit_sem` (so its estimates are the plain fit's). Each
draw then resamples respondents, forms the resample's covariance matrix S* (divided by N, as
lavaan) and minimises F_ML(S*) in plain numpy from the full-sample estimate: BFGS whose first
inverse Hessian is the inverse expected information there (so its first step is a Fisher
scoring step), with analytic gradients. No semopy, pandas or model construction happens
inside the loop.

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
from scipy.linalg import lapack

from .errors import InputError
from .sem import _Definitions, _Structure, fit_sem, threadpool_limits

STATUSES = ("admissible", "not_converged", "negative_variance", "latent_cov_not_pd",
            "theta_not_pd")
TABLE_COLUMNS = ["lhs", "op", "rhs", "label", "est", "std_all", "ci_of", "boot_se",
                 "ci_lower_perc", "ci_upper_perc", "ci_lower_bc", "ci_upper_bc"]
_EPS_PD = np.finfo(float).eps ** 0.75  # lavaan's post-check threshold on eigenvalues


class _MLFitter:
    """F_ML = log|Sigma| + tr(S Sigma^-1) (without its constant) and its minimisation for one
    model layout (semopy's LISREL-like matrices Lambda, B, Psi, Theta), built once from a
    fitted semopy model.

    Every derivative dSigma/dx_k is a sum of terms w (u v' + v u') with u, v columns of
    Q = [I, M, L Phi] (M = L (I-B)^-1, Phi = (I-B)^-1 Psi (I-B)^-T), so the gradient
    tr(R dSigma_k) comes from the small matrix Q' R Q, and the expected information
    tr(V dSigma_i V dSigma_j) from Q' V Q."""

    def __init__(self, model, struct):
        kinds = {"lambda": model.mx_lambda, "beta": model.mx_beta,
                 "psi": model.mx_psi, "theta": model.mx_theta}
        self.base = {k: np.array(m, dtype=float) for k, m in kinds.items()}
        self.p, self.m = self.base["lambda"].shape
        p, m = self.p, self.m
        assign = {k: ([], [], []) for k in kinds}
        u_col, v_col, weight, param = [], [], [], []
        active = [prm for prm in model.parameters.values() if prm.active]
        for k, prm in enumerate(active):
            for loc in prm.locations:
                kind = next(key for key, mx in kinds.items() if loc.matrix is mx)
                i, j = loc.indices
                rows, cols, pars = assign[kind]
                rows.append(i), cols.append(j), pars.append(k)
                if kind in ("psi", "theta") and i != j:  # symmetric: both triangles
                    rows.append(j), cols.append(i), pars.append(k)
                u, v = {"lambda": (i, p + m + j), "beta": (p + i, p + m + j),
                        "psi": (p + i, p + j), "theta": (i, j)}[kind]
                u_col.append(u), v_col.append(v), param.append(k)
                weight.append(0.5 if kind in ("psi", "theta") and i == j else 1.0)
        self.assign = {k: (np.array(r, int), np.array(c, int), np.array(q, int))
                       for k, (r, c, q) in assign.items() if r}
        self.u_col, self.v_col = np.array(u_col, int), np.array(v_col, int)
        self.w2 = 2 * np.array(weight)
        # locations are grouped by parameter: sums over a parameter's locations by reduceat
        self.starts = np.flatnonzero(np.diff(np.r_[-1, param]))
        self.n_free = len(active)
        self.eye_m = np.eye(m)
        self.Q = np.zeros((p, p + 2 * m))
        self.Q[:, :p] = np.eye(p)
        # Observed exogenous predictors (fixed.x): their Psi block is the sample's, per draw.
        fx = struct.fixed_x()
        self.fixed_x_obs = np.array(fx, int)
        self.fixed_x_inner = np.array([struct.inner.index(struct.obs[k]) for k in fx], int)
        self.latent_pos = np.array([k for k, v in enumerate(struct.inner)
                                    if v in struct.latent], int)

    def set_sample(self, S):
        """Use sample covariance S: refresh the fixed.x block of Psi from it."""
        if len(self.fixed_x_obs):
            ix = np.ix_(self.fixed_x_inner, self.fixed_x_inner)
            self.base["psi"][ix] = S[np.ix_(self.fixed_x_obs, self.fixed_x_obs)]

    def matrices(self, x):
        out = {}
        for kind, mat in self.base.items():
            if kind in self.assign:
                mat = mat.copy()
                r, c, q = self.assign[kind]
                mat[r, c] = x[q]
            out[kind] = mat
        return out

    def evaluate(self, x, S2):
        """F_ML(x) and what its derivatives need; F = inf when Sigma is not positive definite.
        S2 is the sample covariance with its off-diagonal doubled (see `fold`)."""
        mx = self.matrices(x)
        _, _, C, bad_c = lapack.dgesv(self.eye_m - mx["beta"], self.eye_m)
        M = mx["lambda"] @ C
        sigma = M @ mx["psi"] @ M.T + mx["theta"]
        chol, bad = lapack.dpotrf(sigma, lower=1, clean=1)
        if bad or bad_c:
            return math.inf, None
        inv, _ = lapack.dpotri(chol, lower=1)   # Sigma^-1, lower triangle (upper is 0)
        f = 2 * np.log(np.diagonal(chol)).sum() + np.vdot(inv, S2)
        return f, (mx, C, M, inv)

    def fold(self, S):
        """S with its off-diagonal doubled: tr(V S) = <lower(V), fold(S)>."""
        S2 = 2 * S
        S2.flat[::self.p + 1] = np.diagonal(S)
        return S2

    @staticmethod
    def _v(cache):
        V = cache[3] + cache[3].T
        V.flat[::len(V) + 1] /= 2
        return V

    def _q(self, cache):
        mx, C, M, _ = cache
        Q = self.Q.copy()
        Q[:, self.p:self.p + self.m] = M
        Q[:, self.p + self.m:] = M @ mx["psi"] @ C.T   # L Phi
        return Q

    def _sum_locations(self, a, axis=0):
        return a if self.starts.size == a.shape[axis] else np.add.reduceat(a, self.starts, axis)

    def gradient(self, cache, S):
        V = self._v(cache)
        Q = self._q(cache)
        R = V - V @ S @ V                            # dF = tr(R dSigma)
        G = Q.T @ (R @ Q)
        return self._sum_locations(self.w2 * G[self.v_col, self.u_col])

    def information(self, cache):
        """Expected information of F: tr(V dSigma_i V dSigma_j). It depends on x only."""
        Q = self._q(cache)
        H = Q.T @ self._v(cache) @ Q
        u, v = self.u_col, self.v_col
        T = np.outer(self.w2, self.w2) / 2 * (H[np.ix_(u, u)] * H[np.ix_(v, v)]
                                                + H[np.ix_(u, v)] * H[np.ix_(v, u)])
        return self._sum_locations(self._sum_locations(T, 0), 1)

    def fit(self, S, x0, h0, tol, max_iter=200):
        """Minimise F_ML(S) from x0 by BFGS whose first inverse Hessian is h0: the inverse
        expected information at x0. That makes the first step a Fisher scoring step, and the
        updates add what S changes, at the cost of gradients only. Step halving keeps Sigma
        positive definite and F decreasing. Converged: the decrement g' H g fell below tol
        (F within about tol/2 of its minimum). Returns (x, converged, cache at x)."""
        S2 = self.fold(S)
        x = np.array(x0, dtype=float)
        f, cache = self.evaluate(x, S2)
        if cache is None:
            return x, False, None
        g, H = self.gradient(cache, S), h0
        for _ in range(max_iter):
            step = -H @ g
            decrement = -g @ step
            if decrement <= 0:  # lost positive definiteness: restart from scoring
                H = h0
                step = -H @ g
                decrement = -g @ step
            if decrement < tol:
                return x, True, cache
            t = 1.0
            while t > 1e-10:
                f_new, cache_new = self.evaluate(x + t * step, S2)
                if f_new <= f:
                    break
                t /= 2
            else:
                return x, False, cache
            g_new = self.gradient(cache_new, S)
            s, y = t * step, g_new - g
            sy = s @ y
            if sy > 1e-14:  # BFGS update of the inverse Hessian
                Hy = H @ y
                H = H + ((sy + y @ Hy) / sy ** 2) * np.outer(s, s) \
                    - (np.outer(Hy, s) + np.outer(s, Hy)) / sy
            x, f, g, cache = x + s, f_new, g_new, cache_new
        return x, False, cache

    def problem(self, cache):
        """lavaan's post-check: the first reason the solution is inadmissible, or None."""
        mx, C = cache[:2]
        if np.any(np.diagonal(mx["theta"]) < 0) or np.any(np.diagonal(mx["psi"]) < 0):
            return "negative_variance"
        if len(self.latent_pos):
            phi = C @ mx["psi"] @ C.T
            lat = phi[np.ix_(self.latent_pos, self.latent_pos)]
            # smallest eigenvalue above -eps iff lat + eps I has a Cholesky factor
            if lapack.dpotrf(lat + _EPS_PD * np.eye(len(lat)), lower=1)[1]:
                return "latent_cov_not_pd"
        theta = mx["theta"]
        if lapack.dpotrf(theta + _EPS_PD * np.eye(len(theta)), lower=1)[1]:
            return "theta_not_pd"
        return None


@dataclass
class Bootstrap:
    """A plain fit and what every draw needs. `keys` name the bootstrapped statistics: a `:=`
    parameter's name (its estimate) or 'lhs~rhs' for a standardized path between latents."""
    fit: object          # SemFit of the full sample
    data: np.ndarray     # complete cases, columns in semopy's observed order
    x0: np.ndarray       # full-sample estimate: every draw's starting point
    keys: list
    fitter: _MLFitter
    struct: _Structure
    defs: object
    h0: np.ndarray       # inverse expected information at x0: the first BFGS inverse Hessian
    tol: float           # convergence: Newton decrement; 2e-10/N puts x within ~1e-5 SE

    def statistics(self, x, cache):
        """Values of the bootstrapped statistics at parameter vector x."""
        est = self.struct.estimates(x)
        out = list(self.defs.from_labels(est[self.defs.label_rows])) if self.defs else []
        if len(self._path_rows):
            mx, C = cache[:2]
            phi_diag = np.einsum("ij,jk,ik->i", C, mx["psi"], C)
            sd = np.sqrt(np.where(phi_diag > 0, phi_diag, np.nan))
            rows = self._path_rows
            out += list(est[rows] * sd[self._path_rhs] / sd[self._path_lhs])
        return np.array(out, dtype=float)

    def __post_init__(self):
        s = self.struct
        rows = [k for k, r in enumerate(s.rows) if f"{r['lhs']}~{r['rhs']}" in self.keys
                and r["op"] == "~"]
        self._path_rows = np.array(rows, int)
        self._path_lhs = np.array([s.inner.index(s.rows[k]["lhs"]) for k in rows], int)
        self._path_rhs = np.array([s.inner.index(s.rows[k]["rhs"]) for k in rows], int)


def prepare_bootstrap(model_text, data, log=None, source="model"):
    """Fit the full sample with fit_sem and set up the draws. Raises InputError when the model
    has neither `:=` parameters nor regressions between latent variables."""
    fit = fit_sem(model_text, data, log=log, source=source)
    model = fit.model
    struct = _Structure(model, fit.parsed)
    defs = _Definitions(fit.parsed, struct) if fit.parsed.definitions else None
    keys = list(defs.names) if defs else []
    keys += [f"{r['lhs']}~{r['rhs']}" for r in struct.rows if r["op"] == "~"
             and r["lhs"] in struct.latent and r["rhs"] in struct.latent]
    if not keys:
        raise InputError(source, "the model has no := parameters and no regressions between "
                         "latent variables, so there is nothing to bootstrap.",
                         "define indirect effects, e.g. `ind := a*b`, or switch the "
                         "bootstrap off with `analysis: bootstrap: draws: 0` in the config.")
    x0 = np.array(model.param_vals, dtype=float)
    fitter = _MLFitter(model, struct)
    S = np.array(model.mx_cov, dtype=float)
    fitter.set_sample(S)
    _, cache = fitter.evaluate(x0, fitter.fold(S))
    h0 = np.linalg.pinv(fitter.information(cache), hermitian=True)
    return Bootstrap(fit=fit, data=np.array(model.mx_data, dtype=float), x0=x0, keys=keys,
                     fitter=fitter, struct=struct, defs=defs, h0=h0, tol=2e-10 / fit.n)


def shard_range(n_draws, n_shards, shard):
    """The draws of shard `shard` (0-based) when n_draws are split into n_shards."""
    if not 0 <= shard < n_shards:
        raise ValueError(f"shard {shard} is not in 0..{n_shards - 1}")
    return range(shard * n_draws // n_shards, (shard + 1) * n_draws // n_shards)


def shard_draws(model_text, data, n_draws, n_shards, shard, seed, log=None, source="model"):
    """The work of one shard job: fit the full sample, then the shard's draws (run_draws).
    n_draws = 0 switches the bootstrap off: no fit, a frame without rows."""
    if n_draws == 0:
        return pd.DataFrame({"draw": pd.Series(dtype="int64"), "status": pd.Series(dtype=str),
                             "seconds": pd.Series(dtype=float)})
    boot = prepare_bootstrap(model_text, data, log=log, source=source)
    return run_draws(boot, shard_range(n_draws, n_shards, shard), seed, log=log)


def fit_resample(boot, rows):
    """Fit the resample of data rows `rows`. Returns (status, statistics; NaN unless converged)."""
    sample = boot.data[rows]
    centred = sample - sample.mean(axis=0)
    S = centred.T @ centred / len(rows)
    boot.fitter.set_sample(S)
    x, converged, cache = boot.fitter.fit(S, boot.x0, boot.h0, boot.tol)
    if not converged:
        return "not_converged", np.full(len(boot.keys), np.nan)
    return boot.fitter.problem(cache) or "admissible", boot.statistics(x, cache)


def run_draws(boot, draws, seed, log=None):
    """Bootstrap draws `draws` (e.g. a shard_range): draw i resamples N rows with replacement
    by np.random.default_rng([seed, i]). Returns a DataFrame, one row per draw: draw, status
    (one of STATUSES), seconds, and one column per key (NaN when not converged)."""
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
    frame = pd.DataFrame({"draw": np.asarray(draws, dtype=np.int64), "status": status,
                          "seconds": seconds})
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


def percentile_ci(t, level):
    return norm_inter(t, [(1 - level) / 2, (1 + level) / 2])


def bc_ci(t, t0, level):
    """Bias-corrected percentile interval (lavaan's "bca.simple": acceleration 0)."""
    t = np.asarray(t, dtype=float)
    t = t[np.isfinite(t)]
    if len(t) < 2 or np.var(t) == 0:
        return np.array([math.nan, math.nan])
    z0 = stats.norm.ppf(np.mean(t < t0))
    with np.errstate(invalid="ignore"):
        alpha = stats.norm.cdf(2 * z0 + stats.norm.ppf([(1 - level) / 2, (1 + level) / 2]))
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
    keys = [c for c in draws.columns if c not in ("draw", "status", "seconds")]
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
               "seconds": float(draws["seconds"].sum()),
               "ms_per_draw": float(1000 * draws["seconds"].mean()) if n_draws else math.nan}
    return pd.DataFrame(rows, columns=TABLE_COLUMNS), summary


def bootstrap(model_text, data, n_draws, seed, level=0.95, shards=1, log=None):
    """All in one process: prepare, run the shards one after another, gather.
    Returns (table, summary, draws)."""
    boot = prepare_bootstrap(model_text, data, log=log)
    draws = pd.concat([run_draws(boot, shard_range(n_draws, shards, k), seed, log)
                       for k in range(shards)], ignore_index=True)
    table, summary = summarise_draws(draws, boot.fit.params, n_draws, level, seed)
    return table, summary, draws
