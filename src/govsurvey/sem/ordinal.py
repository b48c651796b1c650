"""Sample statistics of ordinal items for WLSMV: thresholds, polychoric correlations and their
asymptotic covariance (NACOV, Gamma), computed as lavaan 0.6-14 does for complete data without
exogenous covariates (lav_samplestats_step1/step2, muthen1984):

- thresholds of each item: the normal quantiles of its cumulative proportions;
- the polychoric correlation of each pair: the maximum of the bivariate probit likelihood of
  its contingency table *given* those thresholds (two-step, as lavCor);
- Gamma: N * B^-1 (S'S) B^-T, S the casewise scores of the univariate (threshold) and the
  bivariate (rho) likelihoods, B the block-triangular "Hessian" built from the same scores
  (A11: per item S_th'S_th; A21: rho scores times the threshold scores of the bivariate
  likelihood; A22: diagonal, the rho scores squared). It is the sandwich covariance of the
  two-step estimates.

Statistics are ordered as lavaan's WLS.obs: every item's thresholds (items in the given order),
then the correlations of the lower triangle column by column: (2,1), (3,1), ..., (3,2), ...
"""

from dataclasses import dataclass, field

import numpy as np
from numpy.polynomial.legendre import leggauss
from scipy.special import ndtr, ndtri

from govsurvey.errors import InputError

SQRT_EPS = float(np.sqrt(np.finfo(float).eps))
RHO_BOUND = 0.999        # lavaan's bounds on a polychoric correlation (nlminb lower/upper)
_FAR = 100.0             # lavaan's stand-in for an infinite threshold in the casewise scores
_PAD = 50.0              # threshold padding for items with fewer categories: Phi(50) == 1
SMOOTH_TOL = 1e-4        # lavCor's cor.smooth.tol
PD_TOL = SQRT_EPS        # smallest eigenvalue below this: not positive definite (lavaan's check)

# Gauss-Legendre rules of Genz's BVND (the negative half of the 6, 12, 20 point rules)
_GL = []
for _n in (6, 12, 20):
    _x, _w = leggauss(_n)
    _GL.append((_x[: _n // 2], _w[: _n // 2]))


def _phi(x):
    return np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)


def bvn_upper(h, k, r):
    """P(X > h, Y > k) for standard bivariate normal X, Y with correlation r (arrays,
    broadcast). Genz's (2004) BVND algorithm: double precision, as R's pbivnorm."""
    h, k, r = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float),
                                  np.asarray(r, float))
    h, k, r = h.ravel(), k.ravel(), r.ravel()
    out = np.empty(h.shape)
    ar = np.abs(r)
    # |r| < 0.925: integrate over asin(r) (Drezner & Wesolowsky)
    for lo, hi, (x, w) in ((0.0, 0.3, _GL[0]), (0.3, 0.75, _GL[1]), (0.75, 0.925, _GL[2])):
        m = (ar >= lo) & (ar < hi)
        if not m.any():
            continue
        hh, kk, rr = h[m], k[m], r[m]
        hk, hs, asr = hh * kk, (hh * hh + kk * kk) / 2, np.arcsin(rr)
        total = np.zeros(hh.shape)
        for s in (x, -x):
            sn = np.sin(asr[:, None] * (s[None, :] + 1) / 2)
            total += (w[None, :] * np.exp((sn * hk[:, None] - hs[:, None]) / (1 - sn * sn))).sum(1)
        out[m] = total * asr / (4 * np.pi) + ndtr(-hh) * ndtr(-kk)
    m = ar >= 0.925
    if m.any():
        x, w = _GL[2]
        hh, kk, rr = h[m], k[m].copy(), r[m]
        neg = rr < 0
        kk[neg] = -kk[neg]
        hk = hh * kk
        bvn = np.zeros(hh.shape)
        inner = ar[m] < 1
        if inner.any():
            hh_, kk_, hk_, rr_ = hh[inner], kk[inner], hk[inner], rr[inner]
            as_ = (1 - rr_) * (1 + rr_)
            a = np.sqrt(as_)
            bs = (hh_ - kk_) ** 2
            c = (4 - hk_) / 8
            d = (12 - hk_) / 16
            b = a * np.exp(-(bs / as_ + hk_) / 2) * (1 - c * (bs - as_) * (1 - d * bs / 5) / 3
                                                     + c * d * as_ * as_ / 5)
            ok = hk_ > -160
            bb = np.sqrt(bs)
            with np.errstate(over="ignore", invalid="ignore"):
                corr = np.exp(-hk_ / 2) * np.sqrt(2 * np.pi) * ndtr(-bb / a) * bb * \
                    (1 - c * bs * (1 - d * bs / 5) / 3)
            b = b - np.where(ok, corr, 0.0)
            a = a / 2
            for s in (x, -x):
                xs = (a[:, None] * (s[None, :] + 1)) ** 2
                rs = np.sqrt(1 - xs)
                asr = -(bs[:, None] / xs + hk_[:, None]) / 2
                with np.errstate(over="ignore", invalid="ignore"):
                    term = a[:, None] * w[None, :] * np.exp(asr) * (
                        np.exp(-hk_[:, None] * xs / (2 * (1 + rs) ** 2)) / rs
                        - (1 + c[:, None] * xs * (1 + d[:, None] * xs)))
                b = b + np.where(asr > -100, term, 0.0).sum(1)
            bvn[inner] = -b / (2 * np.pi)
        pos = ~neg
        bvn[pos] += ndtr(-np.maximum(hh[pos], kk[pos]))
        hn, kn = hh[neg], kk[neg]
        add = np.where(hn < 0, ndtr(kn) - ndtr(hn), ndtr(-hn) - ndtr(-kn))
        bvn[neg] = -bvn[neg] + np.where(kn > hn, add, 0.0)
        out[m] = bvn
    return out


def bvn_cdf(x, y, r):
    """P(X < x, Y < y), standard bivariate normal with correlation r."""
    return bvn_upper(-np.asarray(x, float), -np.asarray(y, float), r)


def bvn_density(x, y, r):
    one_r2 = 1 - r * r
    return np.exp(-(x * x - 2 * r * x * y + y * y) / (2 * one_r2)) / (2 * np.pi * np.sqrt(one_r2))


@dataclass
class OrdinalStats:
    """Thresholds, polychoric correlations and their asymptotic covariance for items `names`.
    `levels[i]`: the answer codes of item i, in order (its categories); `thresholds[i]` its
    K_i - 1 thresholds; `cor` the polychoric matrix (unsmoothed, as lavaan fits it); `pairs`
    the (i, j) of each correlation in WLS order; `nacov` N times the covariance of the
    statistics vector `sample` (thresholds then correlations); `flags` problems worth a note
    (dicts kind, where, value, message, severity)."""
    names: list
    levels: list
    thresholds: list
    cor: np.ndarray
    pairs: np.ndarray
    n: int
    nacov: np.ndarray = field(default=None, repr=False)
    flags: list = field(default_factory=list)
    zero_cell_pairs: list = field(default_factory=list)

    @property
    def n_thresholds(self):
        return sum(len(t) for t in self.thresholds)

    @property
    def sample(self):
        """lavaan's WLS.obs: thresholds, then the correlations in `pairs` order."""
        return np.concatenate([np.concatenate(self.thresholds),
                               self.cor[self.pairs[:, 0], self.pairs[:, 1]]])

    def threshold_names(self):
        return [(v, f"t{k + 1}") for v, t in zip(self.names, self.thresholds)
                for k in range(len(t))]

    @property
    def positive_definite(self):
        return bool(np.linalg.eigvalsh(self.cor)[0] >= PD_TOL)


def pair_order(p):
    """(i, j), i > j, of the strict lower triangle column by column (lavaan's vech order)."""
    return np.array([(i, j) for j in range(p) for i in range(j + 1, p)], dtype=int).reshape(-1, 2)


def smooth_correlation(R, tol=SMOOTH_TOL):
    """lavCor(cor.smooth = TRUE): eigenvalues below tol times the largest raised to it, then
    rescaled to a correlation matrix."""
    w, v = np.linalg.eigh(R)
    w = np.where(w / abs(w[-1]) < tol, tol * abs(w[-1]), w)
    S = (v * w) @ v.T
    d = np.sqrt(np.diag(S))
    return S / np.outer(d, d)


def categories(frame, source="data"):
    """The answers of each column of `frame` (complete cases) as category numbers 0..K-1 over
    the values that occur (lavaan's ordered(): unused codes are no category), the codes of the
    categories, and flags for codes nobody chose inside an item's range (empty categories)."""
    y = np.empty(frame.shape, dtype=np.int64)
    levels, flags = [], []
    for c, name in enumerate(frame.columns):
        values = frame[name].to_numpy(dtype=float)
        codes, idx = np.unique(values, return_inverse=True)
        if len(codes) < 2:
            raise InputError(source, f"ordinal item {name} has a single answer ({codes[0]:g}) in "
                             f"all {len(values)} complete rows, so it has no thresholds and no "
                             "correlations.",
                             "check the export's coding of this item, or leave it out of the "
                             "model.")
        y[:, c] = idx
        levels.append(codes)
        if np.all(codes == np.round(codes)):
            unused = sorted(set(range(int(codes[0]), int(codes[-1]) + 1)) - set(codes.astype(int)))
            if unused:
                flags.append(dict(
                    kind="empty_category", where=name, value=unused,
                    message=f"ordinal item {name}: nobody answered {unused} between "
                            f"{codes[0]:g} and {codes[-1]:g}; the empty categories are merged "
                            f"away (lavaan does the same), so {name} has {len(codes)} "
                            "categories and "
                            f"{len(codes) - 1} thresholds.", severity="warning"))
    return y, levels, flags


def _univariate(y, K):
    """Thresholds from the cumulative proportions and the casewise threshold scores."""
    n = len(y)
    freq = np.bincount(y, minlength=K)
    th = ndtri(np.cumsum(freq)[:-1] / n)
    upper = np.r_[th, _FAR]        # z1 of each category
    lower = np.r_[-_FAR, th]       # z2
    pi = ndtr(upper) - ndtr(lower)
    big = lower > 1                # the upper tail is more precise there (lavaan does it too)
    pi[big] = ndtr(-lower[big]) - ndtr(-upper[big])
    cell = np.zeros((K, K - 1))
    for c in range(K):
        if c < K - 1:
            cell[c, c] += _phi(upper[c]) / pi[c]
        if c > 0:
            cell[c, c - 1] -= _phi(lower[c]) / pi[c]
    return th, cell[y]


class _Pairs:
    """The bivariate tables of all pairs at once (items padded to the largest number of
    categories; padded categories are empty)."""

    def __init__(self, y, thresholds, pairs):
        self.pairs = pairs
        self.K = max(len(t) for t in thresholds) + 1
        m = self.K - 1
        T = np.full((len(thresholds), m), _PAD)
        for i, t in enumerate(thresholds):
            T[i, :len(t)] = t
        self.T = T
        I, J = pairs[:, 0], pairs[:, 1]
        self.t1, self.t2 = T[I], T[J]                     # (P, m)
        K = self.K
        P = len(pairs)
        codes = (np.arange(P)[None, :] * K * K + y[:, I] * K + y[:, J]).ravel()
        self.freq = np.bincount(codes, minlength=P * K * K).reshape(P, K, K).astype(float)
        self.y = y

    def _corners(self, rho):
        """Phi2 and phi2 at the finite corners (P, m, m)."""
        P, m = self.t1.shape
        a = np.broadcast_to(self.t1[:, :, None], (P, m, m))
        b = np.broadcast_to(self.t2[:, None, :], (P, m, m))
        r = np.broadcast_to(rho[:, None, None], (P, m, m))
        return a, b, r

    def cell_probabilities(self, rho):
        a, b, r = self._corners(rho)
        P, m = self.t1.shape
        BI = np.zeros((P, m + 2, m + 2))
        BI[:, 1:-1, 1:-1] = bvn_cdf(a, b, r).reshape(a.shape)
        BI[:, -1, 1:-1] = ndtr(self.t2)
        BI[:, 1:-1, -1] = ndtr(self.t1)
        BI[:, -1, -1] = 1.0
        PI = BI[:, 1:, 1:] - BI[:, 1:, :-1] - BI[:, :-1, 1:] + BI[:, :-1, :-1]
        return np.maximum(PI, SQRT_EPS)   # lavaan floors cell probabilities at sqrt(eps)

    def _cell_diff(self, D):
        P, m = self.t1.shape
        E = np.zeros((P, m + 2, m + 2))
        E[:, 1:-1, 1:-1] = D
        return E[:, 1:, 1:] - E[:, :-1, 1:] - E[:, 1:, :-1] + E[:, :-1, :-1]

    def phi(self, rho):
        """d PI / d rho per cell."""
        a, b, r = self._corners(rho)
        return self._cell_diff(bvn_density(a, b, r))

    def gnorm(self, rho):
        """d2 PI / d rho2 per cell."""
        a, b, r = self._corners(rho)
        R = 1 - r * r
        g = (a * b * R - r * (a * a - 2 * r * a * b + b * b) + r * R) / (R * R)
        return self._cell_diff(bvn_density(a, b, r) * g)

    def derivatives(self, rho, freq):
        PI = self.cell_probabilities(rho)
        ph = self.phi(rho)
        ok = PI > SQRT_EPS
        q = np.where(ok, freq / PI, 0.0)
        grad = (q * ph).sum((1, 2))
        hess = (q * self.gnorm(rho)).sum((1, 2)) - (np.where(ok, q / PI, 0.0) * ph * ph).sum((1, 2))
        return grad, hess


def _polychorics(tables, y, thresholds, names, source):
    """ML polychoric correlation of every pair given the thresholds: safeguarded Newton on the
    score, all pairs at once; lavaan's special cases for 2 x 2 tables."""
    pairs = tables.pairs
    P = len(pairs)
    freq = tables.freq.copy()
    rho = np.zeros(P)
    fixed = np.zeros(P, dtype=bool)
    for p, (i, j) in enumerate(pairs):
        if len(thresholds[i]) == 1 and len(thresholds[j]) == 1:
            f = freq[p, :2, :2]
            zeros = np.flatnonzero(f.ravel() == 0)
            if len(zeros) == 2:
                rho[p], fixed[p] = (1.0 if f[0, 0] > 0 else -1.0), True
                continue
            if len(zeros) == 1:   # zero.add = 0.5, keeping the margins
                s = 0.5 if zeros[0] in (0, 3) else -0.5
                f += np.array([[s, -s], [-s, s]])
            if f[0, 0] * f[1, 1] == f[0, 1] * f[1, 0]:
                rho[p], fixed[p] = 0.0, True
            elif thresholds[i][0] == 0 and thresholds[j][0] == 0:
                rho[p], fixed[p] = -np.cos(2 * np.pi * f[0, 0] / f.sum()), True
    # start: the Pearson correlation of the codes (lavaan's start value)
    yc = y - y.mean(0)
    sd = np.sqrt((yc ** 2).mean(0))
    start = (yc[:, pairs[:, 0]] * yc[:, pairs[:, 1]]).mean(0) / (sd[pairs[:, 0]] * sd[pairs[:, 1]])
    start = np.where(np.abs(start) < RHO_BOUND, start, 0.0)
    # (the score at the bounds is no guide: cells floored at sqrt(eps) drop out there)
    lo, hi = np.full(P, -RHO_BOUND), np.full(P, RHO_BOUND)
    x = np.where(fixed, rho, start)
    todo = ~fixed
    for _ in range(200):
        if not todo.any():
            break
        g, H = tables.derivatives(x, freq)
        todo &= np.abs(g) > 1e-12 * tables.y.shape[0]   # the score is zero: converged
        lo = np.where(todo & (g > 0), x, lo)
        hi = np.where(todo & (g < 0), x, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = x - g / H
        bad = ~np.isfinite(new) | (H >= 0) | (new < lo) | (new > hi)
        new = np.where(bad, (lo + hi) / 2, new)
        todo &= np.abs(new - x) > 1e-15
        x = np.where(todo, new, x)
    flags = []
    for p in np.flatnonzero(~fixed & (np.abs(x) > RHO_BOUND - 1e-6)):
        i, j = pairs[p]
        flags.append(dict(kind="polychoric_at_bound", where=f"{names[i]} ~~ {names[j]}",
                          value=float(x[p]),
                          message=f"the polychoric correlation of {names[i]} and {names[j]} "
                                  f"is at lavaan's bound {x[p]:+.3f}: the items are (nearly) "
                                  "the same question.", severity="warning"))
    return x, flags


def _pair_scores(tables, rho, thresholds):
    """Casewise rho scores (N, P) and, per pair, d loglik / d thresholds summed against the rho
    scores (A21 entries) and the rho scores squared (A22 diagonal)."""
    P, m = tables.t1.shape
    K = tables.K
    PI = tables.cell_probabilities(rho)
    lik = np.where(PI > SQRT_EPS, PI, np.nan)           # lavaan: NA score for tiny cells
    dx_rho = tables.phi(rho) / lik                       # (P, K, K)
    R = np.sqrt(1 - rho * rho)[:, None, None]
    r = rho[:, None, None]

    def bounds(t):
        return np.concatenate([t, np.full((P, 1), _FAR)], 1), \
            np.concatenate([np.full((P, 1), -_FAR), t], 1)

    u1, l1 = bounds(tables.t1)          # (P, K) upper/lower bound of each category of item i
    u2, l2 = bounds(tables.t2)
    U1, L1 = u1[:, :, None], l1[:, :, None]
    U2, L2 = u2[:, None, :], l2[:, None, :]
    y1z1 = _phi(U1) * (ndtr((U2 - r * U1) / R) - ndtr((L2 - r * U1) / R))
    y1z2 = _phi(L1) * (ndtr((U2 - r * L1) / R) - ndtr((L2 - r * L1) / R))
    y2z1 = _phi(U2) * (ndtr((U1 - r * U2) / R) - ndtr((L1 - r * U2) / R))
    y2z2 = _phi(L2) * (ndtr((U1 - r * L2) / R) - ndtr((L1 - r * L2) / R))
    # d loglik_cell / d threshold k of item i: +y1z1 where k is the cell's upper bound (k == a),
    # -y1z2 where it is the lower bound (k == a - 1)
    eye = np.eye(K, m)                   # [a, k] = 1 if k == a
    low = np.eye(K, m, -1)               # [a, k] = 1 if k == a - 1
    dth1 = (eye[None, :, None, :] * y1z1[..., None] - low[None, :, None, :] * y1z2[..., None])
    dth2 = (eye[None, None, :, :] * y2z1[..., None] - low[None, None, :, :] * y2z2[..., None])
    dth1 = dth1 / lik[..., None]
    dth2 = dth2 / lik[..., None]
    f = tables.freq
    w = np.nan_to_num(f * dx_rho)
    a21_1 = np.nansum(w[..., None] * dth1, (1, 2))      # (P, m)
    a21_2 = np.nansum(w[..., None] * dth2, (1, 2))
    a22 = np.nansum(f * dx_rho * dx_rho, (1, 2))
    y = tables.y
    I, J = tables.pairs[:, 0], tables.pairs[:, 1]
    sc = np.nan_to_num(dx_rho[np.arange(P)[None, :], y[:, I], y[:, J]])
    return sc, a21_1, a21_2, a22


def ordinal_statistics(frame, source="data", gamma=True):
    """Thresholds, polychoric correlations and (gamma=True) their NACOV for the complete cases
    `frame` (columns: the ordinal items, numeric codes). Raises InputError for an item with a
    single answer."""
    names = [str(c) for c in frame.columns]
    y, levels, flags = categories(frame, source)
    n, p = y.shape
    thresholds, sc_th = [], []
    for c in range(p):
        th, sc = _univariate(y[:, c], len(levels[c]))
        thresholds.append(th)
        sc_th.append(sc)
    pairs = pair_order(p)
    cor = np.eye(p)
    stats = OrdinalStats(names=names, levels=levels, thresholds=thresholds, cor=cor, pairs=pairs,
                         n=n, flags=flags)
    if p < 2:
        return stats
    tables = _Pairs(y, thresholds, pairs)
    rho, more = _polychorics(tables, y, thresholds, names, source)
    stats.flags += more
    cor[pairs[:, 0], pairs[:, 1]] = rho
    cor[pairs[:, 1], pairs[:, 0]] = rho
    P = len(pairs)
    empty = [(names[i], names[j]) for p_, (i, j) in enumerate(pairs)
             if (tables.freq[p_, :len(levels[i]), :len(levels[j])] == 0).any()]
    stats.zero_cell_pairs = empty
    ev = np.linalg.eigvalsh(cor)[0]
    if ev < PD_TOL:
        stats.flags.append(dict(
            kind="polychoric_not_pd", where="polychoric correlations", value=float(ev),
            message="the polychoric correlation matrix is not positive definite (smallest "
                    f"eigenvalue {ev:.3g}); DWLS fits it as it is, as lavaan does; "
                    "smooth_correlation() gives lavCor's smoothed matrix for other uses.",
            severity="warning"))
    if not gamma:
        return stats
    # NACOV from the casewise scores (muthen1984)
    nth = sum(len(t) for t in thresholds)
    start = np.cumsum([0] + [len(t) for t in thresholds])
    SC_TH = np.concatenate(sc_th, axis=1)
    sc_cor, a21_1, a21_2, a22 = _pair_scores(tables, rho, thresholds)
    A11_inv = np.zeros((nth, nth))
    for c in range(p):
        s = slice(start[c], start[c + 1])
        A11_inv[s, s] = np.linalg.inv(SC_TH[:, s].T @ SC_TH[:, s])
    A21 = np.zeros((P, nth))
    for k, (i, j) in enumerate(pairs):
        A21[k, start[i]:start[i + 1]] = a21_1[k, :len(thresholds[i])]
        A21[k, start[j]:start[j + 1]] = a21_2[k, :len(thresholds[j])]
    if np.any(a22 == 0):
        bad = [f"{names[i]} and {names[j]}" for (i, j), v in zip(pairs, a22) if v == 0]
        raise InputError(source, f"the polychoric correlation of {', '.join(bad)} carries no "
                         "information (all answers in cells the model gives no weight), so its "
                         "sampling variance cannot be estimated.",
                         "collect more answers or merge rarely used categories of these items.")
    A22_inv = 1 / a22
    SC = np.concatenate([SC_TH, sc_cor], axis=1)
    B_inv = np.zeros((nth + P, nth + P))
    B_inv[:nth, :nth] = A11_inv
    B_inv[nth:, :nth] = -(A22_inv[:, None] * A21) @ A11_inv
    B_inv[nth:, nth:] = np.diag(A22_inv)
    Z = SC @ B_inv.T
    stats.nacov = n * (Z.T @ Z)
    return stats
