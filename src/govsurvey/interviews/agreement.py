"""Inter-coder agreement: Cohen's κ per code, Krippendorff's α (nominal) per code and overall.

The unit rule. Coders mark segments of any length, so agreement is counted on fixed units:
each sentence of each transcript is a unit. A sentence is a maximal run of text without a
sentence end (。！？!?；; or a line break) together with the sentence ends that close it;
runs of white space alone are no unit. For each code, a coder codes a unit 1 when one of
the coder's segments with that code overlaps it by at least one character, else 0. Only
transcripts that every coder compared has coded (any code) contribute units, so a
transcript one coder has not reached does not count as agreement on absence.

Overall α pools the decisions: every (code, unit) pair is one unit of a binary nominal
α, as if all codes were judged in one pass; the pooled κ is computed alike.

Thresholds: κ after Landis & Koch (1977); α after Krippendorff (2004): α ≥ .800 reliable,
.667 ≤ α < .800 acceptable for tentative conclusions only, below that unreliable.
"""

import re

import krippendorff
import numpy as np
import pandas as pd

from govsurvey.errors import InputError

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")

# Landis & Koch (1977): upper bounds (inclusive) of each band from 0 on; below 0 is poor.
KAPPA_BANDS = [(0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"),
               (1.0, "almost perfect")]
KAPPA_LABELS = {"poor": {"zh": "差", "en": "poor"}, "slight": {"zh": "轻微", "en": "slight"},
                "fair": {"zh": "一般", "en": "fair"}, "moderate": {"zh": "中等", "en": "moderate"},
                "substantial": {"zh": "高度", "en": "substantial"},
                "almost perfect": {"zh": "几乎完全", "en": "almost perfect"}}
ALPHA_LABELS = {"reliable": {"zh": "可靠", "en": "reliable"},
                "tentative": {"zh": "仅可作初步结论", "en": "tentative conclusions only"},
                "unreliable": {"zh": "不可靠", "en": "unreliable"}}


def kappa_band(kappa):
    """Landis & Koch's band of a κ ('moderate'); None when κ is undefined."""
    if kappa is None or np.isnan(kappa):
        return None
    if kappa < 0:
        return "poor"
    return next(label for upper, label in KAPPA_BANDS if kappa <= upper + 1e-12)


def alpha_band(alpha):
    """Krippendorff's (2004) reading of an α; None when α is undefined."""
    if alpha is None or np.isnan(alpha):
        return None
    return "reliable" if alpha >= 0.800 else "tentative" if alpha >= 0.667 else "unreliable"


def sentence_units(text):
    """[(start, end)] of the sentences of a text (the module's unit rule)."""
    return [m.span() for m in _SENTENCE.finditer(text) if m.group().strip()]


def unit_table(study, segments, coders=None):
    """One row per (code, transcript, unit) with one 0/1 column per coder, codes in codebook order."""
    coders = list(coders) if coders is not None else sorted(segments["coder"].unique())
    if len(coders) < 2:
        raise InputError(study.folder / "coding", f"agreement needs two coders; found {', '.join(coders) or 'none'}.",
                         "give each coder's segments a coder name (table column coder, or the QDA program's user).")
    unknown = set(coders) - set(segments["coder"])
    if unknown:
        raise InputError(study.folder / "coding", f"no segments by coder(s) {', '.join(sorted(unknown))}.",
                         f"coders found: {', '.join(sorted(segments['coder'].unique()))}.")
    mine = segments[segments["coder"].isin(coders)]
    shared = [t for t in study.transcripts if all(((mine["transcript"] == t) & (mine["coder"] == c)).any() for c in coders)]
    rows = []
    for transcript in shared:
        units = sentence_units(study.transcripts[transcript])
        in_transcript = mine[mine["transcript"] == transcript]
        for code in study.codebook:
            coded = in_transcript[in_transcript["code"] == code]
            spans = {c: coded.loc[coded["coder"] == c, ["start", "end"]].to_numpy() for c in coders}
            for u, (start, end) in enumerate(units, start=1):
                marks = [int(bool(((spans[c][:, 0] < end) & (spans[c][:, 1] > start)).any())) if len(spans[c]) else 0
                         for c in coders]
                rows.append((code, transcript, u, start, end, *marks))
    return pd.DataFrame(rows, columns=["code", "transcript", "unit", "start", "end", *coders])


def cohen_kappa(a, b):
    """Cohen's κ of two coders' nominal ratings of the same units; NaN when chance agreement is 1."""
    a, b = np.asarray(a), np.asarray(b)
    observed = np.mean(a == b)
    categories = np.union1d(a, b)
    expected = sum(np.mean(a == k) * np.mean(b == k) for k in categories)
    if np.isclose(expected, 1.0):
        return float("nan")
    return float((observed - expected) / (1 - expected))


def krippendorff_alpha(*ratings):
    """Krippendorff's α (nominal) of coders' ratings (one sequence per coder); NaN without variation."""
    data = np.asarray(ratings, dtype=float)
    if len(np.unique(data[~np.isnan(data)])) < 2:
        return float("nan")  # one value everywhere: expected disagreement is 0, α undefined
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def agreement(units, coders=None):
    """Per code and overall ('(all)'): units, units each coder coded, percent agreement, κ (the
    first two coders) and α (all coders), with their bands."""
    coders = list(coders) if coders is not None else list(units.columns[5:])
    rows = []
    groups = [(code, part) for code, part in units.groupby("code", sort=False)] + [("(all)", units)]
    for code, part in groups:
        a, b = part[coders[0]].to_numpy(), part[coders[1]].to_numpy()
        kappa = cohen_kappa(a, b)
        alpha = krippendorff_alpha(*(part[c].to_numpy() for c in coders))
        rows.append({"code": code, "units": len(part), **{f"coded_{c}": int(part[c].sum()) for c in coders},
                     "percent_agreement": float(np.mean(part[coders].nunique(axis=1) == 1)),
                     "kappa": kappa, "kappa_band": kappa_band(kappa), "alpha": alpha, "alpha_band": alpha_band(alpha)})
    return pd.DataFrame(rows)
