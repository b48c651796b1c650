"""WLSMV for ordinal items, as lavaan 0.6-14's `sem(model, data, ordered = items, estimator =
"WLSMV")` with its defaults: parameterization "delta", DWLS with the diagonal of NACOV as
weight, robust ("robust.sem") standard errors and the mean-and-variance adjusted ("scaled and
shifted") chi-square, and DIFFTEST for nested models (lavTestLRT's default for it,
Satorra 2000 with the scaled-shifted correction).

The model is the correlation structure of the latent responses y*: thresholds are free
parameters (at the optimum they equal the sample thresholds, the threshold part being
saturated), the correlations are the off-diagonal of Lambda Phi Lambda' + Theta, and the
residual variances of the items are not free but 1 - diag(Lambda Phi Lambda'), so that every
y* has variance 1. Free parameters: the thresholds, then the Layout's free parameters without
the items' residual variances.

F_DWLS = sum_r (s_r - sigma_r)^2 / Gamma_rr over the sample statistics s (thresholds and
polychorics, ordinal.py); T = (N - 1) F, as lavaan. Gauss-Newton minimises F with analytic derivatives from the
same columns of Q = [I, M, L Phi] the ML fitter uses (ml.py).
"""

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from govsurvey.errors import InputError
from govsurvey.sem.admissibility import check_admissibility, sample_size_problems
from govsurvey.sem.fit import (PARAM_COLUMNS, SemFit, _r_squared, load_model, moment_frames,
                               parameter_table)
from govsurvey.sem.indices import rmsea_ci
from govsurvey.sem.ml import MLFitter, threadpool_limits
from govsurvey.sem.ordinal import ordinal_statistics, pair_order
from govsurvey.study.model import as_parsed

MAX_POINTS = 7   # items with at most this many answer codes count as ordinal by default


@dataclass
class WlsmvFit(SemFit):
    """A SemFit from WLSMV. Besides SemFit's fields (x and vcov in the Layout's coordinates,
    the residual variances of the items derived from the others): `ordinal` the sample
    statistics (thresholds, polychorics, NACOV), `theta` the estimator's own free vector
    (thresholds, then the Layout's free parameters without the items' residual variances),
    `theta_vcov` its covariance, `delta` d sigma / d theta, `weights` the diagonal DWLS
    weight, `ordered` the items treated as ordinal."""
    estimator: str = "WLSMV"
    ordinal: object = field(default=None, repr=False)
    theta: np.ndarray = field(default=None, repr=False)
    theta_vcov: np.ndarray = field(default=None, repr=False)
    delta: np.ndarray = field(default=None, repr=False)
    weights: np.ndarray = field(default=None, repr=False)
    ordered: list = field(default_factory=list)


def default_ordered(frame, max_points=MAX_POINTS):
    """The columns of `frame` that count as ordinal: integer codes with at most `max_points`
    distinct answers (five- or seven-point agreement items)."""
    out = []
    for c in frame.columns:
        v = pd.to_numeric(frame[c], errors="coerce").dropna()
        if len(v) and np.all(v == np.round(v)) and v.nunique() <= max_points:
            out.append(c)
    return out


class CorrelationStructure:
    """The implied thresholds and correlations of a Layout under the delta parameterization,
    and their Jacobian. theta = [thresholds (nth), kept Layout parameters]."""

    def __init__(self, layout, nth):
        self.layout = layout
        self.ml = MLFitter(layout)
        p = len(layout.obs)
        self.p, self.nth = p, nth
        diag_theta = {k for kind, i, j, k in layout.locations if kind == "theta" and i == j}
        self.resid = np.array(sorted(diag_theta), dtype=int)     # items' residual variances
        self.keep = np.array([k for k in range(layout.n_free) if k not in diag_theta], dtype=int)
        self.resid_item = np.array([next(i for kind, i, j, k in layout.locations
                                         if kind == "theta" and i == j and k == kk)
                                    for kk in self.resid], dtype=int)
        self.pairs = pair_order(p)
        self.n_theta = nth + len(self.keep)

    def layout_x(self, theta):
        """The Layout's free vector: kept parameters from theta, residual variances of the
        items 1 - their common variance; and d x / d theta (n_free, n_theta)."""
        xr = theta[self.nth:]
        x = np.zeros(self.layout.n_free)
        x[self.keep] = xr
        D, sigma0 = self._derivatives(x, diagonal=True)
        x[self.resid] = 1 - sigma0[self.resid_item, self.resid_item]
        G = np.zeros((self.layout.n_free, self.n_theta))
        G[self.keep, self.nth + np.arange(len(self.keep))] = 1.0
        G[np.ix_(self.resid, self.nth + np.arange(len(self.keep)))] = -D[self.resid_item][:, self.keep]
        return x, G

    def _derivatives(self, x, diagonal=False):
        """Implied Sigma at x and d Sigma_ab / d x for the pairs (or the diagonal)."""
        ml = self.ml
        mx = ml.matrices(x)
        C = np.linalg.inv(np.eye(ml.m) - mx["beta"])
        M = mx["lambda"] @ C
        Q = ml.Q.copy()
        Q[:, ml.p:ml.p + ml.m] = M
        Q[:, ml.p + ml.m:] = M @ mx["psi"] @ C.T
        sigma = M @ mx["psi"] @ M.T + mx["theta"]
        if diagonal:
            a = b = np.arange(self.p)
        else:
            a, b = self.pairs[:, 0], self.pairs[:, 1]
        u, v = ml.u_col, ml.v_col
        d = (ml.w2 / 2) * (Q[a][:, u] * Q[b][:, v] + Q[a][:, v] * Q[b][:, u])
        return ml._sum_locations(d, 1), sigma

    def implied(self, theta):
        """sigma(theta): the thresholds, then the implied correlations in pair order; and the
        Jacobian d sigma / d theta."""
        x = np.zeros(self.layout.n_free)
        x[self.keep] = theta[self.nth:]
        D, sigma = self._derivatives(x)
        s = np.concatenate([theta[:self.nth], sigma[self.pairs[:, 0], self.pairs[:, 1]]])
        J = np.zeros((len(s), self.n_theta))
        J[:self.nth, :self.nth] = np.eye(self.nth)
        J[self.nth:, self.nth:] = D[:, self.keep]
        return s, J


def start_values(layout, R):
    """Starting values of the Layout's free parameters from the polychoric matrix R (in the
    layout's observed order): for a factor measured by observed items, the first principal
    component of their correlations gives standardized loadings l (sign: the marker's
    positive); the factor's variance is l_marker^2 (over its fixed loading squared), the other
    loadings l / sd(factor). Everything else starts at 0, residual variances of items at
    1 - l^2, of factors at their variance."""
    x = np.zeros(layout.n_free)
    obs = {v: k for k, v in enumerate(layout.obs)}
    var = {}
    sums = np.zeros(layout.n_free)
    counts = np.zeros(layout.n_free)

    def put(row, value):
        if row["free"] is not None:
            sums[row["free"]] += value
            counts[row["free"]] += 1

    loadings = {}
    for r in layout.rows:
        if r["op"] == "=~":
            loadings.setdefault(r["lhs"], []).append(r)
    for f, rows in loadings.items():
        items = [r for r in rows if r["rhs"] in obs]
        marker = next((r for r in rows if r["free"] is None and r["fixed"]), None)
        if len(items) < 2 or marker is None or marker["rhs"] not in obs:
            for r in rows:
                put(r, 1.0)
            var[f] = 0.5
            continue
        idx = [obs[r["rhs"]] for r in items]
        w, v = np.linalg.eigh(R[np.ix_(idx, idx)])
        lam = v[:, -1] * np.sqrt(max(w[-1], 1e-3))
        m = [r["rhs"] for r in items].index(marker["rhs"])
        lam = lam * (np.sign(lam[m]) or 1.0)
        lam = np.clip(lam, -0.95, 0.95)
        sd = abs(lam[m]) / abs(float(marker["fixed"]))
        var[f] = max(sd * sd, 0.05)
        for r, l in zip(items, lam):
            put(r, l / np.sqrt(var[f]))
    for r in layout.rows:
        if r["op"] == "~~" and r["lhs"] == r["rhs"]:
            put(r, var.get(r["lhs"], 0.5))
    x = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return x


def _gauss_newton(structure, s, w, theta, max_iter=500, tol=1e-10):
    """Minimise F = sum w (s - sigma)^2 by Gauss-Newton with step halving. Converged: the
    largest gradient |2 J' W e| below tol (or below 1e-6 once no step decreases F)."""
    sig, J = structure.implied(theta)
    e = s - sig
    f = float(w @ (e * e))
    converged = False
    for it in range(max_iter):
        g = -2 * J.T @ (w * e)
        if np.max(np.abs(g)) < tol:
            converged = True
            break
        H = J.T @ (w[:, None] * J)
        try:
            step = np.linalg.solve(H, -g / 2)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, -g / 2, rcond=None)[0]
        t = 1.0
        while t > 1e-10:
            cand = theta + t * step
            sig_c, J_c = structure.implied(cand)
            e_c = s - sig_c
            f_c = float(w @ (e_c * e_c))
            if f_c <= f + 1e-15:
                break
            t /= 2
        else:
            break
        theta, sig, J, e, f = cand, sig_c, J_c, e_c, f_c
        if np.max(np.abs(t * step)) < 1e-13:
            break
    g = -2 * J.T @ (w * e)
    converged = converged or np.max(np.abs(g)) < 1e-6
    return theta, f, J, converged, it


def _scaled_shifted(T, df, U_gamma):
    """lavaan's scaled-and-shifted statistic from U Gamma: a = sqrt(df / tr(UG^2)),
    shift = df - a tr(UG), T a + shift; scaling factor 1 / a."""
    tr1 = float(np.trace(U_gamma))
    tr2 = float(np.sum(U_gamma * U_gamma.T))
    a = math.sqrt(df / tr2)
    shift = df - a * tr1
    return T * a + shift, 1 / a, shift, tr1, tr2


def _u_gamma(J, w, gamma):
    """U Gamma, U = W - W J (J'WJ)^-1 J'W with W = diag(w)."""
    WJ = w[:, None] * J
    E_inv = np.linalg.inv(J.T @ WJ)
    U = np.diag(w) - WJ @ E_inv @ WJ.T
    return U @ gamma


def _cfi(X2, df, X2n, dfn):
    t1 = max(X2 - df, 0.0)
    t2 = max(X2 - df, X2n - dfn, 0.0)
    if math.isclose(t1, 0, abs_tol=1.5e-8) and math.isclose(t2, 0, abs_tol=1.5e-8):
        return 1.0
    return 1 - t1 / t2


def _tli(X2, df, X2n, dfn):
    t1, t2 = (X2 - df) * dfn, (X2n - dfn) * df
    return 1 - t1 / t2 if df > 0 and abs(t2) > 0 else 1.0


def _rmsea(X2, df, n):
    return math.sqrt(max(X2 / n / df - 1 / n, 0.0)) if df > 0 else 0.0


def catml_robust(R, sigma, pairs, n, df, J, w, gamma, nth):
    """lavaan 0.6-14's robust CFI/TLI/RMSEA for categorical data (lav_fit_catml_dwls, after
    Savalei 2021): the normal-theory ML discrepancy of the polychoric matrix R at the DWLS
    solution (lavaan's catML "fit" without optimising), XX3 = N F_ML, and its scaling
    c = tr(WiU' V WiU Gamma) / df, V the normal-theory weight of the correlations at the
    implied Sigma, WiU = I - J E^-1 J' W on the correlations; for the baseline (Sigma = I)
    XX3_null = -N log|R| and c_null = tr(Gamma) / (its df). None when R is not positive
    definite (lavaan: NA)."""
    if np.linalg.eigvalsh(R)[0] < np.sqrt(np.finfo(float).eps):
        return None
    p = len(R)
    _, logdet_s = np.linalg.slogdet(R)
    _, logdet_m = np.linalg.slogdet(sigma)
    Vs = np.linalg.inv(sigma)
    XX3 = n * (logdet_m + np.trace(Vs @ R) - logdet_s - p)
    a, b = pairs[:, 0], pairs[:, 1]
    V = Vs[np.ix_(a, a)] * Vs[np.ix_(b, b)] + Vs[np.ix_(a, b)] * Vs[np.ix_(b, a)]
    Jc = J[nth:]
    WJ = w[:, None] * J
    E_inv = np.linalg.inv(J.T @ WJ)
    WiU = np.eye(len(a)) - Jc @ E_inv @ WJ[nth:].T
    gc = gamma[nth:, nth:]
    ks = float(np.sum((WiU.T @ V @ WiU) * gc.T))
    c = ks / df
    return dict(XX3=XX3, c=c, XX3_scaled=XX3 / c, XX3_null=-n * logdet_s,
                c_null=float(np.trace(gc)) / len(a))


def _robust_indices(rob, df, base_df, nr):
    """cfi/tli/rmsea .robust from catml_robust() (lav_fit_cfi/tli/rmsea with c.hat)."""
    nan = math.nan
    keys = ["cfi_robust", "tli_robust", "rmsea_robust", "rmsea_ci_lower_robust",
            "rmsea_ci_upper_robust", "rmsea_pvalue_robust"]
    if rob is None or df <= 0:
        return dict.fromkeys(keys, nan)
    X, c, Xb, cb = rob["XX3"], rob["c"], rob["XX3_null"], rob["c_null"]
    t1 = max(X - c * df, 0.0)
    t2 = max(X - c * df, Xb - cb * base_df, 0.0)
    cfi = 1.0 if math.isclose(t1, 0, abs_tol=1.5e-8) and math.isclose(t2, 0, abs_tol=1.5e-8) \
        else 1 - t1 / t2
    u1, u2 = (X - c * df) * base_df, (Xb - cb * base_df) * df
    tli = 1 - u1 / u2 if abs(u2) > 0 else 1.0
    rmsea = math.sqrt(max(X / nr / df - c / nr, 0.0))
    lo, hi = rmsea_ci(rob["XX3_scaled"], df, nr / c)
    pval = float(stats.ncx2.sf(rob["XX3_scaled"], df, nr * df / c * 0.05 ** 2))
    return dict(zip(keys, [cfi, tli, rmsea, lo, hi, pval]))


def wlsmv_fit_indices(T, df, n, npar, fmin, U_gamma, base_T, base_df, base_U_gamma, srmr,
                      robust=None):
    """The chi-squares and fit indices lavaan 0.6-14 reports for WLSMV (fitMeasures names,
    '.' written '_'); `robust`: catml_robust()'s result, for the .robust indices."""
    Ts, c, shift, tr1, tr2 = _scaled_shifted(T, df, U_gamma) if df > 0 else \
        (T, math.nan, math.nan, math.nan, math.nan)
    Tb_s, cb, shift_b, _, _ = _scaled_shifted(base_T, base_df, base_U_gamma)

    def p(x, d):
        return float(stats.chi2.sf(x, d)) if d > 0 else math.nan

    nr = n - 1   # lavaan's RMSEA takes N - 1 for estimators other than ML (lav_utils_get_ntotal)
    lo, hi = rmsea_ci(T, df, nr)
    lo_s, hi_s = rmsea_ci(Ts, df, nr)
    out = {
        "npar": npar, "fmin": fmin, "ntotal": n,
        "chisq": T, "df": df, "pvalue": p(T, df),
        "chisq_scaled": Ts, "df_scaled": df, "pvalue_scaled": p(Ts, df),
        "chisq_scaling_factor": c, "chisq_shift_parameter": shift,
        "trace_UGamma": tr1, "trace_UGamma2": tr2,
        "baseline_chisq": base_T, "baseline_df": base_df, "baseline_pvalue": p(base_T, base_df),
        "baseline_chisq_scaled": Tb_s, "baseline_df_scaled": base_df,
        "baseline_pvalue_scaled": p(Tb_s, base_df), "baseline_chisq_scaling_factor": cb,
        "baseline_chisq_shift_parameter": shift_b,
        "cfi": _cfi(T, df, base_T, base_df), "tli": _tli(T, df, base_T, base_df),
        "cfi_scaled": _cfi(Ts, df, Tb_s, base_df), "tli_scaled": _tli(Ts, df, Tb_s, base_df),
        "rmsea": _rmsea(T, df, nr), "rmsea_ci_lower": lo, "rmsea_ci_upper": hi,
        "rmsea_pvalue": float(stats.ncx2.sf(T, df, nr * df * 0.05 ** 2)) if df > 0 else math.nan,
        "rmsea_scaled": _rmsea(Ts, df, nr), "rmsea_ci_lower_scaled": lo_s,
        "rmsea_ci_upper_scaled": hi_s,
        "rmsea_pvalue_scaled": float(stats.ncx2.sf(Ts, df, nr * df * 0.05 ** 2))
        if df > 0 else math.nan,
        "srmr": srmr,
        # no likelihood under DWLS: lavaan reports none of these
        "logl": math.nan, "unrestricted_logl": math.nan, "aic": math.nan, "bic": math.nan,
    }
    out.update(_robust_indices(robust, df, base_df, nr))
    out = {k: float(v) if isinstance(v, (float, np.floating)) else v for k, v in out.items()}
    out["nnfi"] = out["tli"]
    out["chisq_df"] = T / df if df > 0 else math.nan
    return out


def fit_wlsmv(model, data, ordered=None, log=None, source="model", data_source=None):
    """Fit a lavaan-syntax model (text or ParsedModel) to the ordinal items of `data` by
    WLSMV, as lavaan 0.6-14's `sem(model, data, ordered = ordered, estimator = "WLSMV")`.

    `ordered`: the observed variables to treat as ordinal (default: default_ordered(), items
    with integer codes and at most 7 distinct answers). Every observed variable of the model
    must be ordinal here (mixed ordinal and continuous indicators are not supported).
    Incomplete rows are left out listwise, as lavaan's default. Returns a WlsmvFit (a SemFit).
    """
    with threadpool_limits(1):
        return _fit_wlsmv(model, data, ordered, log or logging.getLogger(__name__).info, source,
                          data_source)


def _fit_wlsmv(model, data, ordered, log, source, data_source):
    started = time.perf_counter()
    data_source = data_source or source
    parsed = as_parsed(model, source)
    latent = {st.lhs for st in parsed.statements if st.op == "=~"}
    named = [v for st in parsed.statements for v in (st.lhs, st.rhs)]
    _check_pairs(data, [v for v in dict.fromkeys(named) if v not in latent and v in data.columns],
                 data_source)
    parsed, _, layout, frame = load_model(parsed, data, log, source, data_source)
    obs = list(layout.obs)
    if ordered is None:
        ordered = default_ordered(frame)
    not_ordinal = [v for v in obs if v not in set(ordered)]
    if not_ordinal:
        raise InputError(source, f"WLSMV here needs every observed variable of the model "
                         f"ordinal; {', '.join(not_ordinal)} are not (not integer-coded with at "
                         f"most {MAX_POINTS} answers, or not listed in `ordered`).",
                         "fit this model by ML or MLR, or declare those items ordinal.")
    if layout.fixed_x():
        raise InputError(source, "WLSMV here does not take observed exogenous predictors "
                         "(lavaan would condition on them).",
                         "fit this model by ML or MLR.")
    ords = ordinal_statistics(frame[obs], data_source)
    n = ords.n
    s = ords.sample
    gamma = ords.nacov
    w = 1 / np.diag(gamma)
    structure = CorrelationStructure(layout, ords.n_thresholds)
    # Start: each factor's standardized loadings from the first principal component of its
    # items' polychorics (signed by the marker), regressions and covariances 0.
    x0 = start_values(layout, ords.cor)
    theta0 = np.concatenate([np.concatenate(ords.thresholds), x0[structure.keep]])
    theta, fx, J, converged, iterations = _gauss_newton(structure, s, w, theta0)
    T = (n - 1) * fx      # lavaan: fmin = (N-1)/N F/2 for the WLS family, T = 2 N fmin
    nstat = len(s)
    npar = structure.n_theta
    df = nstat - npar
    # robust (sandwich) covariance: E^-1 J'W Gamma W J E^-1 / N, E = J'WJ
    WJ = w[:, None] * J
    E = J.T @ WJ
    identified = np.linalg.cond(E) < 1e12
    E_inv = np.linalg.inv(E) if identified else np.linalg.pinv(E)
    # lavaan divides by N - 1 (ntotal - ngroups) for estimators other than ML
    theta_vcov = E_inv @ (WJ.T @ gamma @ WJ) @ E_inv / (n - 1)
    U_gamma = _u_gamma(J, w, gamma) if df > 0 else None
    # baseline: thresholds free, correlations 0; U = W on the correlations, 0 on thresholds
    nth = ords.n_thresholds
    r = s[nth:]
    base_T = (n - 1) * float(w[nth:] @ (r * r))
    base_df = len(r)
    gc = gamma[nth:, nth:]
    base_U_gamma = w[nth:, None] * gc
    x, G = structure.layout_x(theta)
    sigma, phi = layout.implied(x)
    resid = ords.cor - sigma
    low = np.tril_indices(len(obs))
    srmr = float(np.sqrt(np.mean(resid[low] ** 2)))
    robust = catml_robust(ords.cor, sigma, structure.pairs, n, df, J, w, gamma, nth) \
        if df > 0 else None
    fit = wlsmv_fit_indices(T, df, n, npar, T / (2 * n), U_gamma, base_T, base_df, base_U_gamma,
                            srmr, robust)
    fit["estimator"] = "WLSMV"  # compare_nested picks the DIFFTEST by it
    # the Layout view: x with derived residual variances, their covariance by the chain rule
    vcov = G[:, nth:] @ theta_vcov[nth:, nth:] @ G[:, nth:].T
    table = _table(parsed, layout, structure, ords, x, vcov, theta, theta_vcov)
    r2 = _r_squared(layout, x, table[table["op"] != "|"])
    sample_cov, implied_cov, latent_cov = moment_frames(layout, table, ords.cor, sigma, phi)
    problems = check_admissibility(table[table["op"].isin(["=~", "~", "~~", ":="])], latent_cov,
                                   implied_cov, converged, identified, 1.0)
    # cases per model parameter (thresholds left out: each rests on its item's margins alone)
    problems += sample_size_problems(n, len(structure.keep)) + ords.flags
    out = WlsmvFit(parsed=parsed, layout=layout, x=x, params=table, fit=fit, r2=r2,
                   admissibility=problems, n=n, converged=converged,
                   data=frame.to_numpy(dtype=float), S=ords.cor, vcov=vcov,
                   sample_cov=sample_cov, implied_cov=implied_cov, latent_cov=latent_cov,
                   ordinal=ords, theta=theta, theta_vcov=theta_vcov, delta=J, weights=w,
                   ordered=obs)
    out.seconds = time.perf_counter() - started
    state = "converged" if converged else "NOT converged"
    log(f"SEM (WLSMV): N={n}, {npar} free parameters ({nth} thresholds), "
        f"chisq={T:.3f} scaled={fit['chisq_scaled']:.3f} df={df}, {state} after "
        f"{iterations} Gauss-Newton steps in {out.seconds:.2f} s")
    for p in problems:
        log(f"SEM {'warning' if p['severity'] == 'warning' else 'admissibility'}: {p['message']}")
    return out


# Fewer complete answers to a pair of items than this many per cell of their table leave the
# polychoric correlation resting on mostly empty cells.
MIN_PAIR_CASES_PER_CELL = 1


def _check_pairs(data, obs, source):
    """Stop, naming the items, when a pair of items has fewer complete answers than cells in
    its contingency table."""
    frame = data[obs].apply(pd.to_numeric, errors="coerce")
    present = frame.notna().to_numpy()
    counts = present.T.astype(int) @ present.astype(int)
    k = frame.nunique().to_numpy()
    few = [(obs[i], obs[j], int(counts[i, j])) for i in range(len(obs))
           for j in range(i + 1, len(obs))
           if counts[i, j] < MIN_PAIR_CASES_PER_CELL * k[i] * k[j]]
    if few:
        listed = "; ".join(f"{a} and {b} ({c} rows)" for a, b, c in few[:10])
        raise InputError(source, f"too few rows answer both items of {len(few)} pair(s) for a "
                         f"polychoric correlation: {listed}.",
                         "collect more responses, or leave out items that few people answered.")


def _table(parsed, layout, structure, ords, x, vcov, theta, theta_vcov):
    """lavaan's parameterEstimates + standardizedSolution rows for WLSMV: the model rows, the
    thresholds `|`, the scale factors `~*~` (1) and the intercepts `~1` (0), the := rows."""
    base = parameter_table(parsed, layout, x, vcov)
    resid_rows = (base["op"] == "~~") & (base["lhs"] == base["rhs"]) & base["lhs"].isin(layout.obs)
    # the items' residual variances are not free: lavaan gives them SE 0
    base.loc[resid_rows, ["se"]] = 0.0
    base.loc[resid_rows, ["z", "pvalue"]] = np.nan
    base.loc[resid_rows, "ci_lower"] = base.loc[resid_rows, "est"]
    base.loc[resid_rows, "ci_upper"] = base.loc[resid_rows, "est"]
    nth = ords.n_thresholds
    se_th = np.sqrt(np.diag(theta_vcov)[:nth])
    names = ords.threshold_names()
    # thresholds in the model's order of the items (lavaan's ov order)
    pos = {v: k for k, v in enumerate(ords.names)}
    starts = np.cumsum([0] + [len(t) for t in ords.thresholds])
    th_rows = []
    for v in layout.obs_ordered:
        i = pos[v]
        for k in range(starts[i], starts[i + 1]):
            th_rows.append(dict(lhs=v, op="|", rhs=names[k][1], label="", est=theta[k],
                                se=se_th[k], std_all=theta[k], std_all_se=se_th[k]))
    th = pd.DataFrame(th_rows)
    th["z"] = th["est"] / th["se"]
    th["pvalue"] = 2 * stats.norm.sf(np.abs(th["z"]))
    z = stats.norm.ppf(0.975)
    th["ci_lower"] = th["est"] - z * th["se"]
    th["ci_upper"] = th["est"] + z * th["se"]
    lat = [v for v in dict.fromkeys(list(base["lhs"]) + list(base["rhs"])) if v in layout.latent]
    fixed = [dict(lhs=v, op="~*~", rhs=v, est=1.0, std_all=1.0) for v in layout.obs_ordered] + \
        [dict(lhs=v, op="~1", rhs="", est=0.0, std_all=0.0) for v in layout.obs_ordered + lat]
    fixed = pd.DataFrame(fixed).assign(label="", se=0.0, z=np.nan, pvalue=np.nan,
                                       std_all_se=0.0)
    fixed["ci_lower"] = fixed["ci_upper"] = fixed["est"]
    user = {(st.lhs, st.op, st.rhs) for st in parsed.statements}
    is_user = np.array([(a, b, c) in user for a, b, c in zip(base["lhs"], base["op"], base["rhs"])])
    defs = base["op"] == ":="
    parts = [base[is_user & ~defs], th, base[~is_user & ~defs], fixed, base[defs]]
    return pd.concat(parts, ignore_index=True)[PARAM_COLUMNS]


def difftest(fit0, fit1):
    """lavaan's lavTestLRT(fit1, fit0) for WLSMV fits of nested models on the same data (its
    default: method "satorra.2000", scaled.shifted = TRUE, A from the Jacobians, H1 reference).
    Either order; the model with more df is the restricted one. Returns a dict with
    chisq_diff (the adjusted difference), df_diff, pvalue, a, b, trace_ugamma, trace_ugamma2
    and the unadjusted difference of the chi-squares."""
    if fit0.fit["df"] < fit1.fit["df"]:
        fit0, fit1 = fit1, fit0
    if fit0.ordinal.n != fit1.ordinal.n or not np.allclose(fit0.ordinal.sample,
                                                           fit1.ordinal.sample):
        raise InputError("difftest", "the two models were fitted to different data (their "
                         "thresholds and polychoric correlations differ).",
                         "fit both nested models to the same items and rows.")
    T0, T1 = fit0.fit["chisq"], fit1.fit["chisq"]
    m = fit0.fit["df"] - fit1.fit["df"]
    if m == 0:
        return dict(chisq_diff=T0 - T1, df_diff=0, pvalue=math.nan, a=math.nan, b=math.nan,
                    trace_ugamma=math.nan, trace_ugamma2=math.nan, chisq_diff_raw=T0 - T1)
    D1, D0 = fit1.delta, fit0.delta
    w = fit1.weights
    gamma = fit1.ordinal.nacov
    H = np.linalg.pinv(D1) @ D0
    # rows of A: a basis of the orthogonal complement of H's columns (lav_test_diff_A)
    q, rr = np.linalg.qr(H, mode="complete")
    rank = np.linalg.matrix_rank(H)
    A = q[:, rank:].T
    P = D1.T @ (w[:, None] * D1)
    P_inv = np.linalg.inv(P)
    APA = A @ P_inv @ A.T
    small = (np.abs(APA.sum(0)) < np.sqrt(np.finfo(float).eps)) & \
            (np.abs(APA.sum(1)) < np.sqrt(np.finfo(float).eps))
    A = A[~small]
    PAAPAAP = P_inv @ A.T @ np.linalg.pinv(A @ P_inv @ A.T) @ A @ P_inv
    WD = w[:, None] * D1
    U = WD @ PAAPAAP @ WD.T
    UG = U @ gamma
    tr1 = float(np.trace(UG))
    tr2 = float(np.sum(UG * UG.T))
    a = math.sqrt(m / tr2)
    b = m - a * tr1
    T = (T0 - T1) * a + b
    return dict(chisq_diff=T, df_diff=m, pvalue=float(stats.chi2.sf(T, m)), a=a, b=b,
                trace_ugamma=tr1, trace_ugamma2=tr2, chisq_diff_raw=T0 - T1)
