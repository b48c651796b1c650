"""The competing models in one table (fit by `fit_model` under the study's estimator: ML or
MLR; or by WLSMV with every analysed item ordinal) and the nested tests between them, with
the verdict facts the tests support.

Every difference test is govsurvey.sem.nested.compare_nested's (lavaan's lavTestLRT): Δχ² under
ML, the Satorra–Bentler (2001) scaled difference under MLR, DIFFTEST (satorra.2000) under WLSMV.
The table's fit columns are the figures a chapter reports under the estimator (ML's names):
under MLR the Yuan–Bentler scaled χ² and the robust CFI/TLI/RMSEA (indices.reported_fit),
under WLSMV the scaled-and-shifted χ² and the scaled CFI/TLI/RMSEA (as Mplus prints them; AIC
and BIC do not exist there).
"""

import math

import pandas as pd

from govsurvey.errors import InputError
from govsurvey.sem.fit import fit_sem
from govsurvey.sem.indices import reported_fit
from govsurvey.sem.nested import compare_nested

FIT_COLUMNS = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower",
               "rmsea_ci_upper", "srmr", "aic", "bic"]
TABLE_COLUMNS = ["model", "kind", "label_zh", "label_en", "estimator", "converged", "admissible",
                 *FIT_COLUMNS, "compared_with", "chisq_diff", "df_diff", "pvalue_diff",
                 "scaling_factor_diff", "test_method", "preferred"]
# The nested pairs the generated models form: (restricted, general). The structural model is
# nested in the CFA when it constrains the factor covariances (more df); with equal df it is
# an equivalent model and not tested.
NESTED_PAIRS = [("one_factor", "cfa"), ("structural", "partial_mediation"), ("structural", "cfa")]
ESTIMATORS = ("ML", "MLR", "WLSMV")
# WLSMV's reported figures under ML's names (the scaled-and-shifted test and its indices)
WLSMV_REPORTED = {"chisq": "chisq_scaled", "pvalue": "pvalue_scaled", "cfi": "cfi_scaled",
                  "tli": "tli_scaled", "rmsea": "rmsea_scaled", "rmsea_ci_lower": "rmsea_ci_lower_scaled",
                  "rmsea_ci_upper": "rmsea_ci_upper_scaled"}


def nested_test(fit_restricted, fit_general, estimator=None):
    """The difference test of two nested fits of one estimator, restricted (more df) against
    general, by compare_nested: {chisq_diff, df_diff, pvalue, scaling_factor, method}. NaN p
    when Δdf is not positive. `estimator` (optional) must match the fits'."""
    have = fit_restricted.fit.get("estimator", "ML")
    if estimator is not None and estimator != have:
        raise ValueError(f"the fits are {have} fits, not {estimator}")
    table = compare_nested([fit_general, fit_restricted], ["general", "restricted"], log=lambda line: None)
    row = table.set_index("model").loc["restricted"]
    ddf = fit_restricted.fit["df"] - fit_general.fit["df"]
    if ddf <= 0:  # compare_nested orders by df; a pair the wrong way round is no test
        return {"chisq_diff": math.nan, "df_diff": int(ddf), "pvalue": math.nan,
                "scaling_factor": math.nan, "method": table.attrs["method"]}
    return {"chisq_diff": float(row["delta_chisq"]), "df_diff": int(row["delta_df"]),
            "pvalue": float(row["p"]), "scaling_factor": float(row["scaling_factor"]),
            "method": table.attrs["method"]}


def fit_model(model, data, log=None, estimator="ML", ordered=None):
    """The fitter of every model in this stage: fit_sem under ML or MLR, fit_wlsmv under WLSMV
    (`ordered`: the items treated as ordinal, default every observed variable of the model)."""
    log = log or (lambda line: None)
    if estimator == "WLSMV":
        from govsurvey.sem.dwls import fit_wlsmv  # the ordinal machinery only where it is used

        if ordered is None:
            ordered = sorted(v for v in model.indicators if v not in model.factors)
        return fit_wlsmv(model, data, ordered=ordered, log=log, source=model.source)
    return fit_sem(model, data, log=log, source=model.source, estimator=estimator)


def _admissible(fit):
    return fit.converged and not any(p["severity"] == "inadmissible" for p in fit.admissibility)


def _reported(fit):
    f = fit.fit
    if f.get("estimator") == "WLSMV":
        return {**f, **{ours: f[theirs] for ours, theirs in WLSMV_REPORTED.items() if theirs in f}}
    return reported_fit(f)


def compare_models(models, data, alpha=0.05, estimator="ML", fitter=fit_model, log=None,
                   nested=()):
    """Fit each CompetingModel under `estimator` (ML, MLR or WLSMV) and test the nested pairs.
    `nested` adds (restricted, general) pairs (alternatives a study declares nested). Returns
    (table, fits, tests, verdict): one row per model that could be fitted (TABLE_COLUMNS; the
    test columns filled on the restricted model's row), {name: SemFit}, [test dicts] and the
    verdict facts (see `verdict`; `failed` lists the models the estimator could not fit, e.g.
    an alternative with observed predictors under WLSMV)."""
    if estimator not in ESTIMATORS:
        raise InputError("config.yaml: analysis.estimator", f"unknown estimator {estimator!r} for the "
                         "competing models.", f"use one of {', '.join(ESTIMATORS)}.")
    log = log or (lambda line: None)
    fits, failed = {}, {}
    for m in models:
        try:
            fits[m.name] = fitter(m.model, data, log, estimator)
        except InputError as error:
            if estimator != "WLSMV":  # the primary estimator must fit every model
                raise
            failed[m.name] = str(error)
            log(f"robustness: {m.name} cannot be fitted by WLSMV: {error}")
    tests = []
    for restricted, general in [*NESTED_PAIRS, *nested]:
        if restricted not in fits or general not in fits:
            continue
        fr, fg = fits[restricted], fits[general]
        if fr.fit["df"] <= fg.fit["df"]:
            continue  # not nested by df (equivalent or the other way round)
        test = nested_test(fr, fg)
        test.update(restricted=restricted, general=general,
                    admissible=_admissible(fr) and _admissible(fg),
                    preferred=general if test["pvalue"] < alpha else restricted)
        tests.append(test)
    rows = []
    for m in models:
        if m.name not in fits:
            continue
        f = fits[m.name]
        reported = _reported(f)
        row = {"model": m.name, "kind": m.kind, "label_zh": m.label["zh"], "label_en": m.label["en"],
               "estimator": f.fit.get("estimator", "ML"), "converged": bool(f.converged),
               "admissible": _admissible(f), **{k: reported.get(k, math.nan) for k in FIT_COLUMNS}}
        own = [t for t in tests if t["restricted"] == m.name]
        if own:  # the first test of this model against a more general one
            t = own[0]
            row.update(compared_with=t["general"], chisq_diff=t["chisq_diff"], df_diff=t["df_diff"],
                       pvalue_diff=t["pvalue"], scaling_factor_diff=t["scaling_factor"],
                       test_method=t["method"], preferred=t["preferred"])
        rows.append(row)
    table = pd.DataFrame(rows).reindex(columns=TABLE_COLUMNS)
    facts = verdict(table, tests, alpha)
    facts.update(estimator=estimator, failed=sorted(failed))
    return table, fits, tests, facts


def verdict(table, tests, alpha):
    """The facts the chapter states: per test which model it favours, and the models with the
    smallest AIC and BIC among the admissible ones (None where the estimator has none, as
    WLSMV); `text` says it in one English sentence (the chapter's own sentences come from the
    prose templates)."""
    ok = table[table["admissible"].astype(bool)]
    best_aic = ok.loc[ok["aic"].idxmin(), "model"] if ok["aic"].notna().any() else None
    best_bic = ok.loc[ok["bic"].idxmin(), "model"] if ok["bic"].notna().any() else None
    parts = []
    for t in tests:
        better = t["pvalue"] < alpha
        parts.append(f"{t['general'] if better else t['restricted']} over "
                     f"{t['restricted'] if better else t['general']} (Δχ² = {t['chisq_diff']:.2f}, "
                     f"Δdf = {t['df_diff']}, p {'< .001' if t['pvalue'] < 0.001 else '= ' + format(t['pvalue'], '.3f')})")
    text = ("The tests favour " + "; ".join(parts) + "; " if parts else "") + (
        f"AIC is smallest for {best_aic}, BIC for {best_bic}." if best_aic else "")
    return {"tests": [{k: t[k] for k in ("restricted", "general", "chisq_diff", "df_diff", "pvalue",
                                         "scaling_factor", "method", "preferred", "admissible")}
                      for t in tests],
            "smallest_aic": best_aic, "smallest_bic": best_bic, "alpha": alpha,
            "text": text}
