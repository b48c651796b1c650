"""Fit indices of an ML-fitted covariance structure, computed the way lavaan 0.6 does.

Everything here is a pure function of the sample covariance S (divided by N, as lavaan's
likelihood="normal" does), the model-implied covariance Sigma, N and the number of free
parameters. Formulas follow lavaan's lav_fit_* functions: fit_indices for one group without a
mean structure, multigroup_fit_indices for several groups with one.
"""

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats


def ml_discrepancy(S, Sigma):
    """F_ML = log|Sigma| + tr(S Sigma^-1) - log|S| - p; inf when Sigma is not positive definite."""
    p = S.shape[0]
    sign_m, logdet_m = np.linalg.slogdet(Sigma)
    sign_s, logdet_s = np.linalg.slogdet(S)
    if sign_m <= 0 or sign_s <= 0:
        return math.inf
    return float(logdet_m + np.trace(np.linalg.solve(Sigma, S)) - logdet_s - p)


def normal_loglik(S, Sigma, n):
    """Multivariate normal log-likelihood at the sample means (what lavaan reports as logl)."""
    p = S.shape[0]
    sign, logdet = np.linalg.slogdet(Sigma)
    if sign <= 0:
        return -math.inf
    trace = np.trace(np.linalg.solve(Sigma, S))
    return float(-n / 2 * (p * math.log(2 * math.pi) + logdet + trace))


def rmsea_ci(chisq, df, n, level=0.90):
    """lavaan's RMSEA confidence interval: invert the noncentral chi-square in its ncp."""
    if df < 1 or not np.isfinite(chisq):
        return 0.0, 0.0
    upper_p, lower_p = 1 - (1 - level) / 2, (1 - level) / 2

    def cdf(ncp):
        return stats.ncx2.cdf(chisq, df, ncp) if ncp > 0 else stats.chi2.cdf(chisq, df)

    lower = 0.0
    if cdf(0) - upper_p >= 0:
        lam = optimize.brentq(lambda lam: cdf(lam) - upper_p, 0, chisq, xtol=1e-12)
        lower = math.sqrt(lam / (n * df))
    upper = 0.0
    n_rmsea = max(n, 4 * chisq)  # lavaan's search bracket for the upper ncp
    if not (cdf(n_rmsea) - lower_p > 0 or cdf(0) - lower_p < 0):
        lam = optimize.brentq(lambda lam: cdf(lam) - lower_p, 0, n_rmsea, xtol=1e-12)
        upper = math.sqrt(lam / (n * df))
    return lower, upper


def srmr_bentler(S, Sigma, mean_residual=None):
    """lavaan's default `srmr` (continuous data): residuals of the covariances scaled by the
    sample standard deviations, root mean square over the lower triangle with the diagonal
    and, with a mean structure, the mean residuals (m - mu) scaled the same way."""
    sd = np.sqrt(np.diag(S))
    resid = (S - Sigma) / np.outer(sd, sd)
    low = resid[np.tril_indices_from(resid)]
    if mean_residual is not None:
        low = np.r_[low, mean_residual / sd]
    return float(np.sqrt(np.mean(low**2)))


def gfi(S, Sigma):
    """GFI with lavaan's normal-theory weight at the fitted Sigma:
    1 - tr[(V(S-Sigma))^2] / tr[(VS)^2], V = Sigma^-1."""
    V = np.linalg.inv(Sigma)
    a = V @ (S - Sigma)
    b = V @ S
    return float(1 - np.trace(a @ a) / np.trace(b @ b))


def fit_indices(S, Sigma, n, npar, fixed_x=()):
    """All fit indices as a dict with lavaan's fitMeasures names ('.' written as '_').

    S: sample covariance (divisor N), Sigma: model-implied covariance, n: N used in the fit,
    npar: number of free parameters (after equality constraints), fixed_x: positions of
    observed exogenous predictors whose (co)variances are fixed at their sample values (lavaan's
    fixed.x = TRUE; semopy does the same): their moments are not data, the baseline keeps
    them, and the log-likelihood is conditional on them.
    """
    p = S.shape[0]
    fx = list(fixed_x)
    q = len(fx)
    nel = p * (p + 1) // 2 - q * (q + 1) // 2
    df = nel - npar
    chisq = n * ml_discrepancy(S, Sigma)
    # Independence (baseline) model: diagonal Sigma = diag(S), p - q free variances, x block kept.
    base = np.diag(np.diag(S))
    base[np.ix_(fx, fx)] = S[np.ix_(fx, fx)]
    base_chisq = n * ml_discrepancy(S, base)
    base_df = nel - (p - q)

    logl_x = normal_loglik(S[np.ix_(fx, fx)], S[np.ix_(fx, fx)], n) if q else 0.0
    logl = normal_loglik(S, Sigma, n) - logl_x
    unrestricted = normal_loglik(S, S, n) - logl_x
    out = _indices(chisq, df, base_chisq, base_df, n, npar, logl, unrestricted,
                   srmr_bentler(S, Sigma))
    # lavaan's GFI with fixed x uses a weight we have not reproduced: leave it out then.
    g = gfi(S, Sigma) if not q else math.nan
    out["gfi"] = g
    out["agfi"] = 1 - (nel / df) * (1 - g) if df > 0 else 1.0
    return out


def multigroup_fit_indices(samples, implied, npar):
    """Fit indices of a multi-group model with a mean structure, as lavaan 0.6-14 computes
    them. samples: per group (S, mean, n); implied: per group (Sigma, mu); npar: free
    parameters after equality constraints. Differences from one group: chi-square sums
    n_g F_g with the mean term; the baseline has free means and variances in every group;
    RMSEA, its CI and its p-value carry lavaan's sqrt(G) factor; SRMR is the n_g/N weighted
    mean of each group's SRMR with the standardized mean residuals; logl includes the means.
    No GFI/AGFI."""
    G = len(samples)
    n = sum(ng for _, _, ng in samples)
    p = samples[0][0].shape[0]
    df = G * (p * (p + 3) // 2) - npar
    chisq = base_chisq = logl = unrestricted = srmr = 0.0
    for (S, m, ng), (Sigma, mu) in zip(samples, implied):
        d = m - mu
        chisq += ng * (ml_discrepancy(S, Sigma) + d @ np.linalg.solve(Sigma, d))
        base_chisq += ng * ml_discrepancy(S, np.diag(np.diag(S)))
        logl += normal_loglik(S + np.outer(d, d), Sigma, ng)
        unrestricted += normal_loglik(S, S, ng)
        srmr += ng / n * srmr_bentler(S, Sigma, d)
    base_df = G * (p * (p + 3) // 2) - G * 2 * p
    return _indices(chisq, df, base_chisq, base_df, n, npar, logl, unrestricted, srmr, G)


def _indices(chisq, df, base_chisq, base_df, n, npar, logl, unrestricted, srmr, groups=1):
    """The indices that follow from the chi-squares, the log-likelihoods and SRMR."""
    def chi_p(x, d):
        return float(stats.chi2.sf(x, d)) if d > 0 else math.nan

    # CFI is bounded to [0, 1] through max(., 0), as in lavaan; TLI/NNFI is not bounded.
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, base_chisq - base_df, 0.0)
    both_zero = math.isclose(t1, 0, abs_tol=1e-8) and math.isclose(t2, 0, abs_tol=1e-8)
    cfi = 1.0 if both_zero else 1 - t1 / t2
    tt1, tt2 = (chisq - df) * base_df, (base_chisq - base_df) * df
    tli = 1 - tt1 / tt2 if df > 0 and abs(tt2) > 0 else 1.0
    nfi = (base_chisq - chisq) / base_chisq if df > 0 else 1.0
    if df > base_df:  # lavaan: NFI and RFI undefined when the model has more df than the baseline
        nfi = rfi = math.nan
    elif df > 0 and base_df > 0:
        r1, r2 = base_chisq / base_df - chisq / df, base_chisq / base_df
        rfi = 1.0 if (r1 < 0 or r2 < 0) else r1 / r2
    else:
        rfi = 1.0
    i2 = base_chisq - df
    ifi = 1.0 if i2 < 0 else (base_chisq - chisq) / i2

    # lavaan 0.6-14 multiplies RMSEA and its CI by sqrt(G) (and divides the ncp of its
    # p-value by G): each group's RMSEA, not the pooled one.
    root_g = math.sqrt(groups)
    rmsea = math.sqrt(max(chisq / n / df - 1 / n, 0.0)) * root_g if df > 0 else 0.0
    ci_lower, ci_upper = (root_g * v for v in rmsea_ci(chisq, df, n))
    rmsea_p = float(stats.ncx2.sf(chisq, df, n * df * 0.05**2 / groups)) if df > 0 else math.nan
    return {
        "npar": npar,
        "ntotal": n,
        "chisq": chisq,
        "df": df,
        "pvalue": chi_p(chisq, df),
        "chisq_df": chisq / df if df > 0 else math.nan,
        "baseline_chisq": base_chisq,
        "baseline_df": base_df,
        "baseline_pvalue": chi_p(base_chisq, base_df),
        "cfi": cfi,
        "tli": tli,
        "nnfi": tli,
        "nfi": nfi,
        "rfi": rfi,
        "ifi": ifi,
        "rmsea": rmsea,
        "rmsea_ci_lower": ci_lower,
        "rmsea_ci_upper": ci_upper,
        "rmsea_pvalue": rmsea_p,
        "srmr": srmr,
        "logl": logl,
        "unrestricted_logl": unrestricted,
        "aic": -2 * logl + 2 * npar,
        "bic": -2 * logl + npar * math.log(n),
        "bic2": -2 * logl + npar * math.log((n + 2) / 24),
    }


# Cut-offs each index is judged against. "strict": Hu & Bentler (1999), who give combination
# rules for CFI/TLI, RMSEA and SRMR only. "lenient": the convention common in Chinese theses
# and papers (e.g. Wu Minglong 2010, 《结构方程模型——AMOS的操作与应用》): chi2/df < 3, GFI, AGFI,
# NFI, IFI, CFI, TLI >= .90, RMSEA < .08, SRMR < .08. (op, value); None: no cut-off there.
FIT_THRESHOLDS = {
    "chisq_df": (None, ("<", 3.0)),
    "cfi": ((">=", 0.95), (">=", 0.90)),
    "tli": ((">=", 0.95), (">=", 0.90)),
    "rmsea": (("<=", 0.06), ("<", 0.08)),
    "srmr": (("<=", 0.08), ("<", 0.08)),
    "gfi": (None, (">=", 0.90)),
    "agfi": (None, (">=", 0.90)),
    "nfi": (None, (">=", 0.90)),
    "ifi": (None, (">=", 0.90)),
}
FIT_TABLE_INDICES = ["chisq", "df", "pvalue", "chisq_df", "cfi", "tli", "rmsea",
                     "rmsea_ci_lower", "rmsea_ci_upper", "rmsea_pvalue", "srmr", "gfi", "agfi",
                     "nfi", "ifi", "aic", "bic"]
THRESHOLD_SOURCES = {"strict": "Hu & Bentler (1999)",
                     "lenient": "convention common in Chinese papers (e.g. Wu 2010)"}


def _judge(value, rule):
    if rule is None or value is None or not math.isfinite(value):
        return "", ""
    op, cut = rule
    met = {"<": value < cut, "<=": value <= cut, ">=": value >= cut}[op]
    text = {"<": "<", "<=": "≤", ">=": "≥"}[op]
    return f"{text} {cut:.2f}", "met" if met else "not met"


# What a robust estimator reports in place of ML's figures, as lavaan's summary(fit.measures =
# TRUE) leads with them: MLR's Yuan-Bentler scaled chi-square and the robust CFI, TLI and RMSEA
# (Brosseau-Liard & Savalei 2014), not the naively scaled ones.
REPORTED_FIGURES = {
    "MLR": {"chisq": "chisq_scaled", "pvalue": "pvalue_scaled", "cfi": "cfi_robust",
            "tli": "tli_robust", "rmsea": "rmsea_robust", "rmsea_ci_lower": "rmsea_ci_lower_robust",
            "rmsea_ci_upper": "rmsea_ci_upper_robust", "rmsea_pvalue": "rmsea_pvalue_robust"},
}


def reported_fit(fit):
    """`fit` (fit_indices() or a robust estimator's dict) with the figures a chapter reports
    under its estimator put under ML's names; chisq_df then divides the scaled chi-square. ML's
    figures stay as they are."""
    names = REPORTED_FIGURES.get(fit.get("estimator", "ML"), {})
    reported = {**fit, **{ours: fit[theirs] for ours, theirs in names.items() if theirs in fit}}
    if names and reported.get("df"):
        reported["chisq_df"] = reported["chisq"] / reported["df"]
    return reported


def fit_table(fit):
    """One row per fit index: index, value, threshold_strict, verdict_strict,
    threshold_lenient, verdict_lenient ("met", "not met", or "" where that convention sets no
    cut-off), source_strict, source_lenient. `fit` is a dict from fit_indices() or a robust
    estimator's (then the scaled and robust figures, reported_fit())."""
    fit = reported_fit(fit)
    rows = []
    for name in FIT_TABLE_INDICES:
        value = fit.get(name)
        value = float(value) if value is not None else math.nan
        strict, lenient = FIT_THRESHOLDS.get(name, (None, None))
        ts, vs = _judge(value, strict)
        tl, vl = _judge(value, lenient)
        rows.append({"index": name, "value": value, "threshold_strict": ts, "verdict_strict": vs,
                     "threshold_lenient": tl, "verdict_lenient": vl,
                     "source_strict": THRESHOLD_SOURCES["strict"] if ts else "",
                     "source_lenient": THRESHOLD_SOURCES["lenient"] if tl else ""})
    return pd.DataFrame(rows)
