"""Differences in construct scores: against the scale's midpoint, between streets and between
groups of respondents, with effect sizes and a multiplicity correction.

A construct score is the mean of the construct's items (reverse-keyed items recoded), over
respondents who answered all of them. The tests are scipy's and statsmodels' (checked against
them in tests/test_compare.py); what this module adds is the table shape, the effect sizes and
the correction:

- midpoint: one-sample t test of mean = midpoint of the scale (measure.scores, also run per street);
- two groups: Welch's t test (unequal variances); Hedges' g, the pooled-SD d corrected for
  small samples by J = 1 - 3 / (4 (n1 + n2) - 9) (Hedges, 1981);
- more groups: Welch's ANOVA (statsmodels anova_oneway, use_var="unequal"); η² = SS_between /
  SS_total and ω² = (SS_between - (k - 1) MS_within) / (SS_total + MS_within), from the
  classical decomposition (Olejnik & Algina, 2003);
- every table's p values are corrected together by Holm's step-down method (statsmodels
  multipletests), as `p_holm`.
"""

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.oneway import anova_oneway

from govsurvey.errors import InputError
from govsurvey.measure.scores import construct_scores, holm, midpoint_tests  # noqa: F401 (part of this stage's API)


def hedges_g(x, y):
    """Standardized mean difference (x - y) with the pooled SD, small-sample corrected."""
    n1, n2 = len(x), len(y)
    pooled = np.sqrt(((n1 - 1) * np.var(x, ddof=1) + (n2 - 1) * np.var(y, ddof=1)) / (n1 + n2 - 2))
    return (np.mean(x) - np.mean(y)) / pooled * (1 - 3 / (4 * (n1 + n2) - 9))


def eta_omega_squared(samples):
    """η² and ω² of a one-way layout from the classical sums of squares."""
    allx = np.concatenate(samples)
    grand = allx.mean()
    ss_between = sum(len(s) * (s.mean() - grand) ** 2 for s in samples)
    ss_total = ((allx - grand) ** 2).sum()
    ms_within = (ss_total - ss_between) / (len(allx) - len(samples))
    return ss_between / ss_total, (ss_between - (len(samples) - 1) * ms_within) / (ss_total + ms_within)


def group_tests(scores, groups, comparison, min_n=2):
    """Every construct compared across the groups of respondents.

    scores: construct scores (DataFrame); groups: a Series of group names aligned with scores
    (NaN: no group; such respondents are left out); comparison: the name of this grouping.
    Two groups: Welch's t test and Hedges' g (first group minus second, in order of first
    appearance); more: Welch's ANOVA with η² and ω². Returns one row per construct with
    comparison, construct, test, groups, n (per group, '/'-joined), means, statistic, df1, df2,
    pvalue, effect (g or η²), omega2, p_holm.
    """
    labels = list(dict.fromkeys(groups.dropna()))
    sizes = groups.value_counts()
    small = [g for g in labels if sizes[g] < min_n]
    if len(labels) < 2 or small:
        raise InputError(comparison, f"needs two or more groups of at least {min_n} respondents "
                         f"(groups: {dict(sizes)}).", "choose another grouping or merge small groups in config.")
    rows = []
    for construct in scores.columns:
        samples = [scores.loc[groups == g, construct].dropna().to_numpy(dtype=float) for g in labels]
        base = {"comparison": comparison, "construct": construct, "groups": " / ".join(map(str, labels)),
                "n": "/".join(str(len(s)) for s in samples), "means": "/".join(f"{s.mean():.3f}" for s in samples)}
        if len(samples) == 2:
            result = stats.ttest_ind(samples[0], samples[1], equal_var=False)
            rows.append({**base, "test": "welch_t", "statistic": result.statistic, "df1": result.df,
                         "df2": np.nan, "pvalue": result.pvalue, "effect": hedges_g(*samples), "omega2": np.nan})
        else:
            result = anova_oneway(samples, use_var="unequal")
            eta2, omega2 = eta_omega_squared(samples)
            rows.append({**base, "test": "welch_anova", "statistic": result.statistic, "df1": result.df_num,
                         "df2": result.df_denom, "pvalue": result.pvalue, "effect": eta2, "omega2": omega2})
    return holm(pd.DataFrame(rows))
