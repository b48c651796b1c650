"""Measurement model: reliability per construct and descriptive statistics of the items."""

import re

import pandas as pd
from scipy import stats


def cronbach_alpha(items):
    """Cronbach's alpha of the columns of `items` (complete cases), as psych::alpha's raw_alpha."""
    values = items.dropna().to_numpy(dtype=float)
    k = values.shape[1]
    item_variances = values.var(axis=0, ddof=1).sum()
    total_variance = values.sum(axis=1).var(ddof=1)
    return k / (k - 1) * (1 - item_variances / total_variance)


def reliability_table(scored, instrument):
    rows = []
    for code, construct in instrument.constructs.items():
        columns = [item.code for item in construct.items]
        rows.append(
            {
                "construct": code,
                "role": construct.role,
                "n_items": len(columns),
                "n": int(scored[columns].dropna().shape[0]),
                "alpha": cronbach_alpha(scored[columns]),
            }
        )
    return pd.DataFrame(rows)


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


def measurement_model(model_text):
    """The CFA part of a lavaan model: its `=~` lines (factors covary freely)."""
    lines = [line.split("#", 1)[0].strip() for line in model_text.splitlines()]
    return "\n".join(line for line in lines if re.search(r"=~", line)) + "\n"


def construct_scores(scored, instrument):
    return pd.DataFrame(
        {code: scored[[i.code for i in c.items]].mean(axis=1) for code, c in instrument.constructs.items()}
    )
