"""Nested-model comparison in one place, shaped like lavaan 0.6-14's `lavTestLRT(fit1, fit2,
...)`: the models ordered by their degrees of freedom (least restricted first), each row
against the one before it.

- ML: the plain chi-square difference test, with the RMSEA of the difference as lavaan prints.
- MLR: the Satorra-Bentler (2001) scaled difference (lavaan's default for Yuan-Bentler tests,
  `method = "satorra.bentler.2001"`): with T the ML chi-squares, r the df and c the scaling
  factors of the less (1) and more (0) restricted model, cd = (r0 c0 - r1 c1) / (r0 - r1) and
  the statistic (T0 - T1) / cd on r0 - r1 df. The `chisq` column holds the ML chi-squares,
  as lavaan's does ("a robust difference test is a function of two standard statistics").
- WLSMV: lavaan's default there, `method = "satorra.2000"` (the DIFFTEST-like scaled and
  shifted difference), from the WLSMV fits' weight and Delta matrices (dwls.difftest).
"""

import logging
import math

import numpy as np
import pandas as pd
from scipy import stats

from govsurvey.errors import InputError

LRT_COLUMNS = ["model", "df", "aic", "bic", "chisq", "delta_chisq", "delta_rmsea", "delta_df",
               "p", "scaling_factor"]
# lavaan warns when a more restricted model fits better by more than this
_NEGATIVE = np.finfo(float).eps ** (1 / 3)


def _plain(restricted, free):
    """ML: the chi-square difference; its RMSEA as lavaan's lav_fit_rmsea of the difference."""
    d = restricted.fit["chisq"] - free.fit["chisq"]
    ddf = restricted.fit["df"] - free.fit["df"]
    n = restricted.fit["ntotal"]
    rmsea = math.sqrt(max(d / n / ddf - 1 / n, 0.0)) if ddf > 0 else 0.0
    return d, ddf, rmsea, math.nan


def _satorra_bentler_2001(restricted, free):
    """MLR: the Satorra-Bentler (2001) scaled difference (T0 - T1) / cd; NaN when cd < 0."""
    t0, r0, c0 = (restricted.fit[k] for k in ("chisq", "df", "chisq_scaling_factor"))
    t1, r1, c1 = (free.fit[k] for k in ("chisq", "df", "chisq_scaling_factor"))
    if r1 == 0:  # a saturated model has no scaling factor: lavaan takes 1
        c1 = 1.0
    m = r0 - r1
    if m == 0:
        return t0 - t1, m, math.nan, math.nan
    cd = (r0 * c0 - r1 * c1) / m
    if cd < 0:
        cd = math.nan
    return (t0 - t1) / cd, m, math.nan, cd


def _difftest(restricted, free):
    """WLSMV: lavaan's satorra.2000 scaled-and-shifted difference (Mplus' DIFFTEST), dwls.py's."""
    from govsurvey.sem.dwls import difftest  # the ordinal machinery only where it is used

    result = difftest(restricted, free)
    return result["chisq_diff"], result["df_diff"], math.nan, math.nan


DIFFERENCE_TESTS = {"ML": ("chisq", _plain), "MLR": ("satorra.bentler.2001", _satorra_bentler_2001),
                    "WLSMV": ("satorra.2000", _difftest)}


def compare_nested(fits, names=None, log=None, source="models"):
    """lavTestLRT's table for SemFits `fits` (two or more, of one estimator, on the same data),
    labelled `names` (default model1, model2, ... in the order given). Rows are ordered by df;
    each row after the first is tested against the row before: delta_chisq (scaled under MLR),
    delta_df, p, delta_rmsea (ML only, as lavaan prints) and scaling_factor (cd of the scaled
    difference, MLR only). AIC and BIC are the models' own. `table.attrs` holds the method and
    notes (lavaan's warnings: a restricted model fitting better, equal df, a negative cd)."""
    log = log or logging.getLogger(__name__).warning
    fits = list(fits)
    names = list(names) if names is not None else [f"model{k + 1}" for k in range(len(fits))]
    if len(fits) < 2 or len(names) != len(fits):
        raise InputError(source, f"a nested comparison needs two or more models with one name "
                         f"each; got {len(fits)} model(s) and {len(names)} name(s).",
                         "pass the fitted models (and as many names) to compare_nested.")
    estimators = {f.fit.get("estimator", "ML") for f in fits}
    if len(estimators) > 1:
        raise InputError(source, f"the models were fitted by different estimators "
                         f"({', '.join(sorted(estimators))}), so their chi-squares differ in kind.",
                         "fit every model of the comparison with the same estimator.")
    estimator = estimators.pop()
    if estimator not in DIFFERENCE_TESTS:
        raise InputError(source, f"no nested test for estimator {estimator!r}.",
                         f"use one of {', '.join(DIFFERENCE_TESTS)}.")
    variables = {tuple(sorted(f.layout.obs)) for f in fits}
    sizes = {f.n for f in fits}
    if len(variables) > 1 or len(sizes) > 1:
        raise InputError(source, "the models are not fitted to the same data (observed "
                         f"variables or N differ: N = {sorted(sizes)}), so they cannot be nested.",
                         "fit every model to the same items and the same cases.")
    method, test = DIFFERENCE_TESTS[estimator]
    order = sorted(range(len(fits)), key=lambda k: fits[k].fit["df"])  # stable, as R's order
    notes = []
    if not all(f.converged for f in fits):
        notes.append("not all models converged")
    rows = []
    for pos, k in enumerate(order):
        f = fits[k]
        row = {"model": names[k], "df": f.fit["df"], "aic": f.fit["aic"], "bic": f.fit["bic"],
               "chisq": f.fit["chisq"], "delta_chisq": math.nan, "delta_rmsea": math.nan,
               "delta_df": math.nan, "p": math.nan, "scaling_factor": math.nan}
        if pos:
            prev = fits[order[pos - 1]]
            plain = f.fit["chisq"] - prev.fit["chisq"]
            if plain < -_NEGATIVE:
                notes.append(f"{names[k]} fits better than the less restricted "
                             f"{names[order[pos - 1]]} (chi-square difference {plain:.4g}): the "
                             "models are not nested, or the less restricted one missed its "
                             "optimum")
            d, ddf, rmsea, cd = test(f, prev)
            row.update(delta_chisq=d, delta_df=ddf, delta_rmsea=rmsea, scaling_factor=cd)
            if ddf == 0:
                notes.append(f"{names[k]} and {names[order[pos - 1]]} have the same df: no test")
            else:
                row["p"] = float(stats.chi2.sf(d, ddf)) if np.isfinite(d) else math.nan
                if method == "satorra.bentler.2001" and not np.isfinite(cd):
                    notes.append(f"{names[k]}: the scaling factor of the difference is negative")
        rows.append(row)
    table = pd.DataFrame(rows, columns=LRT_COLUMNS)
    table.attrs.update(method=method, estimator=estimator, notes=notes)
    for note in notes:
        log(f"nested test: {note}")
    return table
