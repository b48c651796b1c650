"""Validity of the measurement: discriminant validity (Fornell-Larcker, HTMT), sampling
adequacy (KMO, Bartlett), common-method bias (Harman) and an exploratory factor analysis.

Each function names the variant it computes and the reference it matches (tests against
psych 2.2.9 / semTools 0.5-6 fixtures in tests/test_measurement.py). `data` is a DataFrame of
item answers; rows with any missing item are left out (listwise), as everywhere else.
"""

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.multivariate.factor import Factor


def _complete(data, columns=None):
    frame = data if columns is None else data[list(columns)]
    return frame.dropna().astype(float)


def correlation(data, columns=None):
    """Pearson correlation matrix of the complete cases."""
    return _complete(data, columns).corr()


def fornell_larcker(cfa_reliability, latent_cor):
    """Fornell & Larcker (1981) table: sqrt(AVE) on the diagonal, latent correlations off it.
    cfa_reliability: measurement.cfa_reliability() (construct, sqrt_ave); latent_cor: latent
    correlation matrix (DataFrame). Returns a square DataFrame with a leading `construct`
    column; `holds` lists per construct whether sqrt(AVE) exceeds all its correlations."""
    names = list(cfa_reliability["construct"])
    table = latent_cor.loc[names, names].copy()
    sqrt_ave = cfa_reliability.set_index("construct")["sqrt_ave"]
    for name in names:
        table.loc[name, name] = sqrt_ave[name]
    off = latent_cor.loc[names, names].abs().to_numpy() - np.eye(len(names)) * 2
    holds = [bool(sqrt_ave[n] > off[k].max()) for k, n in enumerate(names)]
    table = table.reset_index(names="construct")
    table["sqrt_ave_exceeds_correlations"] = holds
    return table


def latent_correlation(latent_cov):
    """Correlations of the latent variables; NaN where a variance is negative (flagged in the
    admissibility list, not here)."""
    with np.errstate(invalid="ignore"):
        sd = np.sqrt(np.diag(latent_cov))
    return latent_cov / np.outer(sd, sd)


def htmt(data, constructs, variant="htmt2"):
    """Heterotrait-monotrait ratio (Henseler et al. 2015) for every pair of constructs, as
    semTools::htmt: absolute item correlations; "htmt" averages them arithmetically, "htmt2"
    (Roemer et al. 2021; semTools 0.5-6's default) geometrically. Square DataFrame."""
    if variant not in ("htmt", "htmt2"):
        raise ValueError("variant is 'htmt' or 'htmt2'")
    items = [i for cols in constructs.values() for i in cols]
    R = correlation(data, items).abs()
    names = list(constructs)
    mean = (lambda x: float(np.exp(np.mean(np.log(x))))) if variant == "htmt2" else np.mean

    def block(a, b):
        values = R.loc[constructs[a], constructs[b]].to_numpy()
        if a == b:
            values = values[~np.eye(len(values), dtype=bool)]
        return mean(values.ravel())

    mono = {n: block(n, n) for n in names}
    out = pd.DataFrame([[block(a, b) / np.sqrt(mono[a] * mono[b]) for b in names] for a in names],
                       index=names, columns=names)
    return out


def htmt_long(data, constructs):
    """Both HTMT variants per pair of constructs (lower triangle): construct_a, construct_b,
    htmt, htmt2."""
    h1, h2 = htmt(data, constructs, "htmt"), htmt(data, constructs, "htmt2")
    names = list(constructs)
    return pd.DataFrame([{"construct_a": a, "construct_b": b, "htmt": h1.loc[a, b],
                          "htmt2": h2.loc[a, b]}
                         for i, a in enumerate(names) for b in names[i + 1:]])


def kmo(data, columns=None):
    """Kaiser-Meyer-Olkin measure of sampling adequacy, as psych::KMO: overall MSA and a
    Series of per-item MSA, from the correlation and anti-image (partial) correlations."""
    R = correlation(data, columns)
    Q = np.linalg.inv(R.to_numpy())
    d = np.sqrt(np.diag(Q))
    P = Q / np.outer(d, d)  # partial correlations (up to sign, which is squared away)
    r2, p2 = R.to_numpy() ** 2, P**2
    np.fill_diagonal(r2, 0)
    np.fill_diagonal(p2, 0)
    overall = r2.sum() / (r2.sum() + p2.sum())
    per_item = r2.sum(axis=0) / (r2.sum(axis=0) + p2.sum(axis=0))
    return float(overall), pd.Series(per_item, index=R.columns, name="msa")


def bartlett_sphericity(data, columns=None):
    """Bartlett's test that the correlation matrix is the identity, as
    psych::cortest.bartlett(R, n): chisq = -(n - 1 - (2p + 5)/6) log|R|, df = p(p - 1)/2."""
    frame = _complete(data, columns)
    n, p = frame.shape
    _, logdet = np.linalg.slogdet(frame.corr().to_numpy())
    chisq = -(n - 1 - (2 * p + 5) / 6) * logdet
    df = p * (p - 1) // 2
    return {"chisq": float(chisq), "df": df, "pvalue": float(stats.chi2.sf(chisq, df)),
            "n": n, "p": p}


def harman_single_factor(data, columns=None):
    """Harman's single-factor test as usually run (SPSS, unrotated principal components of the
    item correlation matrix): the share of total variance of the first component, with the
    usual cut-offs (< 40% in most Chinese papers; < 50% = no majority, Podsakoff et al. 2003)."""
    eig = np.linalg.eigvalsh(correlation(data, columns).to_numpy())[::-1]
    share = float(eig[0] / eig.sum())
    return {"method": "unrotated principal components of the item correlations",
            "first_component_share": share, "first_eigenvalue": float(eig[0]),
            "n_eigenvalues_above_1": int((eig > 1).sum()), "n_items": len(eig),
            "below_40_percent": share < 0.40, "below_50_percent": share < 0.50}


def _varimax(x, eps=1e-5, max_iter=1000):
    """R's stats::varimax with Kaiser normalisation; returns (loadings, rotation matrix)."""
    sc = np.sqrt((x**2).sum(axis=1))
    x = x / sc[:, None]
    p, k = x.shape
    T, d = np.eye(k), 0.0
    for _ in range(max_iter):
        z = x @ T
        B = x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p)
        u, s, vt = np.linalg.svd(B)
        T, d_past, d = u @ vt, d, s.sum()
        if d < d_past * (1 + eps):
            break
    return (x @ T) * sc[:, None], T


def promax(loadings, m=4):
    """Promax rotation as psych::fa(rotate = "promax"), i.e. psych::kaiser(rotate = "Promax"):
    rows normalised to unit length, varimax, target |L|^m (m = 4), least-squares fit to the
    target, rows scaled back. statsmodels' own promax (m = 2, no normalisation) differs.
    Returns (pattern loadings, factor correlation matrix)."""
    loadings = np.asarray(loadings, dtype=float)
    h = np.sqrt((loadings**2).sum(axis=1))[:, None]
    x, T = _varimax(loadings / h)
    Q = x * np.abs(x) ** (m - 1)
    U = np.linalg.lstsq(x, Q, rcond=None)[0]
    U = U @ np.diag(np.sqrt(np.diag(np.linalg.inv(U.T @ U))))
    ui = np.linalg.inv(T @ U)
    return (x @ U) * h, ui @ ui.T


def efa(data, n_factors, columns=None, constructs=None):
    """Exploratory factor analysis for the appendix: maximum-likelihood extraction with
    statsmodels' Factor on the item correlations, promax rotation (m = 4, as psych::fa(fm =
    "ml", rotate = "promax")). Factors are ordered by their sum of squared loadings and signed
    so that their loadings sum to a positive number, as psych does.

    Returns (loadings DataFrame: item, [construct,] F1..Fk, communality; factor correlations)."""
    frame = _complete(data, columns)
    R = frame.corr().to_numpy()
    # a seeded start: statsmodels otherwise draws its EM starting values from fresh OS entropy,
    # and two runs differed in the sixth decimal
    fit = Factor(corr=R, n_factor=n_factors, method="ml", nobs=len(frame),
                 endog_names=list(frame.columns)).fit(rng=0)
    unrotated = np.asarray(fit.loadings)
    if n_factors > 1:
        pattern, phi = promax(unrotated)
    else:
        pattern, phi = unrotated, np.eye(1)
    sign = np.where(pattern.sum(axis=0) < 0, -1.0, 1.0)
    pattern, phi = pattern * sign, phi * np.outer(sign, sign)
    order = np.argsort(-(pattern**2).sum(axis=0), kind="stable")
    pattern, phi = pattern[:, order], phi[np.ix_(order, order)]
    names = [f"F{k + 1}" for k in range(n_factors)]
    table = pd.DataFrame(pattern, columns=names)
    table.insert(0, "item", list(frame.columns))
    if constructs is not None:
        of = {i: c for c, items in constructs.items() for i in items}
        table.insert(1, "construct", [of.get(i, "") for i in frame.columns])
    table["communality"] = (unrotated**2).sum(axis=1)
    return table, pd.DataFrame(phi, index=names, columns=names)
