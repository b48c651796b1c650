"""Synthetic answers to any questionnaire: one standardized factor per construct.

For tests and examples of studies other than the default one (whose richer population model
is in population.py). Every construct's factor has variance 1 and correlation `correlation`
with every other; each item's continuous response is loading * factor + sqrt(1 - loading^2) *
noise, cut into the instrument's scale points at equally spaced normal quantiles (so the answers
are symmetric around the scale's middle). Reverse-keyed items are answered reversed.
Demographics with options are drawn uniformly; numeric ones (kind: numeric) uniformly between
their min and max (18 and 80 when not given).
"""

import numpy as np
import pandas as pd
from scipy.stats import norm


def simulate_factor_model(instrument, n, seed, loading=0.75, correlation=0.4):
    """Answers of n respondents as codes: record, demographics, items (questionnaire order)."""
    rng = np.random.default_rng(seed)
    k = len(instrument.constructs)
    corr = np.full((k, k), correlation) + (1 - correlation) * np.eye(k)
    factors = rng.multivariate_normal(np.zeros(k), corr, size=n)
    index = {code: j for j, code in enumerate(instrument.constructs)}
    points = np.array(instrument.scale_points)
    cuts = norm.ppf(np.arange(1, len(points)) / len(points))
    frame = {"record": np.arange(1, n + 1)}
    for demo in instrument.demographics:
        if demo.numeric:
            low, high = demo.minimum if demo.minimum is not None else 18, demo.maximum if demo.maximum is not None else 80
            frame[demo.code] = rng.integers(int(low), int(high) + 1, size=n).astype(float)
        else:
            frame[demo.code] = rng.integers(1, len(demo.options) + 1, size=n).astype(float)
    for code, item in instrument.items.items():
        y = loading * factors[:, index[item.construct]] + np.sqrt(1 - loading**2) * rng.standard_normal(n)
        answer = points[np.searchsorted(cuts, y)]
        frame[code] = instrument.reverse_score(answer) if item.reverse else answer
    return pd.DataFrame(frame)


def write_generic_csv(answers, instrument, path, language="en"):
    """A plain csv export: the record column under the instrument's respondent_id header (or
    'ID'), each question under its wording; items as scale numbers, options as their text."""
    header = instrument.metadata.get("respondent_id", {}).get("header", "ID")
    columns = {header: answers["record"].astype(str)}
    for demo in instrument.demographics:
        values = answers[demo.code]
        if demo.numeric:
            columns[getattr(demo, language)] = values.map(lambda v: f"{v:g}")
        else:
            columns[getattr(demo, language)] = values.map(lambda v: demo.options[int(v) - 1][language])
    for code, item in instrument.items.items():
        columns[getattr(item, language)] = answers[code].map(lambda v: f"{v:g}")
    pd.DataFrame(columns).to_csv(path, index=False, encoding="utf-8")
    return path
