"""Multivariate and univariate normality of the items, as psych 2.2.9 computes them.

- `mardia`: Mardia's (1970) multivariate skewness b1p and kurtosis b2p with their tests, as
  psych::mardia (complete cases; the covariance with divisor n − 1): skew statistic n·b1p/6
  against χ² with p(p+1)(p+2)/6 df, the small-sample skew n·k·b1p/6 with
  k = (p+1)(n+1)(n+3) / (n((n+1)(p+1) − 6)), kurtosis z = (b2p − p(p+2)) / √(8p(p+2)/n),
  two-sided normal p.
- `item_moments`: per item n, mean, sd, skew and excess kurtosis as psych::describe (its
  default type 3: m3 / sd³ and m4 / sd⁴ − 3, with the sample sd, divisor n − 1).

Used to say why an estimator is primary: ML assumes multivariate normal items; |skew| > 2 or
|kurtosis| > 7 (Curran, West & Finch 1996) are the usual limits for single items.
"""

import numpy as np
import pandas as pd
from scipy import stats

from govsurvey.errors import InputError

SKEW_LIMIT, KURTOSIS_LIMIT = 2.0, 7.0  # Curran, West & Finch (1996)


def _complete(data, columns, source):
    frame = data[list(columns)].apply(pd.to_numeric, errors="coerce").dropna()
    if len(frame) <= len(columns):
        raise InputError(source, f"only {len(frame)} complete rows for {len(columns)} items: Mardia's "
                         "coefficients need more rows than items.", "collect more responses.")
    return frame.to_numpy(dtype=float)


def mardia(data, columns, source="data"):
    """Mardia's coefficients and tests of the complete cases of `columns` (psych::mardia)."""
    x = _complete(data, columns, source)
    n, p = x.shape
    centred = x - x.mean(axis=0)
    S = np.cov(centred, rowvar=False)  # divisor n - 1, as psych
    D = centred @ np.linalg.solve(S, centred.T)
    b1p = float(np.sum(D ** 3) / n ** 2)
    b2p = float(np.sum(np.diag(D) ** 2) / n)
    df = p * (p + 1) * (p + 2) / 6
    k = (p + 1) * (n + 1) * (n + 3) / (n * ((n + 1) * (p + 1) - 6))
    skew, small_skew = n * b1p / 6, n * k * b1p / 6
    kurtosis = (b2p - p * (p + 2)) * np.sqrt(n / (8 * p * (p + 2)))
    return {"n": int(n), "p": int(p), "b1p": b1p, "b2p": b2p, "skew": float(skew),
            "skew_df": float(df), "skew_p": float(stats.chi2.sf(skew, df)),
            "small_skew": float(small_skew), "small_skew_p": float(stats.chi2.sf(small_skew, df)),
            "kurtosis_z": float(kurtosis), "kurtosis_p": float(2 * stats.norm.sf(abs(kurtosis))),
            "expected_b2p": float(p * (p + 2))}


def item_moments(data, columns):
    """Per item: n, mean, sd, skew and excess kurtosis (psych::describe, type 3), and whether
    either exceeds the usual limits."""
    rows = []
    for c in columns:
        v = pd.to_numeric(data[c], errors="coerce").dropna().to_numpy(dtype=float)
        n, sd = len(v), np.std(v, ddof=1) if len(v) > 1 else np.nan
        d = v - v.mean() if n else v
        skew = np.sum(d ** 3) / (n * sd ** 3) if n > 1 and sd > 0 else np.nan
        kurt = np.sum(d ** 4) / (n * sd ** 4) - 3 if n > 1 and sd > 0 else np.nan
        rows.append({"item": c, "n": n, "mean": v.mean() if n else np.nan, "sd": sd,
                     "skew": skew, "kurtosis": kurt,
                     "beyond_limits": bool(abs(skew) > SKEW_LIMIT or abs(kurt) > KURTOSIS_LIMIT)})
    return pd.DataFrame(rows)


def normality(data, columns, alpha=0.05, source="data"):
    """(summary dict, item table): Mardia's tests and the item moments, with the verdict facts
    (multivariate normality rejected by skew or kurtosis at `alpha`; items beyond the limits)."""
    m = mardia(data, columns, source)
    items = item_moments(data, columns)
    m.update({
        "multivariate_normal_rejected": bool(m["skew_p"] < alpha or m["kurtosis_p"] < alpha),
        "items_beyond_limits": items.loc[items["beyond_limits"], "item"].tolist(),
        "max_abs_skew": float(items["skew"].abs().max()),
        "max_abs_kurtosis": float(items["kurtosis"].abs().max()),
        "limits": {"skew": SKEW_LIMIT, "kurtosis": KURTOSIS_LIMIT},
    })
    return m, items
