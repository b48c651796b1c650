"""Screening: which respondents are kept, and why every other one is not (the ledger).

Every rule looks at every raw record on its own, so the ledger shows all rules that fired for a
record; its primary reason is the first of them in REASONS order. Counting each excluded record
once, by its primary reason, gives n_raw = n_kept + sum of exclusions (checked in `summarize`).
The order runs from "not a separate respondent" over "did not really answer" to statistical
answer patterns, and ends with listwise deletion, so `incomplete` counts exactly the records that
listwise deletion removes on top of every other rule.

The careless-responding indices are in careless.py.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from govsurvey.errors import InputError
from govsurvey.ingest.privacy import mask
from govsurvey.screening.careless import evenodd, irv, longstring, mahalanobis

# Primary-reason order: the first rule that fires is an excluded record's primary reason.
# Display labels are in words.py ("reasons").
REASONS = ("duplicate_id", "duplicate_ip", "duplicate_window", "out_of_range", "missing_share",
           "speeder", "attention_check", "straightlining", "irv", "mahalanobis", "evenodd",
           "incomplete")

# Ingest may turn answers outside the scale into missing values and count them per record here.
OUT_OF_RANGE_COLUMN = "n_out_of_range"


@dataclass
class Screening:
    ledger: pd.DataFrame  # one row per raw record (see `screen`)
    rules: dict  # rule -> {"enabled", "applied", "note" (a code of words "rule_notes" when not
    #                applied), "threshold" (the value a data-dependent limit took, or None)}


# ------------------------------------------------------------------ the rules


def _submitted(responses, source):
    if "submitted_at" not in responses or responses["submitted_at"].isna().all():
        return None
    parsed = pd.to_datetime(responses["submitted_at"], errors="coerce", format="mixed")
    bad = parsed.isna() & responses["submitted_at"].notna()
    if bad.any():
        row = responses.index[bad.to_numpy()][0]
        raise InputError(
            source,
            f"record {responses.loc[row, 'record']}, column submitted_at: '{mask(responses.loc[row, 'submitted_at'])}' "
            "is not a date and time.",
            "check the export's 提交答卷时间 column (expected like 2026/09/03 12:00:00).",
        )
    return parsed


def _answer_keys(responses, columns):
    """One hash per row of answers (NaN-aware), so equal answer vectors compare equal."""
    return pd.util.hash_pandas_object(responses[columns], index=False).to_numpy()


def _later_repeats(group_keys, order):
    """True for each record whose group key already occurred at an earlier position in `order`."""
    key = pd.Series(group_keys, index=np.arange(len(group_keys))).iloc[order]
    repeated = key.duplicated(keep="first") & key.notna()
    return repeated.sort_index().to_numpy()


def _order(responses, submitted):
    """Submission order: time, then the export's record number (Wenjuanxing's 序号)."""
    frame = pd.DataFrame({"t": submitted if submitted is not None else 0, "record": responses["record"].to_numpy()})
    return np.lexsort((frame["record"].to_numpy(), frame["t"].to_numpy()))


def screen(responses, instrument, settings, source="responses", absent=()):
    """Apply the screening rules to the ingested responses; returns a Screening.

    The ledger has one row per raw record: record, kept, primary_reason ('' when kept),
    reasons (every rule that fired, ';'-joined in REASONS order), one boolean column per rule,
    and the indices behind them (duration_s, share_missing, longstring, irv_sd, mahalanobis_d2,
    mahalanobis_p, evenodd_score). `absent` are instrument codes the export does not carry
    (ingest's report says which): a rule that needs them is recorded as not applied.
    """
    responses = responses.reset_index(drop=True)
    absent = set(absent) | {c for c in [*instrument.item_codes, *(c.code for c in instrument.attention_checks)]
                            if c not in responses}
    items = [c for c in instrument.item_codes if c not in absent]
    checks = [c.code for c in instrument.attention_checks if c.code not in absent]
    demographics = [d.code for d in instrument.demographics if d.code in responses]
    in_order = [row for m in instrument.matrices for row in m["rows"] if row in items]
    values = responses[items].to_numpy(dtype=float)
    n = len(responses)
    flags = pd.DataFrame(False, index=responses.index, columns=list(REASONS))
    rules = {key: {"enabled": False, "applied": False, "note": "", "threshold": None} for key in REASONS}

    def rule(key, enabled, fired=None, note="", threshold=None):
        rules[key] = {"enabled": bool(enabled), "applied": bool(enabled) and fired is not None, "note": note,
                      "threshold": threshold}
        if enabled and fired is not None:
            flags[key] = np.asarray(fired, dtype=bool)

    submitted = _submitted(responses, source)
    order = _order(responses, submitted)
    answers = _answer_keys(responses, checks + items + demographics)
    dup = settings["duplicates"]
    if "respondent_hash" in responses:
        rule("duplicate_id", dup["respondent_id"], _later_repeats(responses["respondent_hash"].to_numpy(), order))
    else:
        rule("duplicate_id", dup["respondent_id"], None, "no_respondent_id")
    if "ip_hash" in responses:
        ip = responses["ip_hash"].astype(object)
        keys = np.where(ip.notna(), ip.astype(str) + ":" + answers.astype(str), None)
        rule("duplicate_ip", dup["ip_identical"], _later_repeats(keys, order))
    else:
        rule("duplicate_ip", dup["ip_identical"], None, "no_ip")
    if submitted is not None:
        # Identical answers are only evidence of one person when they vary: two straight-liners
        # who both ticked "agree" throughout are two careless people, not one.
        varied = pd.DataFrame(values).nunique(axis=1).to_numpy() > 1
        frame = pd.DataFrame({"key": np.where(varied, answers, 0), "t": submitted.to_numpy()}).iloc[order]
        gap = frame.groupby("key")["t"].diff() <= pd.Timedelta(minutes=dup["window"]["minutes"])
        rule("duplicate_window", dup["window"]["enabled"], (gap & varied[order]).sort_index().to_numpy())
    else:
        rule("duplicate_window", dup["window"]["enabled"], None, "no_submission_times")

    points = np.array(instrument.scale_points, dtype=float)
    scored = responses[checks + items].to_numpy(dtype=float)
    outside = (~np.isnan(scored) & ~np.isin(scored, points)).any(axis=1)
    if OUT_OF_RANGE_COLUMN in responses:
        outside |= responses[OUT_OF_RANGE_COLUMN].fillna(0).to_numpy() > 0
    rule("out_of_range", settings["out_of_range"], outside)

    share = np.isnan(values).mean(axis=1) if items else np.zeros(n)
    rule("missing_share", settings["missing_share"]["enabled"], share > settings["missing_share"]["max_share"])

    speed = settings["speeders"]
    duration = responses["duration_s"].to_numpy(dtype=float) if "duration_s" in responses else np.full(n, np.nan)
    if np.isnan(duration).all():
        rule("speeder", speed["enabled"], None, "no_completion_times")
    else:
        limit = max(speed["min_seconds"], speed["median_fraction"] * np.nanmedian(duration))
        rule("speeder", speed["enabled"], duration < limit, threshold=float(limit))

    failed = np.zeros(n, dtype=bool)
    for check in (c for c in instrument.attention_checks if c.code in checks):
        # An unanswered check counts as failed: the respondent did not follow the instruction.
        failed |= responses[check.code].ne(check.expected).to_numpy()
    note = "" if checks else "attention_check_absent" if instrument.attention_checks else "no_attention_check"
    rule("attention_check", settings["attention_check"], failed if checks else None, note)

    runs = longstring(responses[in_order]) if in_order else np.zeros(n, dtype=int)
    rule("straightlining", settings["straightlining"]["enabled"], runs > settings["straightlining"]["max_longstring"])
    spread = irv(values)
    rule("irv", settings["irv"]["enabled"], spread < settings["irv"]["min_sd"])

    outliers = mahalanobis(values) if n > len(items) else None
    d2, p = outliers if outliers is not None else (np.full(n, np.nan), np.full(n, np.nan))
    note = "" if outliers is not None else "too_few_records"
    rule(
        "mahalanobis",
        settings["mahalanobis"]["enabled"],
        None if outliers is None else p < settings["mahalanobis"]["p"],
        note,
    )

    blocks = [[i.code for i in c.items if i.code in items] for c in instrument.constructs.values()]
    blocks = [b for b in blocks if b]
    keyed_frame = responses[[code for b in blocks for code in b]].astype(float).copy()
    for code in instrument.reverse_items:
        if code in keyed_frame:
            keyed_frame[code] = instrument.reverse_score(keyed_frame[code])
    eo = evenodd(keyed_frame, [len(b) for b in blocks]) if len(blocks) >= 2 else np.full(n, np.nan)
    note = "" if len(blocks) >= 2 else "one_construct"
    rule(
        "evenodd",
        settings["evenodd"]["enabled"],
        eo > settings["evenodd"]["max_score"] if len(blocks) >= 2 else None,
        note,
    )

    rule("incomplete", settings["listwise"], np.isnan(values).any(axis=1))

    ledger = pd.DataFrame({"record": responses["record"].to_numpy()})
    fired = flags.to_numpy()
    names = np.array(list(REASONS))
    ledger["kept"] = ~fired.any(axis=1)
    ledger["primary_reason"] = np.where(ledger["kept"], "", names[fired.argmax(axis=1)])
    ledger["reasons"] = [";".join(names[row]) for row in fired]
    ledger = ledger.join(flags)
    ledger["duration_s"] = duration
    ledger["share_missing"] = share
    ledger["longstring"] = runs
    ledger["irv_sd"] = spread
    ledger["mahalanobis_d2"] = d2
    ledger["mahalanobis_p"] = p
    ledger["evenodd_score"] = eo
    return Screening(ledger, rules)


def summarize(screening):
    """Counts by primary reason and by rule; n_raw = n_kept + sum of exclusions, checked."""
    ledger = screening.ledger
    excluded = ledger.loc[~ledger["kept"], "primary_reason"].value_counts()
    by_reason = {reason: int(excluded.get(reason, 0)) for reason in REASONS}
    summary = {
        "n_raw": len(ledger),
        "n_kept": int(ledger["kept"].sum()),
        "n_excluded": int((~ledger["kept"]).sum()),
        "n_screened": len(ledger) - sum(v for k, v in by_reason.items() if k != "incomplete"),
        "order": list(REASONS),
        "excluded_by_primary_reason": by_reason,
        "flagged_by_rule": {reason: int(ledger[reason].sum()) for reason in REASONS},
        "rules": screening.rules,
    }
    if summary["n_raw"] != summary["n_kept"] + sum(by_reason.values()):
        raise AssertionError(f"ledger does not add up: {summary}")
    return summary


def missingness_table(responses, ledger, instrument):
    """Item-level missing answers in the screened sample (every rule but listwise deletion).

    Columns: item, construct, n (screened records), n_missing, pct_missing; one row per item.
    """
    screened = ledger["kept"] | (ledger["primary_reason"] == "incomplete")
    items = [c for c in instrument.item_codes if c in responses]
    frame = responses.reset_index(drop=True).loc[screened.to_numpy(), items]
    missing = frame.isna().sum()
    return pd.DataFrame(
        {
            "item": items,
            "construct": [instrument.items[c].construct for c in items],
            "n": len(frame),
            "n_missing": missing.to_numpy().astype(int),
            "pct_missing": (100 * missing / len(frame)).to_numpy() if len(frame) else np.nan,
        }
    )


def kept_sample(responses, ledger, instrument, source):
    """The analysis sample; a clear error when screening left nobody to model."""
    kept = responses.loc[ledger["kept"].to_numpy()].reset_index(drop=True)
    if len(kept) == 0:
        raise InputError(
            source,
            f"screening excluded all {len(responses)} respondents, so there is nothing to model.",
            "read the ledger (results/<street>/clean/ledger.csv) and check the screening thresholds in config.yaml.",
        )
    return kept


def score(kept, instrument):
    """Reverse-key the instrument's reverse items on its own scale (max + min - x)."""
    scored = kept.copy()
    for code in instrument.reverse_items:
        if code in scored:  # a street's export may lack an item (streets.<id>.items_absent)
            scored[code] = instrument.reverse_score(scored[code])
    return scored
