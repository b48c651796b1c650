"""Screening: which respondents are kept, and why every other one is not (the ledger)."""

import numpy as np
import pandas as pd

from govsurvey.errors import InputError

# Order in which reasons become the primary reason of an exclusion.
REASONS = {
    "duplicate": "Duplicate submission (same IP hash, identical answers)",
    "attention_check": "Failed the attention check",
    "speeder": "Completed too fast",
    "straightlining": "Straight-lining (long run of identical answers)",
    "incomplete": "Missing item answers (listwise deletion for the model)",
}


def longstring(answers):
    """Longest run of identical consecutive answers in each row (careless::longstring)."""
    values = answers.to_numpy(dtype=float)
    longest = np.ones(len(values), dtype=int)
    run = np.ones(len(values), dtype=int)
    for j in range(1, values.shape[1]):
        same = values[:, j] == values[:, j - 1]  # NaN breaks a run
        run = np.where(same, run + 1, 1)
        longest = np.maximum(longest, run)
    return longest


def _duplicates(responses, answer_columns):
    """Later submissions that repeat an earlier one's IP hash and every answer."""
    if "ip_hash" not in responses:
        return pd.Series(False, index=responses.index)
    order = responses.sort_values(["submitted_at", "record"] if "submitted_at" in responses else ["record"])
    # One hash per row of answers (NaN-aware), so equal answer vectors compare equal.
    key = pd.DataFrame({"ip": order["ip_hash"], "answers": pd.util.hash_pandas_object(order[answer_columns], index=False)})
    repeated = key.duplicated(keep="first") & order["ip_hash"].notna()
    return repeated.reindex(responses.index)


def screen(responses, instrument, settings):
    """Apply the screening rules; return the ledger, one row per raw record."""
    items = instrument.item_codes
    checks = [c.code for c in instrument.attention_checks]
    answers = checks + items + [d.code for d in instrument.demographics if d.code in responses]
    ledger = pd.DataFrame({"record": responses["record"].to_numpy()}, index=responses.index)
    ledger["duration_s"] = responses["duration_s"]
    ledger["longstring"] = longstring(responses[items])
    flags = pd.DataFrame(False, index=responses.index, columns=list(REASONS))
    if settings["duplicates"]:
        flags["duplicate"] = _duplicates(responses, answers)
    if settings["attention_check"]:
        for check in instrument.attention_checks:
            # An unanswered check counts as failed: the respondent did not follow the instruction.
            flags["attention_check"] |= responses[check.code].ne(check.expected)
    speeders = settings["speeders"]
    if speeders["enabled"]:
        limit = max(speeders["min_seconds"], speeders["median_fraction"] * responses["duration_s"].median())
        flags["speeder"] = responses["duration_s"] < limit
    straight = settings["straightlining"]
    if straight["enabled"]:
        flags["straightlining"] = ledger["longstring"] > straight["max_longstring"]
    if settings["listwise"]:
        flags["incomplete"] = responses[items].isna().any(axis=1)
    ledger = ledger.join(flags)
    ledger["reasons"] = flags.apply(lambda row: ";".join(r for r in REASONS if row[r]), axis=1)
    ledger["primary_reason"] = ledger["reasons"].str.split(";").str[0]
    ledger["kept"] = ledger["reasons"] == ""
    return ledger[["record", "kept", "primary_reason", "reasons", *REASONS, "duration_s", "longstring"]]


def summarize(ledger):
    """Counts by primary reason; n_raw = n_kept + sum of exclusions, checked."""
    excluded = ledger.loc[~ledger["kept"], "primary_reason"].value_counts()
    by_reason = {reason: int(excluded.get(reason, 0)) for reason in REASONS}
    flagged = {reason: int(ledger[reason].sum()) for reason in REASONS}
    summary = {
        "n_raw": len(ledger),
        "n_kept": int(ledger["kept"].sum()),
        "n_excluded": int((~ledger["kept"]).sum()),
        "excluded_by_primary_reason": by_reason,
        "flagged_by_rule": flagged,
    }
    if summary["n_raw"] != summary["n_kept"] + sum(by_reason.values()):
        raise AssertionError(f"ledger does not add up: {summary}")
    return summary


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
        scored[code] = instrument.reverse_score(scored[code])
    return scored
