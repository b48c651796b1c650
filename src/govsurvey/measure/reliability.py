"""Measurement model: reliability per construct, item analysis, standardized loadings, and
descriptive statistics of the items.

Which variant each figure is, and whose reference it matches (tests/test_measurement.py):

- alpha: Cronbach's alpha on the raw items (psych::alpha raw_alpha); its 95% CI by Feldt's
  F-distribution method (psych::alpha's `feldt`, i.e. psych::alpha.ci).
- item analysis: corrected item-total correlation (psych r.drop: item vs. the sum of the other
  items) and alpha if the item is deleted (psych alpha.drop raw_alpha).
- omega: McDonald's omega from the CFA with the observed total-score variance in the
  denominator, (sum lambda)^2 phi / sum(S) -- semTools::compRelSEM defaults (obs.var = TRUE,
  tau.eq = FALSE), which Bentler (2009) calls omega.
- cr, ave: composite reliability and average variance extracted of Fornell & Larcker (1981)
  from the standardized (std.all) loadings: CR = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)),
  AVE = mean(l^2) -- the form most theses report.
- ave_semtools: semTools::AVE defaults (obs.var = TRUE): sum(lambda^2) phi / sum(diag S).
"""

import numpy as np
import pandas as pd
from scipy import stats


def construct_items(instrument):
    """{construct code: [item codes]} in questionnaire order."""
    return {code: [item.code for item in c.items] for code, c in instrument.constructs.items()}


def cronbach_alpha(items):
    """Cronbach's alpha of the columns of `items` (complete cases), as psych::alpha's raw_alpha."""
    values = items.dropna().to_numpy(dtype=float)
    k = values.shape[1]
    item_variances = values.var(axis=0, ddof=1).sum()
    total_variance = values.sum(axis=1).var(ddof=1)
    return k / (k - 1) * (1 - item_variances / total_variance)


def alpha_ci_feldt(alpha, n, k, level=0.95):
    """Feldt's (1965) confidence interval of alpha from n respondents and k items, as
    psych::alpha.ci: 1 - (1 - alpha) * F quantile with (n - 1, (n - 1)(k - 1)) df."""
    tail = (1 - level) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    upper = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return float(lower), float(upper)


def item_analysis(scored, constructs):
    """Per item: n, mean, sd, corrected item-total correlation (r_drop) and alpha if the item
    is deleted, within its construct (complete cases of the construct's items).
    `constructs` is {construct: [items]} (see construct_items)."""
    rows = []
    for construct, columns in constructs.items():
        block = scored[columns].dropna().astype(float)
        total = block.sum(axis=1)
        for item in columns:
            rest = block.drop(columns=item)
            rows.append({
                "construct": construct, "item": item, "n": len(block),
                "mean": block[item].mean(), "sd": block[item].std(ddof=1),
                "r_drop": float(np.corrcoef(block[item], total - block[item])[0, 1]),
                "alpha_if_deleted": cronbach_alpha(rest) if rest.shape[1] > 1 else np.nan,
            })
    return pd.DataFrame(rows)


def standardized_loadings(cfa):
    """The CFA's loadings: construct, item, est, se, pvalue, std_all, std_all_se, r2 (=std_all^2)."""
    p = cfa.params[cfa.params["op"] == "=~"]
    out = p[["lhs", "rhs", "est", "se", "pvalue", "std_all", "std_all_se"]].rename(
        columns={"lhs": "construct", "rhs": "item"}).reset_index(drop=True)
    out["r2"] = out["std_all"] ** 2
    return out


def cfa_reliability(cfa):
    """omega (semTools compRelSEM), cr and ave (Fornell & Larcker, std.all), ave_semtools,
    sqrt_ave and the lowest loading, per factor of a fitted CFA (SemFit). See module doc."""
    p = cfa.params[cfa.params["op"] == "=~"]
    S, phi = cfa.sample_cov, cfa.latent_cov
    rows = []
    for factor, rows_f in p.groupby("lhs", sort=False):
        items = list(rows_f["rhs"])
        lam, std = rows_f["est"].to_numpy(), rows_f["std_all"].to_numpy()
        var_f = phi.loc[factor, factor]
        block = S.loc[items, items].to_numpy()
        cr = std.sum() ** 2 / (std.sum() ** 2 + (1 - std**2).sum())
        ave = float(np.mean(std**2))
        rows.append({
            "construct": factor,
            "omega": lam.sum() ** 2 * var_f / block.sum(),
            "cr": cr, "ave": ave, "sqrt_ave": np.sqrt(ave),
            "ave_semtools": (lam**2).sum() * var_f / np.trace(block),
            "min_loading": std.min(),
        })
    return pd.DataFrame(rows)


def reliability_table(scored, instrument, cfa=None, level=0.95):
    """One row per construct: construct, role, n_items, n, alpha, its Feldt CI; with a fitted
    CFA (SemFit) also omega, cr, ave, sqrt_ave, ave_semtools, min_loading."""
    rows = []
    for code, columns in construct_items(instrument).items():
        n = int(scored[columns].dropna().shape[0])
        alpha = cronbach_alpha(scored[columns])
        lower, upper = alpha_ci_feldt(alpha, n, len(columns), level)
        rows.append({"construct": code, "role": instrument.constructs[code].role,
                     "n_items": len(columns), "n": n, "alpha": alpha,
                     "alpha_ci_lower": lower, "alpha_ci_upper": upper})
    table = pd.DataFrame(rows)
    if cfa is not None:
        table = table.merge(cfa_reliability(cfa), on="construct", how="left")
    return table


def descriptives_table(scored, instrument):
    """Mean, SD, skewness and excess kurtosis of each item and construct score (scored data)."""
    rows = []
    for code, construct in instrument.constructs.items():
        columns = [item.code for item in construct.items]
        for name, values in [*((c, scored[c]) for c in columns), (code, scored[columns].mean(axis=1))]:
            values = values.dropna().to_numpy(dtype=float)
            rows.append(
                {
                    "variable": name,
                    "construct": code,
                    "level": "construct" if name == code else "item",
                    "n": len(values),
                    "mean": values.mean(),
                    "sd": values.std(ddof=1),
                    "skewness": stats.skew(values, bias=False),
                    "kurtosis": stats.kurtosis(values, bias=False),
                }
            )
    return pd.DataFrame(rows)
