"""The chapter's structural part: paths, R², the model's end point, and the discussion of a
model without structural paths (the mediation section: mediation.py; the Discussion of a
structural model and its optimisation path: discussion.py)."""

import pandas as pd

from govsurvey.formatting import apa_number, apa_p, significance_stars
from govsurvey.report.tables import level_percent, markdown_table, num


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
    caption = w["paths_caption"].format(estimator=w["estimator_short"][chapter.estimator])
    return markdown_table(frame, caption, "tbl-paths")


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



def final_outcome(paths):
    """The one construct that is explained but explains nothing (the model's end point), or None."""
    sinks = sorted(set(paths["lhs"]) - set(paths["rhs"]))
    return sinks[0] if len(sinks) == 1 else None


def measurement_discussion(chapter, fit_table, reliability, fornell):
    """The discussion of a model without structural paths: fit verdicts, reliability, validity."""
    judged = fit_table[fit_table["verdict_strict"].fillna("") != ""]
    return chapter.w["measurement_discussion"].format(
        met=int((judged["verdict_strict"] == "met").sum()), judged=len(judged),
        alpha_min=apa_number(reliability["alpha"].min(), 3), alpha_max=apa_number(reliability["alpha"].max(), 3),
        fl_pass=int(fornell["sqrt_ave_exceeds_correlations"].sum()), n=len(fornell),
    ) + "\n"  # fmt: skip
