"""Problems that make a fitted solution inadmissible or doubtful: non-convergence, a singular
information matrix, negative (Heywood) or zero variances, standardized loadings beyond 1,
latent or implied covariance matrices that are not positive definite, and a sample too small
for the model (sample_size_problems).

Each problem is a dict with kind, where, value, message (English, for the log) and severity:
"inadmissible" (the estimates cannot be trusted) or "warning" (they may be unstable)."""

import numpy as np

# Fewer cases per free parameter than this is warned of: Bentler & Chou (1987) put the least a
# sample may have at about five cases per free parameter for ML (normal theory), and only with
# many indicators and large loadings. (compare/criteria.py applies the same rule per group.)
MIN_CASES_PER_PARAMETER = 5
# A smaller sample is warned of: Kline (2016) reports about 200 cases as the typical sample of
# SEM studies; below it fit statistics and standard errors are less dependable.
TYPICAL_N = 200


def check_admissibility(params, latent_cov, implied_cov, converged=True, identified=True,
                        scale=1.0):
    """Problems that make a solution inadmissible or doubtful, as dicts with kind, where,
    value, message. params: the parameter table; latent_cov: model-implied covariance of the
    latent variables (DataFrame); implied_cov: model-implied covariance of the observed ones;
    scale: typical observed variance, to judge a variance as zero."""
    latent = set(latent_cov.index)
    problems = []

    def add(kind, where, value, message, severity="inadmissible"):
        problems.append(dict(kind=kind, where=where, value=value, message=message,
                             severity=severity))

    if not converged:
        add("not_converged", "model", None,
            "the estimation did not converge; the estimates cannot be trusted.")
    if not identified:
        add("not_identified", "model", None,
            "the information matrix is singular: the model is not identified, standard "
            "errors are not valid.")
    var_rows = params[(params["op"] == "~~") & (params["lhs"] == params["rhs"])]
    regressed = set(params.loc[params["op"] == "~", "lhs"])
    for r in var_rows.itertuples():
        where = f"{r.lhs} ~~ {r.rhs}"
        what = "latent variable" if r.lhs in latent else "residual of"
        if r.est < 0:
            add("negative_variance", where, float(r.est),
                f"the variance of {what} {r.lhs} is negative ({r.est:.4g}): a Heywood case.")
        elif r.est <= 1e-6 * scale:
            add("zero_variance", where, float(r.est),
                f"the variance of {what} {r.lhs} is (near) zero ({r.est:.3g}).")
        elif r.lhs in latent and r.lhs not in regressed and r.pvalue > 0.05:
            # An exogenous construct whose variance may be zero: its items share almost nothing.
            add("latent_variance_not_significant", where, float(r.est),
                f"the variance of latent variable {r.lhs} ({r.est:.3g}, p = {r.pvalue:.3f}) "
                "is not distinguishable from zero: its items hardly measure a common factor.",
                severity="warning")
    for r in params[params["op"] == "=~"].itertuples():
        if abs(r.std_all) > 1:
            add("std_loading_above_one", f"{r.lhs} =~ {r.rhs}", float(r.std_all),
                f"the standardized loading of {r.rhs} on {r.lhs} is {r.std_all:.3f}, "
                "beyond 1.")
    if len(latent):
        eig = np.linalg.eigvalsh(np.asarray(latent_cov, dtype=float))
        if eig.min() <= 1e-10 * max(1.0, abs(eig).max()):
            add("latent_cov_not_pd", "latent covariance", float(eig.min()),
                "the covariance matrix of the latent variables is not positive definite "
                f"(smallest eigenvalue {eig.min():.3g}); correlations may be at or beyond 1.")
    eig = np.linalg.eigvalsh(np.asarray(implied_cov, dtype=float))
    if eig.min() <= 0:
        add("implied_cov_not_pd", "implied covariance", float(eig.min()),
            "the model-implied covariance matrix is not positive definite.")
    return problems



def sample_size_problems(n, q):
    """The sample of `n` complete cases against the `q` free parameters of the model, as
    admissibility problems: fewer cases than parameters is inadmissible (the data cannot
    support that many estimates: the model cannot be trusted, converged or not); fewer than
    MIN_CASES_PER_PARAMETER per parameter, and fewer than TYPICAL_N cases, are warnings.
    Each dict also holds n and q."""
    problems = []

    def add(kind, value, message, severity="warning"):
        problems.append(dict(kind=kind, where="sample size", value=value, message=message,
                             severity=severity, n=int(n), q=int(q)))

    if n < q:
        add("n_below_parameters", n / q,
            f"N = {n} complete cases for {q} free parameters: fewer cases than parameters, so "
            "the data cannot support the estimates and the model cannot be trusted, whether or "
            "not the estimation converged. Collect more responses or estimate a smaller model.",
            severity="inadmissible")
    elif n < MIN_CASES_PER_PARAMETER * q:
        add("n_below_5_per_parameter", n / q,
            f"N = {n} complete cases for {q} free parameters ({n / q:.1f} per parameter): below "
            f"the {MIN_CASES_PER_PARAMETER} per parameter that Bentler & Chou (1987) give as the "
            "least for ML estimation; estimates and standard errors may be unstable.")
    if n < TYPICAL_N:
        add("n_below_200", n,
            f"N = {n} complete cases, below the {TYPICAL_N} that Kline (2016) reports as the "
            "typical sample of structural equation models; fit statistics and standard errors "
            "are less dependable in small samples.")
    return problems
