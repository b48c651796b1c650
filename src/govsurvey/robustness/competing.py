"""The competing models in one table (fit by `fit_model`, ML now) and the nested tests between
them, with the verdict the tests support.

`nested_test(fit_restricted, fit_general, estimator)` is the one place a difference test is
computed: the likelihood-ratio (Δχ²) test under ML as lavaan's lavTestLRT computes it
(method "standard"). The estimator argument is there so that govsurvey.sem.nested can take
over (the Satorra–Bentler 2001 scaled difference under MLR, DIFFTEST under WLSMV) without a
change to the callers.
"""

import math

import pandas as pd
from scipy import stats

from govsurvey.sem.fit import fit_sem

FIT_COLUMNS = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower",
               "rmsea_ci_upper", "srmr", "aic", "bic"]
TABLE_COLUMNS = ["model", "kind", "label_zh", "label_en", "converged", "admissible",
                 *FIT_COLUMNS, "compared_with", "chisq_diff", "df_diff", "pvalue_diff",
                 "test_method", "preferred"]
# The nested pairs the generated models form: (restricted, general). The structural model is
# nested in the CFA when it constrains the factor covariances (more df); with equal df it is
# an equivalent model and not tested.
NESTED_PAIRS = [("one_factor", "cfa"), ("structural", "partial_mediation"), ("structural", "cfa")]


def nested_test(fit_restricted, fit_general, estimator="ML"):
    """The difference test of two nested fits (SemFit), restricted (more df) against general:
    {chisq_diff, df_diff, pvalue, method}. ML: Δχ² = χ²_r − χ²_g on df_r − df_g degrees of
    freedom (lavaan's lavTestLRT, method 'standard'); NaN p when Δdf is not positive."""
    if estimator != "ML":
        raise NotImplementedError(f"the nested test under {estimator} is computed by "
                                  "govsurvey.sem.nested; this stage's own test is ML's Δχ²")
    r, g = fit_restricted.fit, fit_general.fit
    diff, ddf = r["chisq"] - g["chisq"], r["df"] - g["df"]
    p = float(stats.chi2.sf(max(diff, 0.0), ddf)) if ddf > 0 else math.nan
    return {"chisq_diff": float(diff), "df_diff": int(ddf), "pvalue": p, "method": "chisq_difference"}


def fit_model(model, data, log=None):
    """The fitter of every model in this stage (ML now)."""
    return fit_sem(model, data, log=log or (lambda line: None), source=model.source)


def _admissible(fit):
    return fit.converged and not any(p["severity"] == "inadmissible" for p in fit.admissibility)


def compare_models(models, data, alpha=0.05, estimator="ML", fitter=fit_model, log=None,
                   nested=()):
    """Fit each CompetingModel and test the nested pairs. `nested` adds (restricted, general)
    pairs (alternatives a study declares nested). Returns (table, fits, tests, verdict):
    one row per model (TABLE_COLUMNS; the test columns filled on the restricted model's row),
    {name: SemFit}, [test dicts] and the verdict facts (see `verdict`)."""
    log = log or (lambda line: None)
    fits = {m.name: fitter(m.model, data, log) for m in models}
    tests = []
    for restricted, general in [*NESTED_PAIRS, *nested]:
        if restricted not in fits or general not in fits:
            continue
        fr, fg = fits[restricted], fits[general]
        if fr.fit["df"] <= fg.fit["df"]:
            continue  # not nested by df (equivalent or the other way round)
        test = nested_test(fr, fg, estimator)
        test.update(restricted=restricted, general=general,
                    admissible=_admissible(fr) and _admissible(fg),
                    preferred=general if test["pvalue"] < alpha else restricted)
        tests.append(test)
    rows = []
    for m in models:
        f = fits[m.name]
        row = {"model": m.name, "kind": m.kind, "label_zh": m.label["zh"], "label_en": m.label["en"],
               "converged": bool(f.converged), "admissible": _admissible(f),
               **{k: f.fit.get(k, math.nan) for k in FIT_COLUMNS}}
        own = [t for t in tests if t["restricted"] == m.name]
        if own:  # the first test of this model against a more general one
            t = own[0]
            row.update(compared_with=t["general"], chisq_diff=t["chisq_diff"], df_diff=t["df_diff"],
                       pvalue_diff=t["pvalue"], test_method=t["method"], preferred=t["preferred"])
        rows.append(row)
    table = pd.DataFrame(rows).reindex(columns=TABLE_COLUMNS)
    return table, fits, tests, verdict(table, tests, alpha)


def verdict(table, tests, alpha):
    """The facts the chapter states: per test which model it favours, and the models with the
    smallest AIC and BIC among the admissible ones; `text` says it in one English sentence (the
    chapter's own sentences come from the prose templates)."""
    ok = table[table["admissible"]]
    best_aic = ok.loc[ok["aic"].idxmin(), "model"] if len(ok) else None
    best_bic = ok.loc[ok["bic"].idxmin(), "model"] if len(ok) else None
    parts = []
    for t in tests:
        better = t["pvalue"] < alpha
        parts.append(f"{t['general'] if better else t['restricted']} over "
                     f"{t['restricted'] if better else t['general']} (Δχ² = {t['chisq_diff']:.2f}, "
                     f"Δdf = {t['df_diff']}, p {'< .001' if t['pvalue'] < 0.001 else '= ' + format(t['pvalue'], '.3f')})")
    text = ("The tests favour " + "; ".join(parts) + "; " if parts else "") + (
        f"AIC is smallest for {best_aic}, BIC for {best_bic}." if best_aic else "")
    return {"tests": [{k: t[k] for k in ("restricted", "general", "chisq_diff", "df_diff", "pvalue",
                                         "method", "preferred", "admissible")} for t in tests],
            "smallest_aic": best_aic, "smallest_bic": best_bic, "alpha": alpha,
            "text": text}
