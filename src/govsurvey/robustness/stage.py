"""The robustness stage as the workflow runs it (scripts/robustness.py): every result of
results/<street>/robustness/ from the analysis sample, the ledger, the ingested responses, the
instrument and the model."""

import time

import pandas as pd

from govsurvey.robustness import models as M
from govsurvey.robustness.competing import compare_models, fit_model
from govsurvey.robustness.method_bias import PATH_COLUMNS, method_bias
from govsurvey.robustness.normality import normality
from govsurvey.robustness.sensitivity import SensitivityData, _rows, sensitivity
from govsurvey.sem.ordinal_bootstrap import empty_table, wlsmv_bootstrap
from govsurvey.screening.rules import score

MARKER_COLUMNS = ["construct_a", "construct_b", "r", "pvalue", "r_adjusted", "t_adjusted",
                  "pvalue_adjusted", "significant", "significant_adjusted"]


def mahalanobis_records(responses, ledger, instrument):
    """The records the Mahalanobis rule excluded and no other rule did (besides listwise
    deletion, which the fit applies anyway), reverse-keyed like the analysis sample."""
    ledger = ledger.reset_index(drop=True)
    others = [r for r in ("duplicate_id", "duplicate_ip", "duplicate_window", "out_of_range",
                          "missing_share", "speeder", "attention_check", "straightlining", "irv",
                          "evenodd") if r in ledger]
    only = ledger["mahalanobis"] & ~ledger["kept"] & ~ledger[others].any(axis=1)
    records = set(ledger.loc[only, "record"])
    picked = responses[responses["record"].isin(records)].reset_index(drop=True)
    return score(picked, instrument)


def incomplete_records(responses, ledger, instrument):
    """The records screening excluded only because they were incomplete (primary reason
    `incomplete` and no other rule fired), reverse-keyed like the analysis sample: what FIML
    adds to it."""
    ledger = ledger.reset_index(drop=True)
    only = ~ledger["kept"] & (ledger["primary_reason"] == "incomplete") & (ledger["reasons"] == "incomplete")
    records = set(ledger.loc[only, "record"])
    picked = responses[responses["record"].isin(records)].reset_index(drop=True)
    return score(picked, instrument)


def _estimator_facts(estimator, norm, items, sens_facts):
    """Why the primary estimator: Mardia's tests, the share of items beyond the Curran, West
    & Finch limits, and whether MLR and WLSMV agree with ML on every path and effect."""
    agreement = sens_facts.get("agreement", {})
    return {"primary": estimator,
            "mardia_skew_p": norm["skew_p"], "mardia_kurtosis_z": norm["kurtosis_z"],
            "mardia_kurtosis_p": norm["kurtosis_p"],
            "multivariate_normal_rejected": norm["multivariate_normal_rejected"],
            "share_items_beyond_limits": float(items["beyond_limits"].mean()) if len(items) else None,
            "limits": norm["limits"],
            "agreement_with_ml": {v: agreement[v] for v in ("mlr", "wlsmv", "fiml") if v in agreement}}


def _wlsmv_bootstrap(fit, scored, settings, seed, level, alpha, source, log):
    """(table, facts) of the WLSMV bootstrap of the sensitivity table's WLSMV rows; the empty
    table when robustness.wlsmv_bootstrap.draws is 0 or there is no WLSMV fit to resample."""
    draws = int((settings.get("wlsmv_bootstrap") or {}).get("draws", 0))
    if not draws or fit is None:
        reason = "off" if not draws else "no WLSMV fit (no structural model, or WLSMV failed)"
        return empty_table(), {"ran": False, "draws": draws, "reason": reason}
    table, summary, _ = wlsmv_bootstrap(fit, scored, draws, seed, _rows, level=level, alpha=alpha,
                                        log=log, source=f"{source}: robustness.wlsmv_bootstrap.draws")
    log(f"robustness: WLSMV bootstrap: {summary['admissible']} of {draws} draws used "
        f"({summary['failed']} failed, {summary['not_converged']} not converged, "
        f"{summary['inadmissible']} inadmissible)")
    indirect = table[table["kind"] == "indirect"]
    return table, {"ran": True, **summary,
                   "indirect": int(len(indirect)),
                   "indirect_agree": int(indirect["agree"].sum()),
                   "indirect_disagree": list(indirect.loc[~indirect["agree"], "route"])}


def robustness_results(scored, parsed, instrument, settings, alpha=0.05, ledger=None,
                       responses=None, log=print, source="config.yaml", estimator="ML", seed=0,
                       level=0.95):
    """{name: DataFrame or dict} of the stage's files (govsurvey.paths.STAGES['robustness']).
    `estimator`: the study's primary estimator (analysis.estimator: ML or MLR), under which the
    competing models are compared; they are also compared under WLSMV. `seed`, `level`: the
    WLSMV bootstrap's (analysis.seed, analysis.bootstrap.level)."""
    started = time.perf_counter()
    items = [i for i in instrument.item_codes if i in parsed.indicators]
    norm, item_table = normality(scored, items, alpha, source)
    log(f"robustness: Mardia b1p={norm['b1p']:.3f} (p={norm['skew_p']:.3g}), "
        f"b2p={norm['b2p']:.3f} (z={norm['kurtosis_z']:.3f}, p={norm['kurtosis_p']:.3g})")

    models = M.competing_models(parsed, settings.get("alternatives"), source)
    nested = [(name, spec["nested_in"]) for name, spec in settings.get("alternatives", {}).items()
              if spec.get("nested_in")]
    table, fits, _, verdict = compare_models(models, scored, alpha, estimator, nested=nested, log=log)
    log(f"robustness: competing models ({estimator}): {verdict['text']}")
    table_wlsmv, _, _, verdict_wlsmv = compare_models(models, scored, alpha, "WLSMV", nested=nested,
                                                      log=log)
    verdict_wlsmv.pop("text")  # facts only; the chapter words them
    log(f"robustness: competing models (WLSMV): " + "; ".join(
        f"{t['restricted']} vs {t['general']}: Δχ²={t['chisq_diff']:.3f} Δdf={t['df_diff']} "
        f"p={t['pvalue']:.3g}" for t in verdict_wlsmv["tests"]))

    marker_items = [i.code for i in getattr(instrument, "marker", ())]
    loadings = settings["method_factor"]["loadings"]
    if estimator != "ML":  # method bias is judged on ML fits (same estimates as MLR)
        fits = {m.name: fit_model(m.model, scored) for m in models
                if m.name in ("one_factor", "cfa", "structural")}
    bias, paths, marker = method_bias(parsed, scored, fits, loadings, marker_items, alpha, log=log,
                                      primary=estimator)
    u = bias["ulmc"]
    log(f"robustness: ULMC ({loadings} loadings) {'converged' if u['converged'] else 'NOT converged'}; "
        f"method variance share {u['method_variance_share']:.3f}; "
        f"Δχ²={u['chisq_diff']:.3f} Δdf={u['df_diff']} p={u['pvalue']:.3g}")

    extra = None
    if ledger is not None and responses is not None and "mahalanobis" in ledger:
        extra = mahalanobis_records(responses, ledger, instrument)
    incomplete = None
    if ledger is not None and responses is not None:
        incomplete = incomplete_records(responses, ledger, instrument)
    demographics = {d.code: d for d in instrument.demographics}
    data = SensitivityData(scored, extra, incomplete, list(settings.get("controls", [])),
                           demographics, source)
    sens = pd.DataFrame()
    sens_facts, fits = {}, {}
    if parsed.structural:
        sens, fits, sens_facts = sensitivity(data, parsed, alpha=alpha, log=log)
        sens_facts["mahalanobis_records_added"] = 0 if extra is None else int(len(extra))
        sens_facts["incomplete_records_added"] = 0 if incomplete is None else int(len(incomplete))
        log(f"robustness: sensitivity: {sens_facts['text']}")
    boot, boot_facts = _wlsmv_bootstrap(fits.get("wlsmv"), scored, settings, seed, level, alpha,
                                        source, log)
    seconds = time.perf_counter() - started
    log(f"robustness: done in {seconds:.1f} s")
    summary = {"competing": verdict, "competing_wlsmv": verdict_wlsmv, "method_bias": {
                   "single_factor_rejected": bias["single_factor"]["rejected"],
                   "ulmc_admissible": u["admissible"], "ulmc_improves_fit": u["improves_fit"],
                   "ulmc_primary_test": u["primary_test"],
                   "method_variance_share": u["method_variance_share"],
                   "paths_changed": u.get("paths_changed", []), "marker": "marker" in bias},
               "normality": {k: norm[k] for k in ("multivariate_normal_rejected", "items_beyond_limits",
                                                   "max_abs_skew", "max_abs_kurtosis")},
               "estimator": _estimator_facts(estimator, norm, item_table, sens_facts),
               "sensitivity": sens_facts, "wlsmv_bootstrap": boot_facts}
    return {
        "competing": table,
        "competing_wlsmv": table_wlsmv,
        "method_bias": bias,
        "method_paths": paths if paths is not None else pd.DataFrame(columns=PATH_COLUMNS),
        "marker": marker if marker is not None else pd.DataFrame(columns=MARKER_COLUMNS),
        "normality": norm,
        "normality_items": item_table,
        "sensitivity": sens,
        "wlsmv_bootstrap": boot,
        "summary": summary,
    }
