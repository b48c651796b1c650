"""How the structural paths and the effects they imply hold up across variants of the analysis:
one row per structural path and per indirect or total effect, one column group per variant.

The variants are a registry, VARIANTS: name -> function(data, model) -> SemFit (or None when the
variant does not apply: no Mahalanobis exclusions, no controls configured). `data` is a
SensitivityData (the analysis sample and what the variants need besides); `model` the study's
ParsedModel. Another estimator is one more line, e.g.

    VARIANTS["mlr"] = lambda data, model: fit_sem(model, data.scored, estimator="MLR")

The first variant is the primary analysis the others are read against: ML on the analysis
sample. MLR has ML's estimates with sandwich SEs; WLSMV treats every analysed item as ordinal
(polychorics, DWLS); FIML adds the records screening excluded only for being incomplete (and
keeps any partial records the sample holds when listwise deletion is off). FIML and WLSMV do
not take observed exogenous predictors, so the controls stay with ML.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govsurvey.errors import InputError
from govsurvey.robustness.competing import fit_model
from govsurvey.sem.fiml import fit_fiml
from govsurvey.sem.effects import effects_table
from govsurvey.study.model import ParsedModel, Statement

VALUE_COLUMNS = ("est", "std_all", "se", "ci_lower", "ci_upper", "pvalue")
ROW_COLUMNS = ["key", "kind", "lhs", "rhs", "route", "label"]
EFFECT_KINDS = ("indirect", "total_indirect", "total", "defined")


@dataclass
class SensitivityData:
    """The analysis sample (`scored`), the records the Mahalanobis rule alone excluded, scored
    the same way (`mahalanobis`, possibly empty), the records screening excluded only because
    they were incomplete, scored the same way (`incomplete`, possibly empty), the demographic
    controls (`controls`: codes) and the instrument's demographics ({code: Demographic}) that
    say which are categorical."""

    scored: pd.DataFrame
    mahalanobis: pd.DataFrame = None
    incomplete: pd.DataFrame = None
    controls: list = field(default_factory=list)
    demographics: dict = field(default_factory=dict)
    source: str = "config.yaml"


def control_columns(frame, controls, demographics, source="config.yaml"):
    """(frame with the control columns added, their names): a numeric demographic as it is, a
    categorical one as dummies of its categories present (the most frequent one the reference),
    constant columns left out."""
    frame = frame.copy()
    names = []
    for code in controls:
        if code not in frame.columns:
            raise InputError(f"{source}: robustness.controls", f"the control '{code}' is not a column "
                             "of the analysis sample.", "name demographics of the instrument that "
                             "the export carries (e.g. gender, age).")
        d = demographics.get(code)
        values = pd.to_numeric(frame[code], errors="coerce")
        if d is not None and d.numeric:
            frame[f"ctl_{code}"] = values
            names.append(f"ctl_{code}")
            continue
        counts = values.value_counts()
        reference = counts.index[0] if len(counts) else None
        for category in sorted(counts.index):
            if category == reference:
                continue
            name = f"ctl_{code}_{int(category)}"
            frame[name] = np.where(values.isna(), np.nan, (values == category).astype(float))
            names.append(name)
    return frame, names


def with_controls(parsed, names):
    """The model with every control regressed into every endogenous latent variable."""
    latent = set(parsed.factors)
    endogenous = list(dict.fromkeys(y for y, _ in parsed.regressions if y in latent))
    statements = list(parsed.statements)
    for y in endogenous:
        last = max(k for k, s in enumerate(statements) if s.op == "~" and s.lhs == y)
        statements[last + 1:last + 1] = [Statement(y, "~", c) for c in names]
    return ParsedModel(statements, list(parsed.definitions), f"{parsed.source} (with controls)")


def ml(data, model):
    return fit_model(model, data.scored)


def mlr(data, model):
    return fit_model(model, data.scored, estimator="MLR")


def wlsmv(data, model):
    """Every analysed item ordinal (fit_model's default under WLSMV)."""
    return fit_model(model, data.scored, estimator="WLSMV")


def _analysed(model):
    return [v for v in model.indicators if v not in model.factors]


def fiml(data, model):
    """FIML on the analysis sample plus the records excluded only for being incomplete; None
    when no record of that sample has a missing answer (FIML would be ML)."""
    parts = [data.scored] + ([data.incomplete] if data.incomplete is not None else [])
    frame = pd.concat(parts, ignore_index=True)
    if not frame[_analysed(model)].isna().any(axis=None):
        return None
    return fit_fiml(model, frame, log=lambda line: None, source=model.source)


def ml_with_mahalanobis(data, model):
    """ML on the analysis sample plus the records only the Mahalanobis rule excluded."""
    if data.mahalanobis is None or not len(data.mahalanobis):
        return None
    return fit_model(model, pd.concat([data.scored, data.mahalanobis], ignore_index=True))


def ml_controls(data, model):
    if not data.controls:
        return None
    frame, names = control_columns(data.scored, data.controls, data.demographics, data.source)
    return fit_model(with_controls(model, names), frame)


VARIANTS = {"ml": ml, "mlr": mlr, "wlsmv": wlsmv, "fiml": fiml,
            "ml_with_mahalanobis": ml_with_mahalanobis, "ml_controls": ml_controls}


def _rows(fit):
    """The paths and effects of a fit, keyed alike across variants (a control's paths excluded)."""
    p = fit.params
    latent = set(fit.parsed.factors)
    paths = p[(p["op"] == "~") & p["lhs"].isin(latent) & p["rhs"].isin(latent)]
    rows = [{"key": f"{r.lhs} ~ {r.rhs}", "kind": "path", "lhs": r.lhs, "rhs": r.rhs, "route": "",
             "label": r.label, **{c: getattr(r, c) for c in VALUE_COLUMNS}}
            for r in paths.itertuples()]
    effects = effects_table(fit)
    effects = effects[effects["kind"].isin(EFFECT_KINDS) & effects["cause"].isin(latent | {""})]
    rows += [{"key": f"{r.kind}: {r.route or r.label}", "kind": r.kind, "lhs": r.outcome,
              "rhs": r.cause, "route": r.route, "label": r.label,
              **{c: getattr(r, c) for c in VALUE_COLUMNS}} for r in effects.itertuples()]
    return pd.DataFrame(rows)


def sensitivity(data, model, variants=None, alpha=0.05, log=None):
    """(table, fits, facts): the table has ROW_COLUMNS, then `<variant>_<value>` for each value
    in VALUE_COLUMNS and each variant that applies (the primary first), and `changes` (the
    variants in which the row's sign or significance at `alpha` differs from the primary's).
    `facts` lists the variants run, skipped (not applicable) and failed (an InputError, e.g.
    an item WLSMV cannot treat as ordinal; the primary may not fail), the rows that change,
    and per variant whether every path and every effect agrees with the primary (`agreement`)."""
    log = log or (lambda line: None)
    variants = VARIANTS if variants is None else variants
    fits, skipped, failed = {}, [], {}
    for k, (name, function) in enumerate(variants.items()):
        try:
            fit = function(data, model)
        except InputError as error:
            if not k:  # the primary analysis must run
                raise
            failed[name] = str(error)
            log(f"robustness: variant {name} cannot be fitted (left out): {error}")
            continue
        if fit is None:
            skipped.append(name)
            log(f"robustness: variant {name} does not apply (skipped)")
            continue
        fits[name] = fit
        log(f"robustness: variant {name}: N={fit.n}, chisq={fit.fit['chisq']:.3f} df={fit.fit['df']}, "
            f"{'converged' if fit.converged else 'NOT converged'} in {fit.seconds:.2f} s")
    names = list(fits)
    primary = names[0]
    table = _rows(fits[primary])[ROW_COLUMNS]
    for name in names:
        values = _rows(fits[name]).set_index("key")[list(VALUE_COLUMNS)]
        values = values.reindex(table["key"]).add_prefix(f"{name}_").reset_index(drop=True)
        table = pd.concat([table, values], axis=1)
    changes, described = [], []
    for _, r in table.iterrows():
        base_sig, base_sign = r[f"{primary}_pvalue"] < alpha, np.sign(r[f"{primary}_est"])
        differ = [n for n in names[1:] if not math.isnan(r[f"{n}_est"]) and (
            (r[f"{n}_pvalue"] < alpha) != base_sig or np.sign(r[f"{n}_est"]) != base_sign)]
        changes.append(";".join(differ))
        described += [{"key": r["key"], "variant": n,
                       "sign_changes": bool(np.sign(r[f"{n}_est"]) != base_sign),
                       "significant_primary": bool(base_sig),
                       "significant_variant": bool(r[f"{n}_pvalue"] < alpha)} for n in differ]
    table["changes"] = changes
    agreement = {}
    for n in names[1:]:
        differ = table["changes"].str.split(";").apply(lambda v: n in v)
        agreement[n] = {"paths_agree": not bool(differ[table["kind"] == "path"].any()),
                        "effects_agree": not bool(differ[table["kind"] != "path"].any())}
    facts = {"primary": primary, "variants": names, "skipped": skipped, "failed": failed,
             "alpha": alpha, "n": {n: int(f.n) for n, f in fits.items()},
             "agreement": agreement, "changes": described,
             "text": _sentence(described, names, primary)}
    return table, fits, facts


def _sentence(described, names, primary):
    if len(names) == 1:
        return f"Only the primary analysis ({primary}) applies; no variant to compare."
    if not described:
        return (f"No structural path or effect changes sign or significance between {primary} and "
                f"{', '.join(names[1:])}.")
    parts = [f"{d['key']} {'changes sign' if d['sign_changes'] else 'becomes ' + ('significant' if d['significant_variant'] else 'non-significant')} "
             f"under {d['variant']}" for d in described]
    return "; ".join(parts) + "."
