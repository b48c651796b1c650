"""Problems that make a fitted solution inadmissible or doubtful: non-convergence, a singular
information matrix, negative (Heywood) or zero variances, standardized loadings beyond 1, and
latent or implied covariance matrices that are not positive definite."""

import numpy as np


def check_admissibility(params, latent_cov, implied_cov, converged=True, identified=True,
                        scale=1.0):
    """Problems that make a solution inadmissible or doubtful, as dicts with kind, where,
    value, message. params: the parameter table; latent_cov: model-implied covariance of the
    latent variables (DataFrame); implied_cov: model-implied covariance of the observed ones;
    scale: typical observed variance, to judge a variance as zero."""
    latent = set(latent_cov.index)
    problems = []

    def add(kind, where, value, message):
        problems.append(dict(kind=kind, where=where, value=value, message=message))

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
                "is not distinguishable from zero: its items hardly measure a common factor.")
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

