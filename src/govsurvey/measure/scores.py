"""Construct scores and where they stand on the scale: the one-sample t test of every
construct's mean against the scale's midpoint, Holm-corrected over the constructs.

Run per street by the measure stage (the chapter's opening says which problems lie below the
midpoint) and per street by the comparison. scipy's ttest_1samp and statsmodels' multipletests
(checked against them in tests/test_compare.py); d = (M - midpoint) / SD.
"""

import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests


def construct_scores(scored, instrument):
    """Respondent x construct means of the (reverse-scored) items; NaN when an item is missing."""
    return pd.DataFrame({code: scored[[i.code for i in c.items]].mean(axis=1, skipna=False)
                         for code, c in instrument.constructs.items()})  # fmt: skip


def midpoint_tests(scores, midpoint, group="all"):
    """One-sample t tests of every construct's mean against `midpoint`."""
    rows = []
    for construct in scores.columns:
        x = scores[construct].dropna().to_numpy(dtype=float)
        result = stats.ttest_1samp(x, midpoint)
        ci = result.confidence_interval(0.95)
        rows.append({"group": group, "construct": construct, "n": len(x), "mean": x.mean(), "sd": x.std(ddof=1),
                     "midpoint": midpoint, "t": result.statistic, "df": result.df, "pvalue": result.pvalue,
                     "d": (x.mean() - midpoint) / x.std(ddof=1), "ci_lower": ci.low, "ci_upper": ci.high})  # fmt: skip
    return holm(pd.DataFrame(rows))


def holm(table):
    """Add p_holm: the table's p values corrected together by Holm's method."""
    table = table.copy()
    table["p_holm"] = multipletests(table["pvalue"].to_numpy(), method="holm")[1] if len(table) else []
    return table
