"""Screening: which respondents are kept, and why every other one is not (the ledger).

Read careless.py (the careless-responding indices) and then rules.py (the rules, the ledger,
the summary whose n_raw = n_kept + Σ excluded is checked in code).
"""

from govsurvey.screening.rules import (REASONS, kept_sample, missingness_table, score, screen,
                                       summarize)

__all__ = ["REASONS", "kept_sample", "missingness_table", "score", "screen", "summarize"]
