"""Screening: which respondents are kept, and why every other one is not (the ledger).

Every rule looks at every raw record on its own, so the ledger shows all rules that fired for a
record; its primary reason is the first of them in REASONS order. Counting each excluded record
once, by its primary reason, gives n_raw = n_kept + sum of exclusions (checked in `summarize`).
The order runs from "not a separate respondent" over "did not really answer" to statistical
answer patterns, and ends with listwise deletion, so `incomplete` counts exactly the records that
listwise deletion removes on top of every other rule.

The careless-responding indices follow the definitions of R's careless package 1.2.x (Yentes &
Wilhelm): `longstring`, `irv`, `mahalanobis` (psych::outlier, which careless::mahad calls) and
`evenodd` (sign as in careless >= 1.2.0: higher = more careless).
"""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2

from govsurvey.errors import InputError

# Primary-reason order (first that fires wins) and labels for tables and the flow diagram.
REASON_LABELS = {
    "duplicate_id": {"en": "Duplicate: same respondent identifier", "zh": "重复提交：同一答题者标识"},
    "duplicate_ip": {"en": "Duplicate: same IP, identical answers", "zh": "重复提交：同一IP且答案完全相同"},
    "duplicate_window": {"en": "Duplicate: identical answers within the time window", "zh": "重复提交：时间窗内答案完全相同"},
    "out_of_range": {"en": "Answers outside the scale", "zh": "答案超出量表范围"},
    "missing_share": {"en": "Too many items unanswered", "zh": "未答题项过多"},
    "speeder": {"en": "Completed too fast", "zh": "作答时间过短"},
    "attention_check": {"en": "Failed the attention check", "zh": "未通过注意力检测题"},
    "straightlining": {"en": "Straight-lining (longstring)", "zh": "连续相同作答（longstring）"},
    "irv": {"en": "Too little response variability (IRV)", "zh": "作答变异过小（IRV）"},
    "mahalanobis": {"en": "Multivariate outlier (Mahalanobis D²)", "zh": "多元离群值（马氏距离D²）"},
    "evenodd": {"en": "Inconsistent answers (even-odd)", "zh": "作答前后不一致（奇偶一致性）"},
    "incomplete": {"en": "Missing item answers (listwise deletion)", "zh": "题项有缺失（列删除）"},
}  # fmt: skip
REASONS = {key: label["en"] for key, label in REASON_LABELS.items()}

# Ingest may turn answers outside the scale into missing values and count them per record here.
OUT_OF_RANGE_COLUMN = "n_out_of_range"


@dataclass
class Screening:
    ledger: pd.DataFrame  # one row per raw record (see `screen`)
    rules: dict  # rule -> {"enabled": bool, "applied": bool, "note": str}


# ------------------------------------------------------------------ careless indices


def longstring(answers):
    """Longest run of identical consecutive answers per row (careless::longstring; NA breaks a run)."""
    values = np.asarray(answers, dtype=float)
    longest = np.ones(len(values), dtype=int)
    run = np.ones(len(values), dtype=int)
    for j in range(1, values.shape[1]):
        same = values[:, j] == values[:, j - 1]  # NaN compares unequal, like rle() in R
        run = np.where(same, run + 1, 1)
        longest = np.maximum(longest, run)
    return longest


def irv(answers):
    """Intra-individual response variability: the row SD (n - 1), missing answers ignored (careless::irv)."""
    values = np.asarray(answers, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nanstd(values, axis=1, ddof=1) if values.size else np.full(len(values), np.nan)


def mahalanobis(answers):
    """Mahalanobis D² of each row as psych::outlier computes it (careless::mahad).

    Covariance from pairwise-complete observations; a missing answer counts as the item mean
    (its centred deviation is left out of the sums). Returns (D², p against χ² with df = number of
    items; careless::mahad's own flag takes the number of rows as df, which we do not follow);
    None when the covariance matrix is singular (too few or degenerate records).
    """
    frame = pd.DataFrame(np.asarray(answers, dtype=float))
    cov = frame.cov().to_numpy()  # pairwise complete, n - 1 like R's cov(use = "pairwise")
    if not np.isfinite(cov).all() or np.linalg.matrix_rank(cov) < cov.shape[0]:
        return None
    centred = np.nan_to_num(frame.to_numpy() - frame.mean().to_numpy(), nan=0.0)
    d2 = np.einsum("ij,jk,ik->i", centred, np.linalg.inv(cov), centred)
    return d2, chi2.sf(d2, df=cov.shape[0])


def evenodd(answers, factors):
    """Even-odd consistency (careless::evenodd, >= 1.2.0: higher means more careless).

    Per factor, the mean of its even-numbered and of its odd-numbered items; across factors, the
    correlation of the two, Spearman-Brown corrected (2r / (1 + r)), floored at -1, negated.
    `factors` gives each factor's number of consecutive columns; answers must be keyed one way
    (reverse items reversed). NaN where a correlation cannot be formed (fewer than two factors
    with both halves, or no variance, as for a straight-liner).
    """
    values = np.asarray(answers, dtype=float)
    if sum(factors) != values.shape[1] or len(factors) < 2:
        raise ValueError(f"factors {factors} do not split {values.shape[1]} columns into two or more factors")
    even, odd, start = [], [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mean of an all-missing half is NaN, as in R
        for size in factors:
            block = values[:, start : start + size]
            even.append(np.nanmean(block[:, 1::2], axis=1))  # positions 2, 4, ... (1-based)
            odd.append(np.nanmean(block[:, 0::2], axis=1))
            start += size
    even, odd = np.column_stack(even), np.column_stack(odd)
    both = ~(np.isnan(even) | np.isnan(odd))
    n = both.sum(axis=1)
    e, o = np.where(both, even, 0.0), np.where(both, odd, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        e_c = np.where(both, e - e.sum(axis=1, keepdims=True) / n[:, None], 0.0)
        o_c = np.where(both, o - o.sum(axis=1, keepdims=True) / n[:, None], 0.0)
        r = (e_c * o_c).sum(axis=1) / np.sqrt((e_c**2).sum(axis=1) * (o_c**2).sum(axis=1))
        r = np.where(n >= 2, r, np.nan)
        split_half = np.maximum(2 * r / (1 + r), -1.0)
    return -split_half


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
            f"record {responses.loc[row, 'record']}, column submitted_at: '{responses.loc[row, 'submitted_at']}' "
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


def screen(responses, instrument, settings, source="responses"):
    """Apply the screening rules to the ingested responses; returns a Screening.

    The ledger has one row per raw record: record, kept, primary_reason ('' when kept),
    reasons (every rule that fired, ';'-joined in REASONS order), one boolean column per rule,
    and the indices behind them (duration_s, share_missing, longstring, irv_sd, mahalanobis_d2,
    mahalanobis_p, evenodd_score).
    """
    responses = responses.reset_index(drop=True)
    items = instrument.item_codes
    checks = [c.code for c in instrument.attention_checks]
    demographics = [d.code for d in instrument.demographics if d.code in responses]
    in_order = [row for m in instrument.matrices for row in m["rows"] if row in instrument.items]
    values = responses[items].to_numpy(dtype=float)
    n = len(responses)
    flags = pd.DataFrame(False, index=responses.index, columns=list(REASONS))
    rules = {key: {"enabled": False, "applied": False, "note": ""} for key in REASONS}

    def rule(key, enabled, fired=None, note=""):
        rules[key] = {"enabled": bool(enabled), "applied": bool(enabled) and fired is not None, "note": note}
        if enabled and fired is not None:
            flags[key] = np.asarray(fired, dtype=bool)

    submitted = _submitted(responses, source)
    order = _order(responses, submitted)
    answers = _answer_keys(responses, checks + items + demographics)
    dup = settings["duplicates"]
    if "respondent_hash" in responses:
        rule("duplicate_id", dup["respondent_id"], _later_repeats(responses["respondent_hash"].to_numpy(), order))
    else:
        rule("duplicate_id", dup["respondent_id"], None, "the export has no respondent identifier")
    if "ip_hash" in responses:
        ip = responses["ip_hash"].astype(object)
        keys = np.where(ip.notna(), ip.astype(str) + ":" + answers.astype(str), None)
        rule("duplicate_ip", dup["ip_identical"], _later_repeats(keys, order))
    else:
        rule("duplicate_ip", dup["ip_identical"], None, "the export has no IP column")
    if submitted is not None:
        # Identical answers are only evidence of one person when they vary: two straight-liners
        # who both ticked "agree" throughout are two careless people, not one.
        varied = pd.DataFrame(values).nunique(axis=1).to_numpy() > 1
        frame = pd.DataFrame({"key": np.where(varied, answers, 0), "t": submitted.to_numpy()}).iloc[order]
        gap = frame.groupby("key")["t"].diff() <= pd.Timedelta(minutes=dup["window"]["minutes"])
        rule("duplicate_window", dup["window"]["enabled"], (gap & varied[order]).sort_index().to_numpy())
    else:
        rule("duplicate_window", dup["window"]["enabled"], None, "the export has no submission times")

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
        rule("speeder", speed["enabled"], None, "the export has no completion times")
    else:
        limit = max(speed["min_seconds"], speed["median_fraction"] * np.nanmedian(duration))
        rule("speeder", speed["enabled"], duration < limit, f"limit {limit:g} s")

    failed = np.zeros(n, dtype=bool)
    for check in instrument.attention_checks:
        # An unanswered check counts as failed: the respondent did not follow the instruction.
        failed |= responses[check.code].ne(check.expected).to_numpy()
    note = "" if checks else "the instrument has no attention check"
    rule("attention_check", settings["attention_check"], failed if checks else None, note)

    runs = longstring(responses[in_order]) if in_order else np.zeros(n, dtype=int)
    rule("straightlining", settings["straightlining"]["enabled"], runs > settings["straightlining"]["max_longstring"])
    spread = irv(values)
    rule("irv", settings["irv"]["enabled"], spread < settings["irv"]["min_sd"])

    outliers = mahalanobis(values) if n > len(items) else None
    d2, p = outliers if outliers is not None else (np.full(n, np.nan), np.full(n, np.nan))
    note = "" if outliers is not None else "too few records for a covariance matrix of the items"
    rule(
        "mahalanobis",
        settings["mahalanobis"]["enabled"],
        None if outliers is None else p < settings["mahalanobis"]["p"],
        note,
    )

    constructs = [c for c in instrument.constructs.values() if c.items]
    keyed_frame = responses[[item.code for c in constructs for item in c.items]].astype(float).copy()
    for code in instrument.reverse_items:
        keyed_frame[code] = instrument.reverse_score(keyed_frame[code])
    eo = evenodd(keyed_frame, [len(c.items) for c in constructs]) if len(constructs) >= 2 else np.full(n, np.nan)
    note = "" if len(constructs) >= 2 else "needs two or more constructs"
    rule(
        "evenodd",
        settings["evenodd"]["enabled"],
        eo > settings["evenodd"]["max_score"] if len(constructs) >= 2 else None,
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
    frame = responses.reset_index(drop=True).loc[screened.to_numpy(), instrument.item_codes]
    missing = frame.isna().sum()
    return pd.DataFrame(
        {
            "item": instrument.item_codes,
            "construct": [instrument.items[c].construct for c in instrument.item_codes],
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
        scored[code] = instrument.reverse_score(scored[code])
    return scored
