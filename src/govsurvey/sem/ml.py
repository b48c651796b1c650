"""The one maximum-likelihood fitter: F_ML, its gradient and expected information, and its
minimisation, for a model Layout. The SEM fit, the modification indices and every bootstrap
draw use it.

F_ML = log|Sigma| + tr(S Sigma^-1) (lavaan's discrepancy without the constant -log|S| - p),
S the sample covariance divided by N. Every derivative dSigma/dx_k is a sum of terms
w (u v' + v u') with u, v columns of Q = [I, M, L Phi] (M = L (I-B)^-1,
Phi = (I-B)^-1 Psi (I-B)^-T), so the gradient tr(R dSigma_k) comes from the small matrix
Q' R Q, and the expected information tr(V dSigma_i V dSigma_j) from Q' V Q.

With a mean structure (the multi-group models of groups.py) F adds (m - mu)' V (m - mu),
mu = nu + M alpha. Every dmu/dx_k is a column of [I, M] (the first columns of Q) times a
scalar: 1 for an intercept nu_i or a mean alpha_j, (C alpha)_j for a loading or a regression
into j. So the mean parts of the gradient and information come from Q' V d and Q' V Q too.
"""

import math

import numpy as np
from scipy.linalg import lapack

try:  # pinned via scikit-learn; BLAS threads only slow these small matrices down
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    from contextlib import nullcontext as threadpool_limits  # noqa: F401

EPS_PD = np.finfo(float).eps ** 0.75  # lavaan's post-check threshold on eigenvalues


def fisher_scoring(evaluate, derivatives, x, max_iter=200, tol=1e-10):
    """Minimise F from x by Fisher scoring with step halving. evaluate(x) gives (F, state),
    state None where F is undefined; derivatives(state) gives (gradient, expected
    information). Converged: max |gradient| < tol, or < 1e-6 once steps vanish. Returns (x,
    converged, information at x); information None when F is undefined at the start."""
    x = np.array(x, dtype=float)
    f, state = evaluate(x)
    if state is None:
        return x, False, None
    g, info = derivatives(state)
    converged = False
    for _ in range(max_iter):
        if np.max(np.abs(g)) < tol:
            converged = True
            break
        try:
            step = -np.linalg.solve(info, g)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(info, g, rcond=None)[0]
        t = 1.0
        while t > 1e-8:
            f_new, state_new = evaluate(x + t * step)
            if f_new <= f + 1e-14:
                break
            t /= 2
        else:
            break  # no descent possible: keep x, report by the gradient test below
        x, f, state = x + t * step, f_new, state_new
        g, info = derivatives(state)
        if np.max(np.abs(t * step)) < 1e-12:
            break
    converged = converged or np.max(np.abs(g)) < 1e-6
    return x, converged, info


class MLFitter:
    """F_ML and its minimisation for one Layout. `extra` adds parameters that the model fixes
    at zero, as (kind, i, j) matrix positions after the free ones: the candidates of the
    modification indices (their values in x are then 0). `means` adds a mean structure: its
    parameters, after the extra ones, as ("nu", i) (intercept of observed variable i) or
    ("alpha", j) (mean or intercept of inner variable j); nu and alpha not listed are 0. With
    means, evaluate() needs the sample mean vector."""

    def __init__(self, layout, extra=(), means=()):
        self.layout = layout
        self.base = {k: m.copy() for k, m in layout.base.items()}
        self.p, self.m = self.base["lambda"].shape
        p, m = self.p, self.m
        self.base["nu"], self.base["alpha"] = np.zeros(p), np.zeros(m)
        n_cov = layout.n_free + len(extra)
        placed = list(layout.locations) + [(kind, i, j, layout.n_free + n)
                                           for n, (kind, i, j) in enumerate(extra)]
        placed += [(kind, i, 0, n_cov + n) for n, (kind, i) in enumerate(means)]
        placed.sort(key=lambda loc: loc[3])  # grouped by parameter, for reduceat below
        assign = {k: ([], [], []) for k in self.base}
        u_col, v_col, weight, param = [], [], [], []
        mean_col, mean_j, mean_w = [], [], []
        for kind, i, j, k in placed:
            rows, cols, pars = assign[kind]
            rows.append(i), cols.append(j), pars.append(k)
            if kind in ("psi", "theta") and i != j:  # symmetric: both triangles
                rows.append(j), cols.append(i), pars.append(k)
            u, v = {"lambda": (i, p + m + j), "beta": (p + i, p + m + j),
                    "psi": (p + i, p + j), "theta": (i, j), "nu": (0, 0), "alpha": (0, 0)}[kind]
            u_col.append(u), v_col.append(v), param.append(k)
            weight.append(0.5 if kind in ("psi", "theta") and i == j else
                          0.0 if kind in ("nu", "alpha") else 1.0)
            # dmu/dx = [I, M][:, mean_col] * (1 or (C alpha)[mean_j]); 0 for (co)variances
            mean_col.append({"nu": i, "alpha": p + i}.get(kind, u))
            mean_j.append(j if kind in ("lambda", "beta") else -1)
            mean_w.append(0.0 if kind in ("psi", "theta") else 1.0)
        self.assign = {k: (np.array(r, int), np.array(c, int), np.array(q, int))
                       for k, (r, c, q) in assign.items() if r}
        self.u_col, self.v_col = np.array(u_col, int), np.array(v_col, int)
        self.w2 = 2 * np.array(weight)
        self.has_means = bool(means)
        self.mean_col, self.mean_j = np.array(mean_col, int), np.array(mean_j, int)
        self.mean_w = np.array(mean_w)
        self.starts = np.flatnonzero(np.diff(np.r_[-1, param]))
        self.n_free = n_cov + len(means)
        self.eye_m = np.eye(m)
        self.Q = np.zeros((p, p + 2 * m))
        self.Q[:, :p] = np.eye(p)
        # Observed exogenous predictors (fixed.x): their Psi block is the sample's, per sample.
        fx = layout.fixed_x()
        self.fixed_x_obs = np.array(fx, int)
        self.fixed_x_inner = np.array([layout.inner.index(layout.obs[k]) for k in fx], int)
        self.latent_pos = np.array([k for k, v in enumerate(layout.inner)
                                    if v in layout.latent], int)

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
                if mat.ndim == 1:  # nu, alpha
                    mat[r] = x[q]
                else:
                    mat[r, c] = x[q]
            out[kind] = mat
        return out

    def evaluate(self, x, S2, mean=None):
        """F_ML(x) and what its derivatives need; F = inf when Sigma is not positive definite.
        S2 is the sample covariance with its off-diagonal doubled (see `fold`); `mean` the
        sample means (with a mean structure only)."""
        mx = self.matrices(np.asarray(x, dtype=float))
        _, _, C, bad_c = lapack.dgesv(self.eye_m - mx["beta"], self.eye_m)
        M = mx["lambda"] @ C
        sigma = M @ mx["psi"] @ M.T + mx["theta"]
        chol, bad = lapack.dpotrf(sigma, lower=1, clean=1)
        if bad or bad_c:
            return math.inf, None
        inv, _ = lapack.dpotri(chol, lower=1)   # Sigma^-1, lower triangle (upper is 0)
        f = 2 * np.log(np.diagonal(chol)).sum() + np.vdot(inv, S2)
        if not self.has_means:
            return f, (mx, C, M, inv)
        c_alpha = C @ mx["alpha"]
        d = mean - mx["nu"] - mx["lambda"] @ c_alpha
        z, _ = lapack.dtrtrs(chol, d, lower=1)  # d' Sigma^-1 d = |L^-1 d|^2
        return f + z @ z, (mx, C, M, inv, d, c_alpha)

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
        mx, C, M = cache[:3]
        Q = self.Q.copy()
        Q[:, self.p:self.p + self.m] = M
        Q[:, self.p + self.m:] = M @ mx["psi"] @ C.T   # L Phi
        return Q

    def _sum_locations(self, a, axis=0):
        return a if self.starts.size == a.shape[axis] else np.add.reduceat(a, self.starts, axis)

    def _mean_coefficients(self, cache):
        """dmu/dx_k = [I, M][:, mean_col[k]] times these."""
        c_alpha = cache[5]
        return self.mean_w * np.where(self.mean_j >= 0, c_alpha[np.maximum(self.mean_j, 0)], 1.0)

    def gradient(self, cache, S):
        """dF/dx = tr(R dSigma/dx), R = V - V S V; with means S + d d' in R, d = m - mu, and
        -2 d' V dmu/dx."""
        V = self._v(cache)
        Q = self._q(cache)
        if self.has_means:
            d = cache[4]
            S = S + np.outer(d, d)
        R = V - V @ S @ V
        G = Q.T @ (R @ Q)
        g = self.w2 * G[self.v_col, self.u_col]
        if self.has_means:
            w = Q[:, :self.p + self.m].T @ (V @ d)
            g = g - 2 * self._mean_coefficients(cache) * w[self.mean_col]
        return self._sum_locations(g)

    def information(self, cache):
        """Expected information of F: tr(V dSigma_i V dSigma_j) (+ 2 dmu_i' V dmu_j with
        means). It depends on x only."""
        Q = self._q(cache)
        H = Q.T @ self._v(cache) @ Q
        u, v = self.u_col, self.v_col
        T = np.outer(self.w2, self.w2) / 2 * (H[np.ix_(u, u)] * H[np.ix_(v, v)]
                                                + H[np.ix_(u, v)] * H[np.ix_(v, u)])
        if self.has_means:
            c = self._mean_coefficients(cache)
            T += 2 * np.outer(c, c) * H[np.ix_(self.mean_col, self.mean_col)]
        return self._sum_locations(self._sum_locations(T, 0), 1)

    def scoring(self, S, x, max_iter=200, tol=1e-10, mean=None):
        """Minimise F_ML(S) by Fisher scoring with step halving, without bounds on variances
        (lavaan has none either), from x. Converged: max |gradient| < tol. Returns (x,
        converged, expected information at x)."""
        S2 = self.fold(S)
        return fisher_scoring(lambda y: self.evaluate(y, S2, mean),
                              lambda c: (self.gradient(c, S), self.information(c)),
                              x, max_iter, tol)

    def bfgs(self, S, x0, h0, tol, max_iter=200):
        """Minimise F_ML(S) from x0 by BFGS whose first inverse Hessian is h0: the inverse
        expected information at x0. That makes the first step a Fisher scoring step, and the
        updates add what S changes, at the cost of gradients only (the bootstrap's fit). Step
        halving keeps Sigma positive definite and F decreasing. Converged: the decrement
        g' H g fell below tol. Returns (x, converged, cache at x)."""
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
            if lapack.dpotrf(lat + EPS_PD * np.eye(len(lat)), lower=1)[1]:
                return "latent_cov_not_pd"
        theta = mx["theta"]
        if lapack.dpotrf(theta + EPS_PD * np.eye(len(theta)), lower=1)[1]:
            return "theta_not_pd"
        return None
