"""Full-information maximum likelihood (lavaan's `missing = "ml"`), also with robust SEs and
the Yuan-Bentler (Mplus) scaled test (`estimator = "MLR", missing = "ml"`), on our own ML
engine. Computed as lavaan 0.6-14 does:

- every record keeps the answers it has; records with every analysed item missing are left
  out (and counted); a saturated mean structure (free intercepts, latent means 0);
- records are grouped by their pattern of answered items; the casewise normal
  log-likelihood is summed per pattern from the pattern's sums and cross-products;
- the H1 (saturated) model is estimated by EM from lavaan's start (available-case means and
  variances) with lavaan's stopping rule (largest change < 1e-5), so chi-square, the fit
  indices and the robust corrections use the same H1 moments lavaan does;
- estimates: Fisher-like scoring (the complete-data information at the current Sigma as the
  step metric) on the casewise likelihood, from the complete-data ML fit to the EM moments;
- SEs from the observed information (lavaan's default under missing = "ml"): the Hessian of
  -logl/N, here analytic in the moments (Delta' A Delta) plus the second-derivative term by
  differences of Delta' gamma (cheap: no pass over the data);
- MLR: Huber-White sandwich from casewise scores; Yuan-Bentler (Mplus) scaling factor
  (trace of A1^-1 B1 at the H1 moments minus that of E^-1 B0 at the model); the robust
  CFI/TLI/RMSEA lavaan prints under missing = "ml" are its FIML-corrected ones (lavaan's
  lav_fit_fiml_corrected: V3 with MLR, V6 with ML).

Coordinates: the moments phi = (mu, vech Sigma) (lower triangle, off-diagonal elements once);
Delta = d phi / d x. Traces of the robust corrections do not depend on this choice.
"""

import logging
import math
import time

import numpy as np
import pandas as pd
from scipy import stats

from govsurvey.errors import InputError
from govsurvey.sem.admissibility import check_admissibility, sample_size_problems
from govsurvey.sem.fit import (PARAM_COLUMNS, SemFit, _jacobian, _r_squared, add_tests, delta_se,
                               fit_covariance, moment_frames, numeric_columns, parameter_table)
from govsurvey.sem.indices import _indices, ml_discrepancy, rmsea_ci, srmr_bentler
from govsurvey.sem.layout import Layout
from govsurvey.sem.ml import MLFitter, fisher_scoring, threadpool_limits
from govsurvey.study.model import as_parsed

LOG2PI = math.log(2 * math.pi)
EM_MAX_ITER, EM_TOL = 500, 1e-5   # lavaan's em.h1.iter.max, em.h1.tol


class Patterns:
    """Records grouped by the set of items they answered. Y: records x items with NaN for a
    missing answer (no empty record). Per pattern: `mask` (P x p bool), `n`, `sums` (answers,
    0 where missing), `cross` (sums of y y', 0 where missing); per record its `pattern`."""

    def __init__(self, Y):
        self.Y = Y
        self.N, self.p = Y.shape
        observed = ~np.isnan(Y)
        self.mask, self.pattern = np.unique(observed, axis=0, return_inverse=True)
        self.pattern = self.pattern.ravel()
        self.P = len(self.mask)
        self.Y0 = np.where(observed, Y, 0.0)
        self.n = np.bincount(self.pattern, minlength=self.P).astype(float)
        self.sums = np.zeros((self.P, self.p))
        np.add.at(self.sums, self.pattern, self.Y0)
        self.cross = np.zeros((self.P, self.p, self.p))
        np.add.at(self.cross, self.pattern, self.Y0[:, :, None] * self.Y0[:, None, :])
        self.oo = self.mask[:, :, None] & self.mask[:, None, :]
        self.k = self.mask.sum(axis=1)

    def inverses(self, sigma):
        """Per pattern: Sigma_oo^-1 in place (0 elsewhere) and log|Sigma_oo|; None when a
        Sigma_oo is not positive definite."""
        # Sigma_oo embedded with an identity block for the missing items: its inverse is
        # Sigma_oo^-1 there and its determinant |Sigma_oo|, for all patterns at once.
        emb = np.where(self.oo, sigma, 0.0)
        idx = np.arange(self.p)
        emb[:, idx, idx] += ~self.mask
        try:
            chol = np.linalg.cholesky(emb)
        except np.linalg.LinAlgError:
            return None
        logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        inv = np.linalg.inv(emb) * self.oo
        return inv, logdet

    def centred(self, mu):
        """Per pattern: c = sum (y - mu) and Cc = sum (y - mu)(y - mu)' over observed items."""
        nmu = self.n[:, None] * mu
        c = (self.sums - nmu) * self.mask
        Cc = (self.cross - self.sums[:, :, None] * mu[None, None, :]
              - mu[None, :, None] * self.sums[:, None, :]
              + self.n[:, None, None] * np.outer(mu, mu)) * self.oo
        return c, Cc

    def loglik(self, mu, sigma):
        """Casewise normal log-likelihood summed over records; -inf where undefined."""
        out = self.inverses(sigma)
        if out is None:
            return -math.inf
        V, logdet = out
        _, Cc = self.centred(mu)
        return float(-0.5 * (np.dot(self.n, self.k) * LOG2PI + np.dot(self.n, logdet)
                             + np.einsum("pij,pij->", V, Cc)))


def em_h1(pat, max_iter=EM_MAX_ITER, tol=EM_TOL):
    """The saturated (H1) moments by EM, as lavaan's lav_mvnorm_missing_h1_estimate_moments:
    start at the available-case means and variances (no covariances), stop when the largest
    change of a mean or (co)variance falls below tol. Returns (mu, Sigma, iterations)."""
    Y = pat.Y
    mu0 = np.nanmean(Y, axis=0)
    var0 = np.nanmean((Y - mu0) ** 2, axis=0)
    var0[~np.isfinite(var0) | (var0 == 0)] = 1.0
    mu, sigma = mu0, np.diag(var0)
    tri = np.tril_indices(pat.p)
    N = pat.N
    for it in range(1, max_iter + 1):
        V, _ = pat.inverses(sigma)
        # regression of every item on the pattern's observed ones: Sigma[:, o] Sigma_oo^-1
        B = sigma[None, :, :] @ V
        c, Cc = pat.centred(mu)
        Bc = np.einsum("pij,pj->pi", B, c)
        T1 = pat.n.sum() * mu + Bc.sum(axis=0)
        cond = pat.n[:, None, None] * (sigma[None] - B @ sigma[None])
        T2 = (cond.sum(axis=0) + N * np.outer(mu, mu)
              + np.outer(mu, Bc.sum(axis=0)) + np.outer(Bc.sum(axis=0), mu)
              + (B @ Cc @ B.transpose(0, 2, 1)).sum(axis=0))
        mu_new = T1 / N
        sigma_new = T2 / N - np.outer(mu_new, mu_new)
        if np.linalg.eigvalsh(sigma_new)[0] < 1e-6:  # lavaan's ridge for a near-singular Sigma
            sigma_new[np.diag_indices(pat.p)] += np.max(np.diag(sigma_new)) * 1e-8
        delta = max(np.max(np.abs(mu_new - mu)), np.max(np.abs((sigma_new - sigma)[tri])))
        mu, sigma = mu_new, sigma_new
        if delta < tol:
            break
    return mu, sigma, it


def h1_parts(pat, mu, sigma, scores=False):
    """At moments (mu, Sigma): the gradient gamma of -logl/N in (mu, vech Sigma), the observed
    information A (Hessian of -logl/N) and, with scores, the casewise scores of logl
    (N x len(phi)). None where a pattern's Sigma_oo is not positive definite."""
    out = pat.inverses(sigma)
    if out is None:
        return None
    V, _ = out
    N, p = pat.N, pat.p
    tri = np.tril_indices(p)
    off = tri[0] != tri[1]
    c, Cc = pat.centred(mu)
    z = np.einsum("pij,pj->pi", V, c)                    # V (sum y - n mu)
    U = V @ Cc @ V
    G = (np.einsum("p,pij->ij", pat.n, V) - U.sum(axis=0)) / N   # d(-2logl/N)/dSigma
    g_mu = -2 * z.sum(axis=0) / N
    gamma = 0.5 * np.r_[g_mu, G[tri] * np.where(off, 2.0, 1.0)]
    # Hessian blocks (see the module note): mu-mu, mu-Sigma, Sigma-Sigma in vec coordinates
    A_mm = np.einsum("p,pij->ij", pat.n, V) / N
    X = np.einsum("pab,pd->abd", V, z) / N               # [a,(b,d)]
    A_ms = X[:, tri[0], tri[1]] + X[:, tri[1], tri[0]] * off
    Vf = V.reshape(pat.P, p * p)
    Uf = U.reshape(pat.P, p * p)
    T = (-(Vf * pat.n[:, None]).T @ Vf + Uf.T @ Vf + Vf.T @ Uf) / (2 * N)   # [(d,a),(b,c)]
    H = T.reshape(p, p, p, p).transpose(1, 2, 3, 0)      # [a,b,c,d]
    Hr = H[tri[0], tri[1]] + H[tri[1], tri[0]] * off[:, None, None]
    A_ss = Hr[:, tri[0], tri[1]] + Hr[:, tri[1], tri[0]] * off[None, :]
    A = np.block([[A_mm, A_ms], [A_ms.T, A_ss]])
    if not scores:
        return gamma, A
    d = pat.Y0 - mu * (~np.isnan(pat.Y))
    Vc = V[pat.pattern]
    zc = np.einsum("nij,nj->ni", Vc, d)
    Sc = 0.5 * (zc[:, :, None] * zc[:, None, :] - Vc)
    s = np.c_[zc, Sc[:, tri[0], tri[1]] * np.where(off, 2.0, 1.0)]
    return gamma, A, s


def complete_h1_information(mu, sigma):
    """The h1 information per record of complete data at the saturated moments (mu, Sigma):
    Sigma^-1 for the means, 1/2 D'(V x V)D for the covariances."""
    p = len(mu)
    V = np.linalg.inv(sigma)
    tri = np.tril_indices(p)
    off = tri[0] != tri[1]
    H = 0.5 * np.einsum("da,bc->abcd", V, V)
    Hr = H[tri[0], tri[1]] + H[tri[1], tri[0]] * off[:, None, None]
    A_ss = Hr[:, tri[0], tri[1]] + Hr[:, tri[1], tri[0]] * off[None, :]
    n_s = len(tri[0])
    return np.block([[V, np.zeros((p, n_s))], [np.zeros((n_s, p)), A_ss]])


class FimlModel:
    """A Layout with lavaan's mean structure under missing = "ml" (free intercepts of the
    observed variables, latent means 0): moments and Delta at x."""

    def __init__(self, layout):
        self.layout = layout
        self.mean_slots = [("alpha", layout.inner.index(v)) if v in layout.inner else ("nu", i)
                           for i, v in enumerate(layout.obs)]
        self.fitter = MLFitter(layout, means=self.mean_slots)
        self.p, self.m = self.fitter.p, self.fitter.m
        self.tri = np.tril_indices(self.p)
        self.n_free = self.fitter.n_free

    def moments(self, x):
        """(mu, Sigma, cache) at x; cache as MLFitter's (for _q and the mean coefficients)."""
        f = self.fitter
        mx = f.matrices(np.asarray(x, dtype=float))
        C = np.linalg.inv(f.eye_m - mx["beta"])
        M = mx["lambda"] @ C
        sigma = M @ mx["psi"] @ M.T + mx["theta"]
        c_alpha = C @ mx["alpha"]
        mu = mx["nu"] + mx["lambda"] @ c_alpha
        return mu, sigma, (mx, C, M, None, None, c_alpha)

    def delta(self, x):
        """d (mu, vech Sigma) / dx."""
        f = self.fitter
        _, _, cache = self.moments(x)
        Q = f._q(cache)
        Qu, Qv = Q[:, f.u_col], Q[:, f.v_col]
        i, j = self.tri
        d_sigma = (Qu[i] * Qv[j] + Qv[i] * Qu[j]) * (f.w2 / 2)
        d_mu = Q[:, f.mean_col] * f._mean_coefficients(cache)
        return f._sum_locations(np.vstack([d_mu, d_sigma]), axis=1)

    def complete_information(self, x):
        """Expected information of -2logl/N for complete data at x (the scoring metric)."""
        _, sigma, cache = self.moments(x)
        V = np.linalg.inv(sigma)
        mx, C, M, _, _, c_alpha = cache
        return self.fitter.information((mx, C, M, np.tril(V), None, c_alpha))


def _hessian_extra(model, x, gamma, h=1e-5):
    """sum_j gamma_j d^2 phi_j / dx dx': central differences of Delta(x)' gamma."""
    q = len(x)
    out = np.zeros((q, q))
    for k in range(q):
        step = h * max(1.0, abs(x[k]))
        xp, xm = x.copy(), x.copy()
        xp[k] += step
        xm[k] -= step
        out[:, k] = (model.delta(xp).T @ gamma - model.delta(xm).T @ gamma) / (2 * step)
    return (out + out.T) / 2


def _prepare(data, observed, source, log):
    """The analysed columns as floats with NaN for a missing answer, records with every item
    missing left out: (frame, number left out). InputError for an absent or non-numeric column,
    a column without any answer, two items never answered together, an item without variance."""
    frame = numeric_columns(data, observed, source)
    empty_cols = [v for v in observed if frame[v].isna().all()]
    if empty_cols:
        raise InputError(source, f"column(s) {empty_cols} have no answer in any record.",
                         "check the export and the column map, or leave the item(s) out of "
                         "the model.")
    empty = frame.isna().all(axis=1)
    if empty.any():
        rows = [str(r) for r in frame.index[empty][:10]]
        log(f"FIML: {int(empty.sum())} of {len(frame)} records have every analysed item missing "
            f"and are left out, as lavaan does (rows {', '.join(rows)}"
            f"{' ...' if empty.sum() > 10 else ''})")
    frame = frame[~empty].astype(float)
    answered = frame.notna().to_numpy()
    coverage = answered.T.astype(int) @ answered.astype(int)
    never = [(observed[i], observed[j]) for i in range(len(observed))
             for j in range(i + 1, len(observed)) if coverage[i, j] == 0]
    if never:
        listed = "; ".join(f"{a} and {b}" for a, b in never[:10])
        raise InputError(source, f"items never answered together (coverage 0): {listed}"
                         f"{' ...' if len(never) > 10 else ''}; their covariance cannot be "
                         "estimated from the data.",
                         "check the export and the questionnaire's routing (items shown to "
                         "different respondents), or leave one item of each pair out.")
    sd = frame.std(ddof=0)
    flat = [v for v in observed if not sd[v] > 1e-12 * max(1.0, float(frame[v].abs().max()))]
    if flat:
        raise InputError(source, f"item(s) {flat} have no variance among the answers given.",
                         "check the coding of these items, or remove them from the instrument "
                         "and the model file.")
    if len(frame) <= len(observed):
        raise InputError(source, f"only {len(frame)} records with answers for {len(observed)} "
                         "observed variables.", "collect more responses or use fewer items.")
    return frame, int(empty.sum())


def fit_fiml(model, data, robust=False, log=None, source="model", data_source=None):
    """Fit a lavaan-syntax model (text or ParsedModel) to `data` with missing answers by full
    information ML, as lavaan's `sem(model, data, missing = "ml")`; robust=True as
    `sem(..., missing = "ml", estimator = "MLR")`. Returns a SemFit whose table has the
    intercept rows (`~1`) lavaan prints, and fit["n_complete"], fit["n_partial"] (records with
    some missing answers), fit["n_patterns"], fit["n_empty"] (records left out: nothing
    answered). InputError for a model or data that cannot be fitted."""
    with threadpool_limits(1):
        return _fit_fiml(model, data, robust, log or logging.getLogger(__name__).info, source,
                         data_source or source)


def _fit_fiml(model, data, robust, log, source, data_source):
    started = time.perf_counter()
    parsed = as_parsed(model, source)
    layout = Layout(parsed)
    frame, n_empty = _prepare(data, layout.obs, data_source, log)
    pat = Patterns(frame.to_numpy(dtype=float))
    mu1, sigma1, em_iter = em_h1(pat)
    layout.set_sample(sigma1)
    if layout.fixed_x():
        raise InputError(source, "observed exogenous predictors (lavaan's fixed.x) are not "
                         "supported under FIML: lavaan's missing = \"ml\" drops records with a "
                         "missing predictor.",
                         "name the predictor in a ~~ line (`x ~~ x`) so that it is random, or "
                         "fit the model without FIML.")
    fm = FimlModel(layout)
    moments = pat.p * (pat.p + 3) // 2
    if fm.n_free > moments:
        raise InputError(source, f"the model is not identified: {fm.n_free} free parameters "
                         f"(with {pat.p} intercepts) for {moments} means, variances and "
                         f"covariances of {pat.p} observed variables (df = "
                         f"{moments - fm.n_free}).",
                         "fix more parameters (e.g. a loading to 1 per factor), add indicators, "
                         "or drop paths.")
    # Start: the ML fit to the EM covariances (fit_covariance), polished by ML with means on
    # the EM moments (the two-stage estimate, close to FIML's).
    cov_start, _, cov_info, _ = fit_covariance(layout, sigma1)
    if cov_info is None or not np.all(np.isfinite(cov_start)):
        cov_start = layout.start_values(sigma1)
    x0 = np.r_[cov_start, mu1]
    x0, _, _ = fm.fitter.scoring(sigma1, x0, mean=mu1)

    def evaluate(x):
        mu, sigma, _ = fm.moments(x)
        inv = pat.inverses(sigma)
        if inv is None or np.linalg.eigvalsh(sigma)[0] <= 0:
            return math.inf, None
        V, logdet = inv
        c, Cc = pat.centred(mu)
        # -2 logl / N without the constant
        f = (np.dot(pat.n, logdet) + np.einsum("pij,pij->", V, Cc)) / pat.N
        return f, (x, V, c, Cc)

    def derivatives(state):
        x, V, c, Cc = state
        z = np.einsum("pij,pj->pi", V, c)
        G = (np.einsum("p,pij->ij", pat.n, V) - (V @ Cc @ V).sum(axis=0)) / pat.N
        off = fm.tri[0] != fm.tri[1]
        gamma = np.r_[-2 * z.sum(axis=0) / pat.N, G[fm.tri] * np.where(off, 2.0, 1.0)]
        return fm.delta(x).T @ gamma, fm.complete_information(x)

    x, converged, _ = fisher_scoring(evaluate, derivatives, x0, max_iter=500, tol=1e-9)
    if not np.all(np.isfinite(x)):
        raise InputError(source, "the FIML fit failed (the implied covariance matrix is not "
                         "positive definite).", "check the model and the data.")
    fit = _finish(parsed, layout, fm, pat, x, mu1, sigma1, converged, robust, n_empty)
    fit.seconds = time.perf_counter() - started
    state = "converged" if converged else "NOT converged"
    log(f"FIML{' (MLR)' if robust else ''}: N={pat.N} ({fit.fit['n_complete']} complete, "
        f"{fit.fit['n_partial']} partly missing, {pat.P} patterns; {n_empty} empty records "
        f"left out), {len(x)} free parameters, chisq={fit.fit['chisq']:.3f} "
        f"df={fit.fit['df']}, {state} in {fit.seconds:.2f} s (EM {em_iter} iterations)")
    for p in fit.admissibility:
        log(f"FIML {'warning' if p['severity'] == 'warning' else 'admissibility'}: "
            f"{p['message']}")
    return fit


def _inv(a):
    return np.linalg.inv(a) if np.linalg.cond(a) < 1e12 else np.linalg.pinv(a)


def _model_information(fm, pat, x):
    """Observed information per record (Hessian of -logl/N) at x, Delta, and the casewise
    scores of the moments at x."""
    mu, sigma, _ = fm.moments(x)
    gamma, A, scores = h1_parts(pat, mu, sigma, scores=True)
    D = fm.delta(x)
    return D.T @ A @ D + _hessian_extra(fm, x, gamma), D, scores


def _baseline(pat):
    """lavaan's independence model under FIML: free means and variances, no covariances. Its
    likelihood splits by item, so the estimates are each item's available-case mean and
    variance. Returns (mu, Sigma, Delta)."""
    p = pat.p
    mu = np.nanmean(pat.Y, axis=0)
    var = np.nanmean((pat.Y - mu) ** 2, axis=0)
    tri = np.tril_indices(p)
    n1 = p + len(tri[0])
    D = np.zeros((n1, 2 * p))
    D[np.arange(p), np.arange(p)] = 1.0
    diag_pos = p + np.flatnonzero(tri[0] == tri[1])
    D[diag_pos, p + np.arange(p)] = 1.0
    return mu, np.diag(var), D


def _chisq_ml(S, mean, sigma, mu, n):
    """Complete-data ML chi-square with means of moments (S, mean) against (Sigma, mu)."""
    d = mean - mu
    return n * (ml_discrepancy(S, sigma) + d @ np.linalg.solve(sigma, d))


def _rmsea_extra(chisq, df, n, c_hat, level=0.90):
    """lavaan's RMSEA CI and close-fit p-value with a scaling c.hat (lav_fit_rmsea_ci)."""
    lower, upper = rmsea_ci(chisq, df, n, level)
    k = math.sqrt(c_hat)
    pvalue = float(stats.ncx2.sf(chisq, df, n * df / c_hat * 0.05 ** 2)) if df > 0 else math.nan
    return lower * k, upper * k, pvalue


def _cfi(x2, df, x2_null, df_null, c=1.0, c_null=1.0):
    t1 = max(x2 - c * df, 0.0)
    t2 = max(x2 - c * df, x2_null - c_null * df_null, 0.0)
    return 1.0 if math.isclose(t1, 0, abs_tol=1.5e-8) and math.isclose(t2, 0, abs_tol=1.5e-8) \
        else 1 - t1 / t2


def _tli(x2, df, x2_null, df_null, c=1.0, c_null=1.0):
    t1, t2 = (x2 - c * df) * df_null, (x2_null - c_null * df_null) * df
    return 1 - t1 / t2 if df > 0 and abs(t2) > 0 else 1.0


def _fiml_corrected(fm, pat, x, mu1, sigma1, Wm, Jm, df, df_null, robust):
    """lavaan's lav_fit_fiml_corrected (Zhang & Savalei's FIML-corrected RMSEA/CFI): the
    complete-data ML chi-square of the FIML estimates against the EM moments (XX3) and its
    correction c.hat3 (V3 under MLR, V6 under ML), for the model and the baseline."""
    N = pat.N
    mu, sigma, _ = fm.moments(x)
    xx3 = _chisq_ml(sigma1, mu1, sigma, mu, N)
    Wc = complete_h1_information(mu1, sigma1)
    Wmi = np.linalg.inv(Wm)
    gamma = Wmi @ Jm @ Wmi

    def k_of(D):
        # lavaan recomputes E^-1 here with observed.information = "h1": (Delta' Wm Delta)^-1
        U = Wm - Wm @ D @ np.linalg.inv(D.T @ Wm @ D) @ D.T @ Wm
        if robust:
            return np.trace(U @ Wmi @ Wc @ Wmi @ U @ gamma)
        return np.trace(Wc @ Wmi @ U @ Wmi)

    c3 = k_of(fm.delta(x)) / df
    mu_b, sigma_b, D_b = _baseline(pat)
    xx3_null = _chisq_ml(sigma1, mu1, sigma_b, mu_b, N)
    c3_null = k_of(D_b) / df_null
    return xx3, c3, xx3_null, c3_null


def _fit_measures(fm, pat, x, mu1, sigma1, info, D, scores, robust):
    """lavaan's fitMeasures under missing = "ml" (with MLR when robust), '.' -> '_'."""
    N = pat.N
    mu, sigma, _ = fm.moments(x)
    logl = pat.loglik(mu, sigma)
    unrestricted = pat.loglik(mu1, sigma1)
    p = pat.p
    n1 = p + p * (p + 1) // 2
    npar = len(x)
    df = n1 - npar
    chisq = 2 * (unrestricted - logl)
    mu_b, sigma_b, D_b = _baseline(pat)
    base_chisq = 2 * (unrestricted - pat.loglik(mu_b, sigma_b))
    base_df = n1 - 2 * p
    srmr = srmr_bentler(sigma1, sigma, mu1 - mu)
    out = _indices(chisq, df, base_chisq, base_df, N, npar, logl, unrestricted, srmr)
    out["fmin"] = chisq / (2 * N)
    _, Wm, Jm_scores = h1_parts(pat, mu1, sigma1, scores=True)
    Jm = Jm_scores.T @ Jm_scores / N
    if df > 0:
        xx3, c3, xx3_null, c3_null = _fiml_corrected(fm, pat, x, mu1, sigma1, Wm, Jm, df,
                                                     base_df, robust)
        xx3_scaled = xx3 / c3
        out["cfi_robust"] = _cfi(xx3, df, xx3_null, base_df, c3, c3_null)
        out["tli_robust"] = out["nnfi_robust"] = _tli(xx3, df, xx3_null, base_df, c3, c3_null)
        out["rmsea_robust"] = math.sqrt(max(xx3 / N / df - c3 / N, 0.0))
        (out["rmsea_ci_lower_robust"], out["rmsea_ci_upper_robust"],
         out["rmsea_pvalue_robust"]) = _rmsea_extra(xx3_scaled, df, N, c3)
    if not robust:
        return out
    # Yuan-Bentler (Mplus): trace of A1^-1 B1 at the EM moments (unstructured h1) minus
    # trace of E^-1 B0 (observed information, first-order information at the model).
    trace_h1 = float(np.sum(Jm * np.linalg.inv(Wm).T))
    E_inv = _inv(info)
    G0 = scores @ D
    B0 = G0.T @ G0 / N
    trace_h0 = float(np.sum(B0 * E_inv.T))
    trace = trace_h1 - trace_h0
    # baseline: its own observed information (linear in its parameters) and scores
    _, A_b, s_b = h1_parts(pat, mu_b, sigma_b, scores=True)
    G_b = s_b @ D_b
    trace_b = trace_h1 - float(np.sum((G_b.T @ G_b / N) * np.linalg.inv(D_b.T @ A_b @ D_b).T))
    c = trace / df if df > 0 else math.nan
    c_b = trace_b / base_df
    x2s, bx2s = (chisq / c if df > 0 else math.nan), base_chisq / c_b
    out.update({
        "chisq_scaled": x2s, "df_scaled": df,
        "pvalue_scaled": float(stats.chi2.sf(x2s, df)) if df > 0 else math.nan,
        "chisq_scaling_factor": c,
        "baseline_chisq_scaled": bx2s, "baseline_df_scaled": base_df,
        "baseline_pvalue_scaled": float(stats.chi2.sf(bx2s, base_df)),
        "baseline_chisq_scaling_factor": c_b,
        "cfi_scaled": _cfi(x2s, df, bx2s, base_df), "tli_scaled": _tli(x2s, df, bx2s, base_df),
        # lavaan divides by its free parameters before equality constraints (a label used
        # twice counts twice)
        "scaling_factor_h1": trace_h1 / n1,
        "scaling_factor_h0": trace_h0 / (int(np.sum(fm.layout.row_free >= 0)) + p),
        "trace_ugamma": trace,
    })
    out["nnfi_scaled"] = out["tli_scaled"]
    if df <= 0:  # saturated: lavaan has no scaled test either
        return out
    # lavaan's scaled RMSEA: the unscaled chi-square on trace(UGamma) degrees of freedom
    out["rmsea_scaled"] = math.sqrt(max(chisq / N / trace - 1 / N, 0.0))
    lo, up = rmsea_ci(chisq, trace, N)
    out["rmsea_ci_lower_scaled"], out["rmsea_ci_upper_scaled"] = lo, up
    out["rmsea_pvalue_scaled"] = float(stats.ncx2.sf(chisq, trace, N * trace * 0.05 ** 2))
    return out


def _mean_rows(fm, x, vcov):
    """The `~1` rows lavaan prints: observed intercepts (model order), then latent means
    (fixed at 0), with std.all (est / model-implied SD) and delta-method SEs."""
    layout = fm.layout
    n_cov = layout.n_free
    pos = {v: n_cov + i for i, v in enumerate(layout.obs)}
    obs = layout.obs_ordered
    k = np.array([pos[v] for v in obs])
    i_obs = np.array([layout.obs.index(v) for v in obs])

    def std(y):
        _, sigma, _ = fm.moments(y)
        return y[k] / np.sqrt(np.diag(sigma)[i_obs])

    J = np.zeros((len(k), len(x)))
    J[np.arange(len(k)), k] = 1.0
    rows = pd.DataFrame({"lhs": obs, "op": "~1", "rhs": "", "label": "", "est": x[k],
                         "se": delta_se(J, vcov), "std_all": std(x),
                         "std_all_se": delta_se(_jacobian(std, x), vcov)})
    latent = [v for v in layout.inner if v in layout.latent]
    zeros = pd.DataFrame({"lhs": latent, "op": "~1", "rhs": "", "label": "", "est": 0.0,
                          "se": 0.0, "std_all": 0.0, "std_all_se": 0.0})
    return add_tests(pd.concat([rows, zeros], ignore_index=True))


def _finish(parsed, layout, fm, pat, x, mu1, sigma1, converged, robust, n_empty):
    """Everything fit_fiml reports at estimate x: table with `~1` rows, fit measures, R²."""
    N = pat.N
    info, D, scores = _model_information(fm, pat, x)
    identified = np.linalg.cond(info) < 1e12
    E_inv = _inv(info)
    if robust:
        G0 = scores @ D
        vcov = E_inv @ (G0.T @ G0 / N) @ E_inv / N
    else:
        vcov = E_inv / N
    table = parameter_table(parsed, layout, x, vcov)
    defined = table["op"] == ":="
    table = pd.concat([table[~defined], _mean_rows(fm, x, vcov)[PARAM_COLUMNS],
                       table[defined]], ignore_index=True)[PARAM_COLUMNS]
    fit = _fit_measures(fm, pat, x, mu1, sigma1, info, D, scores, robust)
    complete = int(pat.n[pat.mask.all(axis=1)].sum())
    fit.update(n_complete=complete, n_partial=N - complete, n_patterns=int(pat.P),
               n_empty=n_empty, estimator="MLR" if robust else "ML", missing="ml")
    mu, sigma, _ = fm.moments(x)
    phi = layout.implied(x)[1]
    r2 = _r_squared(layout, x, table)
    sample_cov, implied_cov, latent_cov = moment_frames(layout, table, sigma1, sigma, phi)
    problems = check_admissibility(table, latent_cov, implied_cov, converged, identified,
                                   float(np.mean(np.diag(sigma1)))) + \
        sample_size_problems(N, len(x))
    return SemFit(parsed=parsed, layout=layout, x=x, params=table, fit=fit, r2=r2,
                  admissibility=problems, n=N, converged=converged, data=pat.Y, S=sigma1,
                  vcov=vcov, sample_cov=sample_cov, implied_cov=implied_cov,
                  latent_cov=latent_cov)
