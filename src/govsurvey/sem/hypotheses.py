"""The test of each hypothesis against the fitted model, by one rule stated in the chapter:

- a path is supported when its standardized coefficient β has the hypothesised sign and
  p < alpha (two-sided z test of the ML fit);
- an indirect effect is supported when its confidence interval (bootstrap percentile when the
  bootstrap ran, else delta method) lies wholly on the hypothesised side of zero.
"""

import pandas as pd
from scipy.stats import norm

from govsurvey.errors import InputError

COLUMNS = ["id", "kind", "target", "route", "sign", "estimate", "estimate_of", "ci_lower", "ci_upper",
           "ci_method", "pvalue", "supported"]


def _row(params, op, lhs, rhs=None):
    match = params[(params["op"] == op) & (params["lhs"] == lhs) & ((params["rhs"] == rhs) if rhs else True)]
    if match.empty:
        what = f"{lhs} {op} {rhs}" if rhs else f"{lhs} {op}"
        raise InputError("parameter table", f"has no row for {what}, which a hypothesis tests.",
                         "rerun the workflow so that the SEM step uses the current model file.")
    return match.iloc[0]


def hypothesis_tests(hypotheses, params, bootstrap=None, alpha=0.05, level=0.95):
    """One row per hypothesis (COLUMNS). `params`: the SEM's lavaan-shaped table; `bootstrap`:
    the bootstrap's interval table (bootstrap/indirect.csv) or None when it did not run."""
    z = norm.ppf(0.5 + level / 2)
    boot = None if bootstrap is None else bootstrap.set_index(["lhs", "op", "rhs"])
    rows = []
    for h in hypotheses:
        if h.kind == "path":
            outcome, predictor = h.target.split(" ~ ")
            r = _row(params, "~", outcome, predictor)
            estimate, p = float(r["std_all"]), float(r["pvalue"])
            if boot is not None and (outcome, "~", predictor) in boot.index:
                b = boot.loc[(outcome, "~", predictor)]
                lo, hi, method = float(b["ci_lower_perc"]), float(b["ci_upper_perc"]), "bootstrap_percentile"
            else:
                se = float(r["std_all_se"])
                lo, hi, method = estimate - z * se, estimate + z * se, "delta"
            supported = estimate * h.sign > 0 and p < alpha
            of = "std_all"
        else:
            r = _row(params, ":=", h.target)
            estimate, p, of = float(r["est"]), float(r["pvalue"]), "est"
            key = (h.target, ":=", r["rhs"])
            if boot is not None and key in boot.index:
                b = boot.loc[key]
                lo, hi, method = float(b["ci_lower_perc"]), float(b["ci_upper_perc"]), "bootstrap_percentile"
            else:
                se = float(r["se"])
                lo, hi, method = estimate - z * se, estimate + z * se, "delta"
            supported = (lo > 0) if h.sign > 0 else (hi < 0)
        rows.append({"id": h.id, "kind": h.kind, "target": h.target, "route": " → ".join(h.route),
                     "sign": "+" if h.sign > 0 else "-", "estimate": estimate, "estimate_of": of,
                     "ci_lower": lo, "ci_upper": hi, "ci_method": method, "pvalue": p,
                     "supported": bool(supported)})
    return pd.DataFrame(rows, columns=COLUMNS)
