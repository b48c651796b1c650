"""The joint display and the optimisation path built from it.

One row per problem and cause (every construct of the model but its outcome, in instrument
order). Each source gives a reading of the construct in the focal street: `weak` (it falls
short), `strong` (it works) or `none` (the source does not single it out either way).

A construct's total effect on the outcome is its total row of the effects table, or, when it
reaches the outcome by its direct path only, that path (the total effect then equals it).

Survey reading: weak when the construct's mean lies significantly below the
scale midpoint (Holm-corrected one-sample t test at alpha), or when its standardized total
effect on the outcome is supported (the 95% interval excludes zero) and the street trails the
best benchmark street on it in the importance-performance map; strong when the mean lies
significantly above the midpoint and the street trails no benchmark street (or none was
compared); otherwise none.

Interview reading: weak when at least `min_interviewees` interviewees have
passages coded with the construct's weakness codes; strong when at least that many have
passages of its strength codes and fewer have weakness passages; otherwise none (codes without
a stance say which topics came up, not which way).

Verdict: converges when both readings are the same; diverges when one is weak
and the other strong; complements when exactly one source is none (it speaks where the other is
silent). A row without interviews has no interview reading and no verdict.

The optimisation path: the constructs with a recommendation whose total effect on the outcome is
supported and that at least one source reads as weak; ordered by evidence (both sources weak,
then one weak and the other silent, then the sources diverging), then by priority (the
standardized total effect times the gap to the best benchmark street, or the total effect
without a comparison). The others with a recommendation are listed as not singled out.
"""

import math

import pandas as pd

READINGS = ("weak", "strong", "none")
VERDICTS = ("converges", "complements", "diverges")
# the evidence order of the optimisation path: (survey, interviews) -> rank, lower first
EVIDENCE = {"both": 1, "one": 2, "diverges": 3}


def survey_reading(below, above, supported, trails):
    """The survey's reading of one construct (see the module's rule). `below`/`above`: the mean
    lies significantly below/above the midpoint; `supported`: its total effect on the outcome
    excludes zero; `trails`: the street is behind the best benchmark street on it (None: no
    comparison)."""
    if below or (supported and trails):
        return "weak"
    if above and not trails:
        return "strong"
    return "none"


def interview_reading(weakness, strength, min_interviewees):
    """The interviews' reading from the number of interviewees with weakness and strength passages."""
    if weakness >= min_interviewees:
        return "weak"
    if strength >= min_interviewees:
        return "strong"
    return "none"


def verdict(survey, interviews):
    """converges / complements / diverges for two readings; None without an interview reading."""
    if interviews is None or survey is None:
        return None
    if survey == interviews:
        return "converges"
    if "none" in (survey, interviews):
        return "complements"
    return "diverges"


def std_ci(row):
    """The interval of a standardized effect: bootstrap percentile when it ran, else delta."""
    if "std_ci_lower_perc" in row and row["std_ci_lower_perc"] == row["std_ci_lower_perc"]:
        return row["std_ci_lower_perc"], row["std_ci_upper_perc"]
    z = 1.959963984540054
    return row["std_all"] - z * row["std_se"], row["std_all"] + z * row["std_se"]


def direct_paths(params, outcome, boot=None):
    """The standardized direct paths into the outcome as rows of an effects table (cause, outcome,
    kind 'total', std_all and the interval std_ci reads): a construct with no indirect route
    to the outcome has no total row, and its total effect is its direct path. Intervals from
    the bootstrap's percentile interval of the standardized path when it ran, else delta."""
    paths = params[(params["op"] == "~") & (params["lhs"] == outcome)]
    rows = []
    for _, r in paths.iterrows():
        row = {"cause": r["rhs"], "outcome": outcome, "kind": "total", "std_all": r["std_all"],
               "std_se": r["std_all_se"], "std_ci_lower_perc": float("nan"), "std_ci_upper_perc": float("nan")}
        if boot is not None:
            found = boot[(boot["ci_of"] == "std_all") & (boot["lhs"] == outcome) & (boot["rhs"] == r["rhs"])
                         & (boot["op"] == "~")]
            if len(found):
                row.update(std_ci_lower_perc=found.iloc[0]["ci_lower_perc"], std_ci_upper_perc=found.iloc[0]["ci_upper_perc"])
        rows.append(row)
    return pd.DataFrame(rows, columns=["cause", "outcome", "kind", "std_all", "std_se", "std_ci_lower_perc",
                                       "std_ci_upper_perc"])


def survey_facts(effects, midpoint, outcome, alpha, ipma=None, focal=None, direct=None):
    """{construct: facts} for every construct with a midpoint test or a total effect on the
    outcome: mean, midpoint, p_holm, below, above, total, total_lo, total_hi, supported,
    performance, best_street, best_performance, gap (behind the best benchmark street, None
    without a comparison), trails, priority, reading. `direct` (direct_paths) gives the total of
    a construct whose only route to the outcome is its direct path."""
    facts = {}
    means = midpoint[midpoint["group"] == "all"] if "group" in midpoint else midpoint
    for _, r in means.iterrows():
        significant = r["p_holm"] < alpha
        facts[r["construct"]] = {"mean": r["mean"], "midpoint": r["midpoint"], "p_holm": r["p_holm"],
                                 "below": bool(significant and r["mean"] < r["midpoint"]),
                                 "above": bool(significant and r["mean"] > r["midpoint"])}
    totals = effects[(effects["kind"] == "total") & (effects["outcome"] == outcome)]
    if direct is not None and len(direct):
        totals = pd.concat([totals, direct[~direct["cause"].isin(totals["cause"])]], ignore_index=True)
    for _, r in totals.iterrows():
        lo, hi = std_ci(r)
        facts.setdefault(r["cause"], {}).update(total=r["std_all"], total_lo=lo, total_hi=hi,
                                                supported=bool(lo > 0 or hi < 0))
    gaps = ipma_gaps(ipma, focal) if ipma is not None else {}
    for code, f in facts.items():
        f.setdefault("supported", False)
        for key in ("mean", "midpoint", "p_holm", "total", "total_lo", "total_hi"):
            f.setdefault(key, math.nan)
        f.setdefault("below", False)
        f.setdefault("above", False)
        gap = gaps.get(code)
        f.update(performance=gap["performance"] if gap else math.nan,
                 best_street=gap["best_street"] if gap else None,
                 best_performance=gap["best_performance"] if gap else math.nan,
                 gap=gap["gap"] if gap else math.nan,
                 trails=(gap["gap"] > 0) if gap else (None if ipma is None else False))
        total = abs(f["total"]) if f["total"] == f["total"] else 0.0
        f["priority"] = total * max(f["gap"], 0) if gap else total
        f["reading"] = survey_reading(f["below"], f["above"], f["supported"], f["trails"])
    return facts


def ipma_gaps(ipma, focal):
    """{construct: performance, best benchmark street, its performance, gap} from the IPMA table
    (its streets comparison, when it also holds groups)."""
    ipma = ipma[ipma["comparison"] == "streets"] if "comparison" in ipma else ipma
    out = {}
    for code, group in ipma.groupby("construct", sort=False):
        own, others = group[group["street"] == focal], group[group["street"] != focal]
        if own.empty or others.empty:
            continue
        best = others.loc[others["performance"].idxmax()]
        performance = own.iloc[0]["performance"]
        out[code] = {"performance": performance, "best_street": best["street"],
                     "best_performance": best["performance"], "gap": best["performance"] - performance}
    return out


def interview_facts(evidence, quotes, min_interviewees):
    """{construct: facts} from the interviews' evidence table (one row per linked code) and the
    selected quotes: weakness / strength interviewees (distinct, across the construct's codes),
    interviewees (any linked code), codes [(code, stance, interviewees)], reading, and the quote
    that shows the reading (the first-ranked quote of the construct's code with most
    interviewees among the codes of the reading's stance; of any code when the reading is none)."""
    facts = {}
    for construct, rows in evidence.groupby("construct", sort=False):
        who = {stance: set() for stance in ("weakness", "strength", "any")}
        codes = []
        for _, r in rows.iterrows():
            people = {p.strip() for p in str(r["interviewee_codes"] or "").split(",") if p.strip()}
            who["any"] |= people
            if r["stance"] in who:
                who[r["stance"]] |= people
            codes.append({"code": r["code"], "name_zh": r["name_zh"], "name_en": r["name_en"],
                          "stance": r["stance"], "interviewees": int(r["interviewees"]),
                          "passages": int(r["passages"])})
        reading = interview_reading(len(who["weakness"]), len(who["strength"]), min_interviewees)
        stance = {"weak": "weakness", "strong": "strength"}.get(reading)
        candidates = sorted((c for c in codes if c["interviewees"] and (stance is None or c["stance"] == stance)),
                            key=lambda c: (-c["interviewees"], -c["passages"]))
        quote = None
        for c in candidates:
            found = quotes[(quotes["code"] == c["code"]) & (quotes["rank"] == 1)]
            if len(found):
                quote = found.iloc[0].to_dict()
                break
        facts[construct] = {"weakness": len(who["weakness"]), "strength": len(who["strength"]),
                            "interviewees": len(who["any"]), "codes": codes, "reading": reading, "quote": quote}
    return facts


def case_practice(construct, dimensions, practices, focal_case, chosen=None):
    """(dimension, [practice rows of the benchmark cases on it]) for one construct: the
    dimension a recommendation chose, else the first dimension that speaks to the construct;
    (None, []) when no dimension does."""
    dimension = next((d for d in dimensions if d.code == chosen), None) if chosen else None
    dimension = dimension or next((d for d in dimensions if d.speaks_to(construct)), None)
    if dimension is None:
        return None, []
    rows = practices[(practices["dimension"] == dimension.code) & (practices["case"] != focal_case)]
    return dimension, [r.to_dict() for _, r in rows.iterrows()]


def joint_display(instrument, outcome, survey, interviews=None, dimensions=(), practices=None, focal_case=None,
                  recommendations=None):
    """The joint display as a DataFrame, one row per construct but the outcome (instrument order):
    the survey facts, the interview facts (None columns without interviews), the case
    dimension and its benchmark practices, both readings and the verdict."""
    recommendations = recommendations or {}
    rows = []
    for code, construct in instrument.constructs.items():
        if code == outcome or code not in survey:
            continue
        s = survey[code]
        i = interviews.get(code) if interviews is not None else None
        if interviews is not None and i is None:  # no code links to it: the interviews are silent
            i = {"weakness": 0, "strength": 0, "interviewees": 0, "codes": [], "reading": "none", "quote": None}
        chosen = recommendations[code].dimension if code in recommendations else None
        dimension, shown = (case_practice(code, dimensions, practices, focal_case, chosen)
                            if practices is not None else (None, []))
        quote = (i or {}).get("quote") or {}
        rows.append({
            "construct": code, "role": construct.role,
            **{k: s[k] for k in ("mean", "midpoint", "p_holm", "below", "above", "total", "total_lo", "total_hi",
                                 "supported", "performance", "best_street", "best_performance", "gap", "priority")},
            "survey_reading": s["reading"],
            "weakness_interviewees": i["weakness"] if i else None,
            "strength_interviewees": i["strength"] if i else None,
            "interviewees": i["interviewees"] if i else None,
            "codes": "; ".join(f"{c['code']}:{c['stance']}:{c['interviewees']}" for c in i["codes"]) if i else None,
            "interview_reading": i["reading"] if i else None,
            "quote_code": quote.get("code"), "quote": quote.get("quote"),
            "quote_cite_zh": quote.get("cite_zh"), "quote_cite_en": quote.get("cite_en"),
            "dimension": dimension.code if dimension else None,
            "practice_cases": "; ".join(p["case"] for p in shown) if shown else None,
            "verdict": verdict(s["reading"], i["reading"] if i else None),
        })  # fmt: skip
    return pd.DataFrame(rows)


def evidence_rank(row):
    """1: both sources weak; 2: one weak, the other silent (or no interviews); 3: they diverge;
    None: no source reads the construct as weak."""
    readings = [row["survey_reading"]] + ([row["interview_reading"]] if row["interview_reading"] else [])
    if "weak" not in readings:
        return None
    if row["verdict"] == "diverges":
        return EVIDENCE["diverges"]
    if len(readings) == 2 and readings.count("weak") == 2:
        return EVIDENCE["both"]
    return EVIDENCE["one"]


def optimisation_path(joint, recommendations):
    """(recommended, not singled out) DataFrames from the joint display. Recommended: the rows with
    a recommendation whose total effect on the outcome is supported and that a source reads as
    weak, with rank (1 first), evidence (1-3, see evidence_rank), priority and dimension;
    ordered by evidence, then priority, then the total effect. Not singled out: the other rows
    with a recommendation and a supported total effect (no source reads them as weak)."""
    candidates = joint[joint["construct"].isin(recommendations) & joint["supported"].astype(bool)].copy()
    candidates["evidence"] = [evidence_rank(r) for _, r in candidates.iterrows()]
    recommended = candidates[candidates["evidence"].notna()].copy()
    recommended["order_total"] = -recommended["total"].abs()
    recommended = recommended.sort_values(["evidence", "priority", "order_total"], ascending=[True, False, True],
                                          kind="stable").drop(columns="order_total")
    recommended.insert(0, "rank", range(1, len(recommended) + 1))
    recommended["evidence"] = recommended["evidence"].astype(int)
    return recommended.reset_index(drop=True), candidates[candidates["evidence"].isna()].reset_index(drop=True)
