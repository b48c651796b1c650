"""Importance-performance map (IPMA; Ringle & Sarstedt, 2016) of the constructs behind the outcome.

Importance is a construct's total effect on the outcome: direct plus every indirect path,
(I - B)^-1 - I over the structural paths of each street's own estimates (in the comparison:
the multi-group model, loadings equal across streets), unstandardized (the
IPMA convention; rescaling all scores to 0-100 leaves it unchanged, as every construct is on
the same scale) and standardized (std.all) beside it. Performance is the construct's mean
score rescaled to 0-100: 100 (M - min) / (max - min) with the scale's own min and max, for the
focal street and each benchmark street. A construct of high importance where the focal street
performs below the benchmarks is where it lags on what matters most.
"""

import numpy as np
import pandas as pd

from govsurvey.errors import InputError


def total_effects(params, constructs, column="est"):
    """Total effects among constructs from the ~ rows of a parameter table: row = effect on,
    column = effect of."""
    index = {code: k for k, code in enumerate(constructs)}
    beta = np.zeros((len(constructs), len(constructs)))
    paths = params[(params["op"] == "~") & params["lhs"].isin(index) & params["rhs"].isin(index)]
    for r in paths.itertuples():
        beta[index[r.lhs], index[r.rhs]] = getattr(r, column)
    total = np.linalg.inv(np.eye(len(constructs)) - beta) - np.eye(len(constructs))
    return pd.DataFrame(total, index=constructs, columns=constructs)


def ipma(params_by_street, scores_by_street, focal, instrument, outcome):
    """One row per (construct with an effect on `outcome`, street): construct, street, focal,
    importance, importance_std (that street's total effects), performance (0-100), gap
    (performance minus the focal street's; 0 for the focal street).
    `params_by_street`: {street: its parameter table (the ~ rows with est, std_all)};
    `scores_by_street`: {street: construct scores (DataFrame)}."""
    constructs = list(instrument.constructs)
    if outcome not in constructs:
        raise InputError("comparison", f"the IPMA outcome '{outcome}' is not a construct.",
                         f"set comparison.outcome to one of: {', '.join(constructs)}.")
    importance = {s: total_effects(p, constructs).loc[outcome] for s, p in params_by_street.items()}
    standardized = {s: total_effects(p, constructs, "std_all").loc[outcome] for s, p in params_by_street.items()}
    drivers = [c for c in constructs if c != outcome and abs(importance[focal][c]) > 0]
    low, high = instrument.scale_min, instrument.scale_max

    def performance(street, code):
        return 100 * (scores_by_street[street][code].mean() - low) / (high - low)

    rows = []
    for code in drivers:
        own = performance(focal, code)
        for street in scores_by_street:
            value = performance(street, code)
            rows.append({"construct": code, "street": street, "focal": street == focal,
                         "importance": importance[street][code], "importance_std": standardized[street][code],
                         "performance": value, "gap": value - own})  # fmt: skip
    return pd.DataFrame(rows)
