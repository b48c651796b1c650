"""Measurement invariance across groups and the multi-group structural model, on groups.py.

The ladder (invariance_ladder) fits the model's measurement part configural -> metric
(loadings) -> scalar (+ intercepts) -> strict (+ residual variances) and compares each step
with the one before by the chi-square difference (as lavTestLRT / semTools::compareFit: ML,
normal theory, plain difference) and by the change in CFI, RMSEA and SRMR.

Criteria (`criteria`):
- "chen2007" (default): Chen (2007, Structural Equation Modeling 14(3), 464-504, p. 501): a
  drop in CFI of at least .010, supplemented by a rise in RMSEA of at least .015 or in SRMR of
  at least .030 (loadings) / .010 (intercepts, residuals), indicates noninvariance; with small
  groups (Chen: total N <= 300; here, as the multi-group model estimates each group on its
  own, when the smallest group has at most `small_group` respondents) the stricter .005 for
  CFI, .010 for RMSEA and .025 (loadings) / .005 (intercepts, residuals) for SRMR.
- "each": CFI drops by at most `cfi_drop` (Cheung & Rensvold, 2002, Structural Equation
  Modeling 9(2), 233-255) and RMSEA rises by at most `rmsea_rise`, each on its own (the rule
  of tests/reference/make_invariance_reference.R).
`meets_criteria` is that change rule alone; `holds` also needs the configural model to fit
by `configural_fit` (a step whose baseline does not fit says nothing) and the step before to
hold. The chi-square difference test is reported beside it (`holds_chisq`, p >= .05).

A step that fails becomes partial: the parameter of the step's own family whose equality
constraint has the largest univariate score test (lavTestScore) is freed in every group
(group.partial), the model refitted and compared again, until the step holds or `max_free`
parameters are freed. Later steps keep what was freed.

Latent means (groups 2.. against the first, whose means are 0) are reported when scalar or
partial scalar invariance holds; the standardized difference divides by the first group's
model-implied latent standard deviation.
"""

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from govsurvey.compare.criteria import CASES_PER_PARAMETER, CHEN_2007, CONFIGURAL_FIT
from govsurvey.sem.groups import (GroupFit, fit_sample, group_sample, parameter_name,
                                  score_tests, wald_test)
from govsurvey.study.model import ParsedModel, Statement, as_parsed

LADDER = {"metric": "loadings", "scalar": "intercepts", "strict": "residuals"}
STEP_COLUMNS = ["step", "model", "partial", "chisq", "df", "pvalue", "cfi", "tli", "rmsea",
                "rmsea_ci_lower", "rmsea_ci_upper", "srmr", "aic", "bic", "compared_to",
                "d_chisq", "d_df", "d_pvalue", "d_cfi", "d_rmsea", "d_srmr", "criteria",
                "meets_criteria", "holds", "holds_chisq", "freed"]
FREED_COLUMNS = ["step", "order", "parameter", "family", "X2", "score_pvalue", "group_a",
                 "group_b", "model", "d_cfi", "d_rmsea", "d_srmr", "holds"]
LATENT_MEAN_COLUMNS = ["model", "factor", "group", "group_label", "reference_group", "est",
                       "se", "z", "pvalue", "ci_lower", "ci_upper", "reference_sd", "std_diff"]
PATH_EQUALITY_COLUMNS = ["lhs", "op", "rhs", "wald", "wald_df", "wald_pvalue", "wald_p_holm",
                         "d_chisq", "d_df", "d_pvalue", "d_p_holm"]


@dataclass
class Invariance:
    """The ladder's tables (pandas, ready for CSV/Parquet) and its fits by model name
    ("configural", "metric", "scalar", "scalar_partial1", ...). `steps`: one row per fitted
    step (STEP_COLUMNS; a step made partial has a row for the full and one for the final
    partial model); `freed`: what was freed, in order (FREED_COLUMNS); `latent_means`
    (LATENT_MEAN_COLUMNS; empty unless scalar invariance holds at least partially);
    `score_tests`: the univariate score tests of every constrained fit, with its `model`."""
    steps: pd.DataFrame
    freed: pd.DataFrame
    latent_means: pd.DataFrame
    score_tests: pd.DataFrame
    fits: dict = field(repr=False)


def step_criteria(step, criteria="chen2007", smallest_group=None, small_group=300,
                  cfi_drop=0.01, rmsea_rise=0.015):
    """The change rule of one step: dict(rule, name, cfi, rmsea, srmr) (srmr None under
    "each"). name: "chen2007_small", "chen2007" or "each"."""
    if criteria == "each":
        return dict(rule="each", name="each", cfi=cfi_drop, rmsea=rmsea_rise, srmr=None)
    if criteria != "chen2007":
        raise ValueError(f"unknown invariance criteria '{criteria}' (chen2007 or each)")
    small = smallest_group is not None and smallest_group <= small_group
    cfi, rmsea, srmr = CHEN_2007["small" if small else "adequate"][step]
    return dict(rule="chen2007", name="chen2007_small" if small else "chen2007", cfi=cfi,
                rmsea=rmsea, srmr=srmr)


def meets(rule, d_cfi, d_rmsea, d_srmr):
    """Whether the changes meet the step's rule (step_criteria). Rounded to 6 places, so a
    change printed as the cut-off counts as on it."""
    d_cfi, d_rmsea, d_srmr = (round(v, 6) for v in (d_cfi, d_rmsea, d_srmr))
    if rule["rule"] == "each":
        return bool(d_cfi >= -rule["cfi"] and d_rmsea <= rule["rmsea"])
    # Chen: noninvariance is a drop in CFI supplemented by a rise in RMSEA or in SRMR
    return not (d_cfi <= -rule["cfi"] and (d_rmsea >= rule["rmsea"] or d_srmr >= rule["srmr"]))


def compare(before, after, cfi_drop=0.01, rmsea_rise=0.015, rule=None):
    """The step from fit `before` to the more constrained `after`: chi-square difference,
    its df and p, CFI, RMSEA and SRMR changes (after - before) and whether they meet `rule`
    (step_criteria; default: "each" with cfi_drop and rmsea_rise)."""
    rule = rule or dict(rule="each", name="each", cfi=cfi_drop, rmsea=rmsea_rise, srmr=None)
    a, b = before.fit, after.fit
    d_chisq, d_df = b["chisq"] - a["chisq"], b["df"] - a["df"]
    d_cfi, d_rmsea, d_srmr = b["cfi"] - a["cfi"], b["rmsea"] - a["rmsea"], b["srmr"] - a["srmr"]
    d_p = float(stats.chi2.sf(d_chisq, d_df)) if d_df > 0 else math.nan
    return dict(d_chisq=d_chisq, d_df=d_df, d_pvalue=d_p, d_cfi=d_cfi, d_rmsea=d_rmsea,
                d_srmr=d_srmr, criteria=rule["name"], meets_criteria=meets(rule, d_cfi, d_rmsea, d_srmr),
                holds_chisq=bool(d_p >= 0.05) if d_df > 0 else True)


def configural_fits(fit, cutoffs=CONFIGURAL_FIT):
    """Whether a fit meets every cut-off (None: no cut-offs, always)."""
    if cutoffs is None:
        return True
    return all(fit.fit[k] >= v if k in ("cfi", "tli") else fit.fit[k] <= v for k, v in cutoffs.items())


def _step_row(step, name, fit, partial, compared_to="", diff=None, freed=()):
    row = dict(step=step, model=name, partial=partial, compared_to=compared_to,
               freed="; ".join(freed))
    row.update({k: fit.fit[k] for k in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea",
                                        "rmsea_ci_lower", "rmsea_ci_upper", "srmr", "aic",
                                        "bic")})
    row.update(diff or dict(d_chisq=math.nan, d_df=math.nan, d_pvalue=math.nan,
                            d_cfi=math.nan, d_rmsea=math.nan, d_srmr=math.nan, criteria="",
                            meets_criteria=True, holds_chisq=True))
    return row


def invariance_ladder(model, data, group, steps=("metric", "scalar", "strict"), max_free=5,
                      criteria="chen2007", cfi_drop=0.01, rmsea_rise=0.015, small_group=300,
                      configural_fit=CONFIGURAL_FIT, log=None, source="model"):
    """Measurement invariance of `model`'s measurement part (ParsedModel.measurement(): its =~
    lines and residual covariances among indicators) across the groups in `data[group]`.

    steps: the steps after configural, in order, of "metric", "scalar", "strict";
    max_free: parameters freed at most per failing step (0: no partial invariance);
    criteria, cfi_drop, rmsea_rise, small_group: the change rule (step_criteria);
    configural_fit: the cut-offs the configural model must meet for any step to hold
    (None: none). Returns an Invariance.
    """
    log = log or logging.getLogger(__name__).info
    sample = group_sample(as_parsed(model, source).measurement(), data, group, log, source)
    fits, step_rows, freed_rows, scores = {}, [], [], []
    previous = fits["configural"] = fit_sample(sample, log=log)
    sizes = data[group].value_counts()
    smallest = int(sizes.min())
    per_group = previous.fit["npar"] / len(sizes)
    if smallest < CASES_PER_PARAMETER * per_group:
        log(f"invariance: WARNING the smallest group has {smallest} respondents for {per_group:.0f} free "
            f"parameters per group (fewer than {CASES_PER_PARAMETER} per parameter): the estimates are unstable")
    base_ok = configural_fits(previous, configural_fit)
    if not base_ok:
        log(f"invariance: WARNING the configural model does not fit (CFI = {previous.fit['cfi']:.3f}, TLI = "
            f"{previous.fit['tli']:.3f}, RMSEA = {previous.fit['rmsea']:.3f}, SRMR = {previous.fit['srmr']:.3f}; "
            f"cut-offs {configural_fit}): no invariance step can hold")
    row = _step_row("configural", "configural", previous, False)
    row["holds"] = base_ok
    step_rows.append(row)
    equal, partial, previous_name, held = [], [], "configural", {}

    def fit_and_score(name, start):
        fit = fit_sample(sample, equal, partial, start=start, log=log)
        fits[name] = fit
        scores.append(score_tests(fit).assign(model=name))
        return fit

    def verdict(diff):
        return {**diff, "holds": bool(diff["meets_criteria"] and base_ok)}

    for step in steps:
        rule = step_criteria(step, criteria, smallest, small_group, cfi_drop, rmsea_rise)
        equal.append(LADDER[step])
        fit = fit_and_score(step, previous)
        diff = verdict(compare(previous, fit, rule=rule))
        step_rows.append(_step_row(step, step, fit, False, previous_name, diff, ()))
        name, freed = step, []
        while not diff["meets_criteria"] and len(freed) < max_free:
            candidates = scores[-1]
            candidates = candidates[(candidates["family"] == LADDER[step]) & ~candidates.apply(
                lambda r: parameter_name(r["lhs"], r["op"], r["rhs"]) in partial, axis=1)]
            if candidates.empty or candidates["X2"].isna().all():
                break
            pick = candidates.loc[candidates["X2"].idxmax()]
            parameter = parameter_name(pick["lhs"], pick["op"], pick["rhs"])
            partial.append(parameter)
            freed.append(parameter)
            name = f"{step}_partial{len(freed)}"
            fit = fit_and_score(name, fit)
            diff = verdict(compare(previous, fit, rule=rule))
            freed_rows.append(dict(step=step, order=len(freed), parameter=parameter,
                                   family=pick["family"], X2=pick["X2"],
                                   score_pvalue=pick["pvalue"], group_a=pick["group_a"],
                                   group_b=pick["group_b"], model=name, d_cfi=diff["d_cfi"],
                                   d_rmsea=diff["d_rmsea"], d_srmr=diff["d_srmr"],
                                   holds=diff["holds"]))
            log(f"invariance: {step} freed {parameter} (score X2 = {pick['X2']:.3f}): "
                f"dCFI = {diff['d_cfi']:.4f}, dRMSEA = {diff['d_rmsea']:.4f}, dSRMR = {diff['d_srmr']:.4f}")
        if freed:
            step_rows.append(_step_row(step, name, fit, True, previous_name, diff, freed))
        held[step] = (name, diff["holds"])
        log(f"invariance: {step} {'holds' if diff['holds'] else 'does not hold'} "
            f"({rule['name']}: dCFI = {diff['d_cfi']:.4f}, dRMSEA = {diff['d_rmsea']:.4f}, "
            f"dSRMR = {diff['d_srmr']:.4f}{'' if base_ok else '; the configural model does not fit'}; "
            f"dchisq = {diff['d_chisq']:.3f} on {diff['d_df']} df, p = {diff['d_pvalue']:.4f})")
        previous, previous_name = fit, name
        base_ok = base_ok and diff["holds"]  # a step holds only on a step that held

    means = pd.DataFrame(columns=LATENT_MEAN_COLUMNS)
    if held.get("scalar", ("", False))[1]:
        means = latent_means(fits[held["scalar"][0]], held["scalar"][0])
    return Invariance(steps=pd.DataFrame(step_rows, columns=STEP_COLUMNS),
                      freed=pd.DataFrame(freed_rows, columns=FREED_COLUMNS),
                      latent_means=means,
                      score_tests=pd.concat(scores, ignore_index=True) if scores else
                      pd.DataFrame(), fits=fits)


def latent_means(fit, name=""):
    """Latent means of groups 2.. in a fit whose first group's means are fixed at 0: each is
    that group's difference from the first, with SE, z, p, 95% CI, and divided by the first
    group's model-implied latent SD (`std_diff`). LATENT_MEAN_COLUMNS."""
    layout = fit.layout
    theta = fit.model.local(fit.x, 0)
    _, phi = layout.implied(theta[:layout.n_free])
    p = fit.params
    rows = p[(p["op"] == "~1") & p["lhs"].isin(layout.latent) & (p["group"] > 1)]
    out = rows[["lhs", "group", "est", "se", "z", "pvalue", "ci_lower", "ci_upper"]].rename(
        columns={"lhs": "factor"}).reset_index(drop=True)
    out.insert(0, "model", name)
    out.insert(3, "group_label", [fit.group_labels[g - 1] for g in out["group"]])
    out.insert(4, "reference_group", fit.group_labels[0])
    out["reference_sd"] = [math.sqrt(phi[layout.inner.index(f), layout.inner.index(f)])
                           for f in out["factor"]]
    out["std_diff"] = out["est"] / out["reference_sd"]
    return out[LATENT_MEAN_COLUMNS]


def without_path_labels(model, source="model"):
    """`model` without labels on its regressions and without := definitions: in several
    groups a label holds its path equal across groups, which the path comparison must not."""
    parsed = as_parsed(model, source)
    return ParsedModel([Statement(s.lhs, s.op, s.rhs, "" if s.op == "~" else s.label, s.fixed)
                        for s in parsed.statements], [], parsed.source)


@dataclass
class PathComparison:
    """The multi-group structural model: `fit` (each regression free per group, `group_equal`
    held equal), `paths` (its regression rows per group, GROUP_COLUMNS plus group_label) and
    `path_equality` (PATH_EQUALITY_COLUMNS: per path the Wald test of equality across groups
    and the chi-square difference of constraining it equal, each with its p value
    Holm-corrected over the paths)."""
    fit: GroupFit
    paths: pd.DataFrame
    path_equality: pd.DataFrame


def compare_paths(model, data, group, group_equal=("loadings",), log=None, source="model"):
    """Fit `model` in each group with every regression free per group (labels on regressions
    dropped, since in a multi-group model a label holds its path equal across groups; :=
    definitions dropped with them) and `group_equal` held equal (default: metric
    invariance, so that paths compare on one scale). Each path is then tested for equality
    across groups by lavTestWald and by the chi-square difference of the refit with that
    one path constrained equal. Returns a PathComparison."""
    log = log or logging.getLogger(__name__).info
    sample = group_sample(without_path_labels(model, source), data, group, log, source)
    base = fit_sample(sample, group_equal, log=log)
    p = base.params
    paths = p[p["op"] == "~"].copy()
    paths.insert(4, "group_label", [base.group_labels[g - 1] for g in paths["group"]])
    rows = []
    for lhs, rhs in dict.fromkeys(zip(paths["lhs"], paths["rhs"])):
        parameter = parameter_name(lhs, "~", rhs)
        wald = wald_test(base, parameter, source)
        equal = fit_sample(sample, group_equal, equal_parameters=[parameter], start=base,
                           log=log)
        d_chisq, d_df = equal.fit["chisq"] - base.fit["chisq"], equal.fit["df"] - base.fit["df"]
        rows.append(dict(lhs=lhs, op="~", rhs=rhs, wald=wald["stat"], wald_df=wald["df"],
                         wald_pvalue=wald["pvalue"], d_chisq=d_chisq, d_df=d_df,
                         d_pvalue=float(stats.chi2.sf(d_chisq, d_df))))
        log(f"paths: {parameter} equal across groups? Wald = {wald['stat']:.3f} on {wald['df']} df, "
            f"dchisq = {d_chisq:.3f} on {d_df} df, p = {rows[-1]['d_pvalue']:.4f}")
    equality = pd.DataFrame(rows)
    # the paths are one family of tests: Holm's step-down correction over them (Holm, 1979)
    for column, raw in (("wald_p_holm", "wald_pvalue"), ("d_p_holm", "d_pvalue")):
        equality[column] = holm_adjust(equality[raw]) if len(equality) else []
    return PathComparison(fit=base, paths=paths.reset_index(drop=True),
                          path_equality=equality.reindex(columns=PATH_EQUALITY_COLUMNS))


def holm_adjust(pvalues):
    """Holm's (1979) step-down adjusted p values, in the order given."""
    p = np.asarray(pvalues, float)
    order = np.argsort(p, kind="stable")
    adjusted = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]).clip(max=1)
    out = np.empty_like(p)
    out[order] = adjusted
    return out
