"""Careless-responding indices after R's careless package 1.2.x (Yentes & Wilhelm):
`longstring`, `irv`, `mahalanobis` (psych::outlier, which careless::mahad calls) and `evenodd`
(sign as in careless >= 1.2.0: higher = more careless). Tested against careless/psych values."""

import warnings

import numpy as np
import pandas as pd
from scipy.stats import chi2


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
