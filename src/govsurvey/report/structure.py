"""The chapter's structural part: paths, R², and the discussion that reads them path by path,
with the optimisation paths the evidence supports (the mediation section: mediation.py)."""

import numpy as np
import pandas as pd

from govsurvey.formatting import apa_number, apa_p, significance_stars
from govsurvey.report.tables import level_percent, markdown_table, num, p_phrase


def structural_paths(params, instrument):
    """Regression paths among the instrument's constructs, one row each."""
    constructs = set(instrument.constructs)
    paths = params[(params["op"] == "~") & params["lhs"].isin(constructs) & params["rhs"].isin(constructs)]
    return paths.reset_index(drop=True)


def paths_table(chapter, paths, bootstrap):
    """Structural paths; β with its bootstrap percentile CI, or its delta-method CI when the
    bootstrap is off."""
    w = chapter.w
    if bootstrap is not None:
        boot = bootstrap[bootstrap["ci_of"] == "std_all"].set_index(["lhs", "rhs"])
        ci = [(boot.loc[(r.lhs, r.rhs), "ci_lower_perc"], boot.loc[(r.lhs, r.rhs), "ci_upper_perc"])
              for r in paths.itertuples()]  # fmt: skip
        ci_column = w["paths_ci_bootstrap"].format(level=level_percent(chapter.settings["bootstrap"]["level"]))
    else:
        z = 1.959963984540054
        ci = [(r.std_all - z * r.std_all_se, r.std_all + z * r.std_all_se) for r in paths.itertuples()]
        ci_column = w["paths_ci_delta"]
    columns = w["paths_columns"]
    frame = pd.DataFrame(
        {
            columns[0]: [f"{r.rhs} → {r.lhs}" for r in paths.itertuples()],
            columns[1]: [num(v) for v in paths["est"]],
            columns[2]: [num(v) for v in paths["se"]],
            columns[3]: [apa_number(v, 2) + significance_stars(p) for v, p in zip(paths["std_all"], paths["pvalue"])],
            columns[4]: [apa_p(v) for v in paths["pvalue"]],
            ci_column: [f"[{apa_number(lo)}, {apa_number(hi)}]" for lo, hi in ci],
        }
    )
    return markdown_table(frame, w["paths_caption"], "tbl-paths")


def endogenous_r2(chapter, r2):
    """R² of the constructs regressed on others, in the instrument's order: [(code, value)]."""
    values = dict(zip(r2["variable"], r2["r2"]))
    regressed = {lhs for lhs, _ in chapter.model.regressions}
    return [(c, values[c]) for c in chapter.instrument.constructs if c in regressed and c in values]


def r2_table(chapter, r2):
    rows = [(chapter.named(c), apa_number(v, 3)) for c, v in endogenous_r2(chapter, r2)]
    return markdown_table(pd.DataFrame(rows, columns=chapter.w["r2_columns"]), chapter.w["r2_caption"], "tbl-r2")


def r2_text(chapter, r2):
    """'The model explains R² = .31 of the variance of PL, .25 of PW and .40 of GS'."""
    w = chapter.w
    values = endogenous_r2(chapter, r2)
    if not values:
        return ""
    (first_code, first), rest = values[0], values[1:]
    more = [w["r2_more"].format(value=apa_number(v, 2), code=c) for c, v in rest]
    tail = (", " + w["join"](more) if chapter.language == "en" else "，" + "，".join(more)) if more else ""
    return w["r2_text"].format(first=apa_number(first, 2), first_code=first_code, rest=tail)



def total_effects(paths, constructs):
    """Total standardized effects among constructs from the std.all paths: (I - B)^-1 - I."""
    index = {code: k for k, code in enumerate(constructs)}
    beta = np.zeros((len(constructs), len(constructs)))
    for r in paths.itertuples():
        beta[index[r.lhs], index[r.rhs]] = r.std_all
    total = np.linalg.inv(np.eye(len(constructs)) - beta) - np.eye(len(constructs))
    return pd.DataFrame(total, index=constructs, columns=constructs)  # row: effect on; column: of


def final_outcome(paths):
    """The one construct that is explained but explains nothing (the model's end point), or None."""
    sinks = sorted(set(paths["lhs"]) - set(paths["rhs"]))
    return sinks[0] if len(sinks) == 1 else None


def supported_causes(paths, instrument, alpha):
    """The exogenous constructs ranked by their total effect on the final outcome, strongest first,
    each with whether a chain of significant paths reaches the outcome: ([(code, total,
    supported)], outcome); ([], None) when the model has no single end point."""
    outcome = final_outcome(paths)
    if outcome is None:
        return [], None
    constructs = list(instrument.constructs)
    significant = paths[paths["pvalue"] < alpha]
    reach = {outcome}
    for _ in constructs:  # grow the set of constructs with a significant chain to the outcome
        reach |= set(significant.loc[significant["lhs"].isin(reach), "rhs"])
    total = total_effects(paths, constructs).loc[outcome]
    exogenous = [c for c in constructs if c in set(paths["rhs"]) - set(paths["lhs"])]
    ranked = sorted(exogenous, key=lambda c: -abs(total[c]))
    return [(c, total[c], c in reach) for c in ranked], outcome


def discussion_text(chapter, paths, alpha):
    """One sentence per structural path, grouped by the construct it explains; then the
    optimisation paths (for the constructs whose implication the instrument gives)."""
    w = chapter.w
    blocks = []
    for code in chapter.instrument.constructs:
        rows = paths[paths["lhs"] == code]
        if rows.empty:
            continue
        sentences = []
        for r in rows.itertuples():
            values = {"cause": chapter.name(r.rhs), "cause_code": r.rhs, "code": code,
                      "beta": apa_number(r.std_all), "p": p_phrase(r.pvalue)}  # fmt: skip
            if r.pvalue < alpha:
                size = "strong" if abs(r.std_all) >= 0.5 else "moderate" if abs(r.std_all) >= 0.3 else "weak"
                positive = bool(r.std_all > 0)
                sentences.append(w["sig_sentence"].format(size=w["size"][size], sign=w["sign"][positive],
                                                          direction=w["direction"][positive], **values))
            else:
                sentences.append(w["ns_sentence"].format(**values))
        gap = " " if chapter.language == "en" else ""
        blocks.append(w["discussion_target"].format(name=chapter.name(code), code=code) + gap.join(sentences))
    return "\n\n".join(blocks) + "\n\n" + optimisation_text(chapter, paths, alpha)


def optimisation_text(chapter, paths, alpha):
    """The optimisation paths the evidence supports, strongest total effect on the outcome first;
    empty when no construct of the instrument carries an implication or the model has no single
    outcome."""
    w = chapter.w
    ranked, outcome = supported_causes(paths, chapter.instrument, alpha)
    ranked = [r for r in ranked if chapter.instrument.constructs[r[0]].implication]
    if not ranked:
        return ""
    lines = [w["optimisation_intro"].format(outcome=outcome), ""]
    for code, total, supported in ranked:
        values = {"name": chapter.name(code), "code": code, "total": apa_number(total), "outcome": outcome}
        if supported:
            implication = chapter.instrument.constructs[code].implication[chapter.language]
            lines.append(w["optimisation_supported"].format(implication=implication, **values))
        else:
            lines.append(w["optimisation_unsupported"].format(**values))
    return "\n".join(lines) + "\n"


def measurement_discussion(chapter, fit_table, reliability, fornell):
    """The discussion of a model without structural paths: fit verdicts, reliability, validity."""
    judged = fit_table[fit_table["verdict_strict"].fillna("") != ""]
    return chapter.w["measurement_discussion"].format(
        met=int((judged["verdict_strict"] == "met").sum()), judged=len(judged),
        alpha_min=apa_number(reliability["alpha"].min(), 3), alpha_max=apa_number(reliability["alpha"].max(), 3),
        fl_pass=int(fornell["sqrt_ave_exceeds_correlations"].sum()), n=len(fornell),
    ) + "\n"  # fmt: skip
