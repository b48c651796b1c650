"""MLR: the ML estimates with what lavaan 0.6-14 reports for `sem(model, data, estimator =
"MLR")` on complete data (no mean structure, as lavaan then has none either):

- Huber-White sandwich standard errors. lavaan's MLR defaults: the bread is the observed
  information (the Hessian of the ML discrepancy at the estimates, `information = "observed"`,
  `observed.information = "hessian"`, h1 structured); the meat is the first-order information
  (the cross-product of the casewise scores at the model-implied Sigma, centred at the sample
  means; `information.meat = "first.order"`, `h1.information.meat = "structured"`).
- The Yuan-Bentler scaled chi-square, Mplus variant (`test = "yuan.bentler.mplus"`): scaling
  factor c = tr(U Gamma) / df with tr(U Gamma) = tr(Gamma A1) - tr(B0 A0^-1), A1 the
  unstructured (saturated) normal-theory information at S, Gamma the sample covariance of the
  squared deviations, A0 and B0 the bread and the meat above. The baseline (independence) model
  gets its own factor the same way.
- The scaled indices (from the scaled chi-squares) and the robust ones (Brosseau-Liard,
  Savalei & Li 2012; Brosseau-Liard & Savalei 2014: CFI/TLI/RMSEA from the ML chi-square with c
  in place of 1), with lavaan's names ('.' written '_').

Units: our F = log|Sigma| + tr(S Sigma^-1) is twice lavaan's fmin, and F is the mean of the
casewise f_i = log|Sigma| + y_i' Sigma^-1 y_i. With H the Hessian of F and g_i the gradient of
f_i, lavaan's bread is H/2 and its meat sum_i g_i g_i' / 4N, so the sandwich is
H^-1 (sum_i g_i g_i') H^-1 / N^2 and tr(B0 A0^-1) = tr(H^-1 sum_i g_i g_i') / 2N.
"""

import math
import time
from dataclasses import replace

import numpy as np
from scipy import stats

from govsurvey.errors import InputError
from govsurvey.sem.fit import parameter_table
from govsurvey.sem.indices import rmsea_ci
from govsurvey.sem.ml import MLFitter


def hessian(fitter, x, S, h=1e-5):
    """Hessian of F_ML at x: central differences (4 points, error O(h^4)) of the analytic
    gradient, as lavaan does for its observed information."""
    S2 = fitter.fold(S)

    def grad(y):
        cache = fitter.evaluate(y, S2)[1]
        if cache is None:  # Sigma not positive definite this close to the estimate
            raise FloatingPointError("Sigma not positive definite next to the estimates")
        return fitter.gradient(cache, S)

    n = len(x)
    H = np.empty((n, n))
    for k in range(n):
        step = h * max(1.0, abs(x[k]))
        cols = []
        for t in (-2, -1, 1, 2):
            y = np.array(x, dtype=float)
            y[k] += t * step
            cols.append(grad(y))
        H[:, k] = (cols[0] - 8 * cols[1] + 8 * cols[2] - cols[3]) / (12 * step)
    return (H + H.T) / 2


def casewise_gradients(fitter, x, S, centred):
    """N x q: the gradient of each case's f_i = log|Sigma| + y_i' Sigma^-1 y_i (y_i the case
    centred at the sample means), tr((V - u_i u_i') dSigma/dx_k), u_i = V y_i; their mean is
    the gradient of F (zero at the estimates)."""
    cache = fitter.evaluate(x, fitter.fold(S))[1]
    V, Q = fitter._v(cache), fitter._q(cache)
    A = Q.T @ V @ Q
    W = (centred @ V) @ Q
    u, v = fitter.u_col, fitter.v_col
    G = fitter.w2 * (A[v, u] - W[:, v] * W[:, u])
    return fitter._sum_locations(G, axis=1)


def _centred_products(centred, fixed_x=()):
    """Per case, y_i y_i' (fixed x: minus the same product of the values the x predict), each
    centred at its mean: the deviations whose covariance is lavaan's Gamma (N divisor)."""
    products = np.einsum("ia,ib->iab", centred, centred)
    fx = list(fixed_x)
    if fx:
        # lavaan's Gamma with fixed.x: the y's replaced by their regression on the x's
        n, p = centred.shape
        X = np.column_stack([np.ones(n), centred[:, fx]])
        yhat = centred.copy()
        rest = [k for k in range(p) if k not in fx]
        coef, *_ = np.linalg.lstsq(X, centred[:, rest], rcond=None)
        yhat[:, rest] = X @ coef
        yhat -= yhat.mean(axis=0)
        products = products - np.einsum("ia,ib->iab", yhat, yhat)
    return products - products.mean(axis=0)


def trace_h1(S, centred, fixed_x=()):
    """tr(Gamma A1): A1 = D'(S^-1 x S^-1)D / 2 the saturated model's normal-theory information,
    Gamma the covariance of vech(y_i y_i'). Each case adds tr((S^-1 M_i)^2) / 2, M_i its
    centred product. Without fixed x it is (Mardia's b2,p - p) / 2."""
    Sinv = np.linalg.inv(S)
    T = np.einsum("ab,ibc->iac", Sinv, _centred_products(centred, fixed_x))
    return 0.5 * float(np.einsum("iab,iba->", T, T)) / len(centred)


def sandwich(H, G, n):
    """Robust covariance of the estimates, H^-1 (G'G) H^-1 / N^2, and tr(B0 A0^-1)."""
    Hinv = np.linalg.inv(H)
    meat = G.T @ G
    return Hinv @ meat @ Hinv / n**2, float(np.sum(Hinv * meat)) / (2 * n)


def _check_identified(H, layout, source, ml_flagged=False):
    """InputError naming the parameters that the data cannot tell apart, when the observed
    information (H) is singular or the ML fit found its expected information singular."""
    eig, vec = np.linalg.eigh(H)
    if eig[0] > 1e-10 * max(1.0, abs(eig[-1])) and not ml_flagged:
        return
    names = [layout.free_names[k] for k in np.flatnonzero(np.abs(vec[:, 0]) >= 0.1)]
    rows = [f"{r['lhs']} {r['op']} {r['rhs']}" for r in layout.rows
            if r["free"] is not None and layout.free_names[r["free"]] in names]
    raise InputError(source, "the model is not identified under MLR: its information matrix "
                     f"is singular (smallest eigenvalue of the observed one {eig[0]:.3g}), so "
                     "the sandwich standard errors are undefined; involved: "
                     f"{', '.join(rows) or 'unknown'}.",
                     "fix a loading or a variance of each latent variable (the first loading is "
                     "1 by default), give each factor at least two (better three) indicators, "
                     "and remove parameters that duplicate one another.")


def mlr_statistics(fit, source="model", data_source=None):
    """What lavaan's MLR adds to the ML fit `fit` (a SemFit from fit_sem): dict with `vcov`
    (sandwich), `fit` (the robust and scaled indices, lavaan's names with '_'), `trace_ugamma`.
    InputError when the model is not identified or the sample has no more cases than free
    parameters (the meat of the sandwich is then singular)."""
    layout, x, S, n = fit.layout, fit.x, fit.S, fit.n
    q = len(x)
    if n <= q:
        raise InputError(data_source or source, "MLR needs more complete cases than free "
                         f"parameters: N = {n} for {q} free parameters, so the casewise scores "
                         "cannot estimate the meat of the sandwich (it is singular).",
                         "collect more responses, estimate a smaller model, or use ML.")
    fitter = MLFitter(layout)
    fitter.set_sample(S)
    centred = fit.data - fit.data.mean(axis=0)
    try:
        H = hessian(fitter, x, S)
    except FloatingPointError:
        raise InputError(source, "the model-implied covariance matrix is not positive definite "
                         "next to the estimates, so the observed information of MLR cannot be "
                         "computed.", "check the admissibility of the ML solution.") from None
    _check_identified(H, layout, source,
                      any(p["kind"] == "not_identified" for p in fit.admissibility))
    G = casewise_gradients(fitter, x, S, centred)
    vcov, tr_h0 = sandwich(H, G, n)
    fx = layout.fixed_x()
    tr_h1 = trace_h1(S, centred, fx)
    base_tr_h0 = _baseline_trace_h0(S, centred, fx)
    out = robust_indices(fit.fit, tr_h1 - tr_h0, tr_h1 - base_tr_h0)
    p, nx = S.shape[0], len(fx)
    ndat = p * (p + 1) // 2 - nx * (nx + 1) // 2
    # lavaan divides by its parameters before equality constraints (each labelled row); it
    # stops before these for a saturated model
    saturated = fit.fit["df"] <= 0
    out["scaling_factor_h1"] = math.nan if saturated else tr_h1 / ndat
    out["scaling_factor_h0"] = math.nan if saturated else tr_h0 / int(np.sum(layout.row_free >= 0))
    return {"vcov": vcov, "fit": out, "trace_ugamma": tr_h1 - tr_h0}


def _baseline_trace_h0(S, centred, fixed_x=()):
    """tr(B0 A0^-1) of the independence model (free variances of the non-fixed-x variables):
    its Hessian is diag(1 / s_jj^2) and each case's gradient 1/s_jj - y_ij^2 / s_jj^2, so the
    trace is sum_j (m4_j / s_jj^2 - 1) / 2 (m4 the fourth central moment)."""
    keep = [j for j in range(S.shape[0]) if j not in set(fixed_x)]
    s = np.diag(S)[keep]
    m4 = np.mean(centred[:, keep] ** 4, axis=0)
    return 0.5 * float(np.sum(m4 / s**2 - 1))


def _chi_p(x, df):
    return float(stats.chi2.sf(x, df)) if df > 0 else math.nan


def _cfi(x2, df, b2, bdf, c=1.0, cb=1.0):
    t1 = max(x2 - c * df, 0.0)
    t2 = max(x2 - c * df, b2 - cb * bdf, 0.0)
    if math.isclose(t1, 0, abs_tol=1.5e-8) and math.isclose(t2, 0, abs_tol=1.5e-8):
        return 1.0
    return 1 - t1 / t2


def _tli(x2, df, b2, bdf, c=1.0, cb=1.0):
    t1, t2 = (x2 - c * df) * bdf, (b2 - cb * bdf) * df
    return 1 - t1 / t2 if df > 0 and abs(t2) > 0 else 1.0


def _rni(x2, df, b2, bdf, c=1.0, cb=1.0):
    t1, t2 = x2 - c * df, b2 - cb * bdf  # unbounded, unlike CFI
    return math.nan if math.isclose(t2, 0, abs_tol=1.5e-8) else 1 - t1 / t2


def _rmsea(x2, df, n, c=1.0):
    return math.sqrt(max(x2 / n / df - c / n, 0.0)) if df > 0 else 0.0


def _rmsea_p(x2, df, n, c, h0, close=True):
    if not (df > 0 and math.isfinite(c)):
        return math.nan
    cdf = stats.ncx2.cdf(x2, df, n * df / c * h0**2)
    return float(1 - cdf if close else cdf)


def robust_indices(ml, trace_model, trace_baseline):
    """The scaled and robust fit indices of lavaan 0.6-14 (lav_fit_cfi_lavobject,
    lav_fit_rmsea_lavobject for a Yuan-Bentler test) from the ML indices `ml` (fit_indices)
    and tr(U Gamma) of the model and of the baseline. A saturated model (df = 0) has no
    scaling factor: its scaled chi-square is the ML one and the robust CFI/TLI are NaN, as
    lavaan's NA."""
    x2, df, n = ml["chisq"], ml["df"], ml["ntotal"]
    b2, bdf = ml["baseline_chisq"], ml["baseline_df"]
    c = trace_model / df if df > 0 else math.nan
    if not c > 0:
        c = math.nan
    cb = trace_baseline / bdf
    x2s, b2s = (x2 / c if df > 0 else x2), b2 / cb
    have_c = math.isfinite(c) and math.isfinite(cb)
    out = {
        "chisq_scaled": x2s, "df_scaled": df, "pvalue_scaled": _chi_p(x2s, df),
        "chisq_scaling_factor": c,
        "baseline_chisq_scaled": b2s, "baseline_df_scaled": bdf,
        "baseline_pvalue_scaled": _chi_p(b2s, bdf), "baseline_chisq_scaling_factor": cb,
        "cfi_scaled": _cfi(x2s, df, b2s, bdf), "tli_scaled": _tli(x2s, df, b2s, bdf),
        "cfi_robust": _cfi(x2, df, b2, bdf, c, cb) if have_c else math.nan,
        "tli_robust": _tli(x2, df, b2, bdf, c, cb) if have_c else math.nan,
        "rni": _rni(x2, df, b2, bdf), "rni_scaled": _rni(x2s, df, b2s, bdf),
        "rni_robust": _rni(x2, df, b2, bdf, c, cb) if have_c else math.nan,
        "nfi_scaled": (b2s - x2s) / b2s if df > 0 else 1.0,
    }
    out["nnfi_scaled"], out["nnfi_robust"] = out["tli_scaled"], out["tli_robust"]
    if df > 0 and bdf > 0:
        r1, r2 = b2s / bdf - x2s / df, b2s / bdf
        out["rfi_scaled"] = 1.0 if (r1 < 0 or r2 < 0) else r1 / r2
    else:
        out["rfi_scaled"] = 1.0
    out["ifi_scaled"] = 1.0 if b2s - df < 0 else (b2s - x2s) / (b2s - df)
    # "scaled" RMSEA (lavaan 0.6-14): the ML chi-square on df = tr(U Gamma); none at df = 0
    df2 = c * df
    if math.isfinite(df2):
        out["rmsea_scaled"] = _rmsea(x2, df2, n)
        out["rmsea_ci_lower_scaled"], out["rmsea_ci_upper_scaled"] = rmsea_ci(x2, df2, n)
    else:
        out["rmsea_scaled"] = out["rmsea_ci_lower_scaled"] = out["rmsea_ci_upper_scaled"] = \
            math.nan
    out["rmsea_pvalue_scaled"] = _rmsea_p(x2, df2, n, 1.0, 0.05)
    out["rmsea_notclose_pvalue_scaled"] = _rmsea_p(x2, df2, n, 1.0, 0.08, close=False)
    # robust RMSEA: the ML chi-square against c df; its CI from the scaled chi-square
    if df > 0:
        out["rmsea_robust"] = _rmsea(x2, df, n, c)
        lo, hi = rmsea_ci(x2s, df, n)
        out["rmsea_ci_lower_robust"] = math.sqrt(c) * lo
        out["rmsea_ci_upper_robust"] = math.sqrt(c) * hi
    else:  # lavaan: 0 for a saturated model
        out["rmsea_robust"] = out["rmsea_ci_lower_robust"] = out["rmsea_ci_upper_robust"] = 0.0
    out["rmsea_pvalue_robust"] = _rmsea_p(x2s, df, n, c, 0.05)
    out["rmsea_notclose_pvalue_robust"] = _rmsea_p(x2s, df, n, c, 0.08, close=False)
    out["rmsea_notclose_pvalue"] = _rmsea_p(x2, df, n, 1.0, 0.08, close=False)
    return out


def apply_mlr(fit, log=None, source="model", data_source=None):
    """The SemFit `fit` (ML, from fit_sem) as lavaan's MLR reports it: params with sandwich
    SEs, z, p and CIs (std_all and := rows by the delta method from the sandwich), vcov the
    sandwich, fit with the scaled and robust indices added and fit["estimator"] = "MLR"."""
    started = time.perf_counter()
    stats_ = mlr_statistics(fit, source, data_source)
    params = parameter_table(fit.parsed, fit.layout, fit.x, stats_["vcov"])
    measures = dict(fit.fit, **stats_["fit"], estimator="MLR")
    out = replace(fit, params=params, fit=measures, vcov=stats_["vcov"],
                  seconds=fit.seconds + time.perf_counter() - started)
    if log:
        log(f"SEM MLR: Yuan-Bentler scaling factor {measures['chisq_scaling_factor']:.4f}, "
            f"scaled chisq={measures['chisq_scaled']:.3f} df={measures['df']}")
    return out
