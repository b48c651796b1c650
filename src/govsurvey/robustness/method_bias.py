"""Common-method bias beyond Harman's test (which the measure stage reports,
govsurvey.measure.validity.harman_single_factor):

- the single-factor CFA against the CFA (Δχ²; a single factor that fits as well would mean one
  common source explains the items);
- the unmeasured latent method construct (ULMC; Podsakoff et al. 2003): the CFA with a method
  factor every item loads on, orthogonal to the traits (models.method_factor). Its Δχ² against
  the trait-only CFA, the share of item variance the method factor explains (the mean squared
  standardized method loading; Williams, Cote & Buckley 1989 report about 25% as typical of
  published studies) and, for a model with paths, the change in each structural path between
  the trait-only model and the same model with the method factor;
- with a marker variable (a question theoretically unrelated to the constructs, declared as
  `marker:` in the instrument): Lindell & Whitney's (2001) partial-correlation adjustment of
  the construct correlations, r_A = (r_U − r_M) / (1 − r_M), with r_M the smallest positive
  correlation between the marker and a construct, t = r_A / √((1 − r_A²)/(n − 3)); and the CFA
  marker model (models.marker_model) with the share of substantive item variance on the
  marker factor.

Every model here is fitted by ML (the ULMC's share and path changes are point estimates and ML
tests). When the study's primary estimator is MLR, the single-factor and ULMC difference tests
are also given under it (Satorra–Bentler 2001, by compare_nested): `primary_test` of each.
"""

import math

import numpy as np
import pandas as pd
from scipy import stats

from govsurvey.robustness import models as M
from govsurvey.robustness.competing import _admissible, fit_model, nested_test
from govsurvey.sem.robust import apply_mlr

PATH_COLUMNS = ["lhs", "op", "rhs", "label", "est_trait", "se_trait", "pvalue_trait", "std_trait",
                "est_method", "se_method", "pvalue_method", "std_method", "std_change",
                "significant_trait", "significant_method", "changes"]


def method_loadings(fit, method):
    """The standardized loadings on the method factor (std_all of `method =~ item` rows)."""
    p = fit.params
    rows = p[(p["lhs"] == method) & (p["op"] == "=~")]
    return pd.Series(rows["std_all"].to_numpy(), index=rows["rhs"].to_numpy())


def method_share(fit, method, items=None):
    """Mean squared standardized method loading over `items` (default: every item on it)."""
    loadings = method_loadings(fit, method)
    if items is not None:
        loadings = loadings[[i for i in items if i in loadings.index]]
    return float(np.mean(loadings.to_numpy() ** 2)) if len(loadings) else math.nan


def path_changes(trait_fit, method_fit, alpha=0.05):
    """Each structural path (~ rows) of the trait-only and the method-factor model side by side
    (PATH_COLUMNS): std_change is the change of the standardized path; `changes` says whether
    its significance or sign differs."""
    def paths(fit):
        p = fit.params
        return p[p["op"] == "~"].set_index(["lhs", "op", "rhs"])

    a, b = paths(trait_fit), paths(method_fit)
    rows = []
    for key, r in a.iterrows():
        m = b.loc[key]
        sig_a, sig_b = bool(r["pvalue"] < alpha), bool(m["pvalue"] < alpha)
        rows.append({"lhs": key[0], "op": key[1], "rhs": key[2], "label": r["label"],
                     "est_trait": r["est"], "se_trait": r["se"], "pvalue_trait": r["pvalue"],
                     "std_trait": r["std_all"], "est_method": m["est"], "se_method": m["se"],
                     "pvalue_method": m["pvalue"], "std_method": m["std_all"],
                     "std_change": m["std_all"] - r["std_all"], "significant_trait": sig_a,
                     "significant_method": sig_b,
                     "changes": sig_a != sig_b or np.sign(r["est"]) != np.sign(m["est"])})
    return pd.DataFrame(rows, columns=PATH_COLUMNS)


def marker_adjustment(data, constructs, marker_items, alpha=0.05):
    """Lindell & Whitney's (2001) adjustment of the correlations among the construct scores
    (item means; `constructs` {code: [items]}) by the marker's score (mean of `marker_items`):
    one row per pair with r, r_adjusted, t, p and significance before and after; and r_M."""
    frame = data[[i for items in constructs.values() for i in items] + list(marker_items)].dropna()
    scores = pd.DataFrame({c: frame[items].mean(axis=1) for c, items in constructs.items()})
    marker = frame[list(marker_items)].mean(axis=1)
    with_marker = scores.corrwith(marker)
    positive = with_marker[with_marker > 0]
    r_m = float(positive.min()) if len(positive) else 0.0
    n, R = len(frame), scores.corr()
    rows = []
    codes = list(constructs)
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            r = float(R.loc[a, b])
            r_a = (r - r_m) / (1 - r_m)
            t = r_a / math.sqrt((1 - r_a ** 2) / (n - 3))
            p = float(2 * stats.t.sf(abs(t), n - 3))
            p_u = float(2 * stats.t.sf(abs(r / math.sqrt((1 - r ** 2) / (n - 2))), n - 2))
            rows.append({"construct_a": a, "construct_b": b, "r": r, "pvalue": p_u, "r_adjusted": r_a,
                         "t_adjusted": t, "pvalue_adjusted": p, "significant": p_u < alpha,
                         "significant_adjusted": p < alpha})
    return pd.DataFrame(rows), {"r_marker": r_m, "n": int(n),
                                "marker_correlations": {k: float(v) for k, v in with_marker.items()}}


def method_bias(parsed, data, fits, loadings="equal", marker_items=(), alpha=0.05, estimator="ML",
                fitter=fit_model, log=None, primary="ML"):
    """(summary, paths table, marker table or None). `fits` holds the competing models' ML fits
    (at least `one_factor` and `cfa`; `structural` for a model with paths). `primary` the
    study's estimator: under MLR each difference test is repeated as the Satorra–Bentler scaled
    difference of the MLR fits (`primary_test`, with its scaling factor)."""
    log = log or (lambda line: None)

    def under_primary(restricted, general):
        if primary == "ML":
            return None
        if primary != "MLR":
            raise ValueError(f"method bias is tested under ML or MLR, not {primary}")
        test = nested_test(apply_mlr(restricted), apply_mlr(general))
        return {**test, "estimator": primary, "rejected": bool(test["pvalue"] < alpha)}

    summary = {"single_factor": {**nested_test(fits["one_factor"], fits["cfa"], estimator),
                                 "chisq_one_factor": fits["one_factor"].fit["chisq"],
                                 "df_one_factor": fits["one_factor"].fit["df"],
                                 "cfi_one_factor": fits["one_factor"].fit["cfi"],
                                 "rmsea_one_factor": fits["one_factor"].fit["rmsea"]}}
    summary["single_factor"]["rejected"] = bool(summary["single_factor"]["pvalue"] < alpha)
    summary["single_factor"]["primary_test"] = under_primary(fits["one_factor"], fits["cfa"])
    cfa_method = M.method_factor(M.cfa(parsed), loadings)
    fit_cm = fitter(cfa_method, data, log)
    test = nested_test(fits["cfa"], fit_cm, estimator)
    share = method_share(fit_cm, cfa_method.method)
    summary["ulmc"] = {
        "loadings": loadings, "converged": bool(fit_cm.converged), "admissible": _admissible(fit_cm),
        "problems": [p["kind"] for p in fit_cm.admissibility if p["severity"] == "inadmissible"],
        "chisq": fit_cm.fit["chisq"], "df": fit_cm.fit["df"], "cfi": fit_cm.fit["cfi"],
        "rmsea": fit_cm.fit["rmsea"], "srmr": fit_cm.fit["srmr"], **test,
        "improves_fit": bool(test["pvalue"] < alpha), "method_variance_share": share,
        "primary_test": under_primary(fits["cfa"], fit_cm) if fit_cm.converged else None,
    }
    paths = None
    if parsed.structural:
        sem_method = M.method_factor(parsed, loadings)
        fit_sm = fitter(sem_method, data, log)
        paths = path_changes(fits["structural"], fit_sm, alpha)
        summary["ulmc"].update(structural_converged=bool(fit_sm.converged),
                               structural_admissible=_admissible(fit_sm),
                               paths_changed=paths.loc[paths["changes"], ["lhs", "rhs"]].apply(
                                   lambda r: f"{r['lhs']} ~ {r['rhs']}", axis=1).tolist(),
                               max_abs_std_change=float(paths["std_change"].abs().max()))
    marker = None
    if marker_items:
        marker, facts = marker_adjustment(data, parsed.factors, marker_items, alpha)
        mm = M.marker_model(M.cfa(parsed), list(marker_items))
        fit_mm = fitter(mm, data, log)
        facts.update(items=list(marker_items), converged=bool(fit_mm.converged),
                     admissible=_admissible(fit_mm),
                     substantive_variance_share=method_share(fit_mm, mm.method, sorted(parsed.indicators)),
                     pairs_losing_significance=int((marker["significant"] & ~marker["significant_adjusted"]).sum()))
        summary["marker"] = facts
    return summary, paths, marker
