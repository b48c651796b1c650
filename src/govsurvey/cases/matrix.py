"""The cross-case comparison matrix and what the focal street lacks, read against the survey.

The matrix has one row per dimension and one column per case, the focal case first; a cell
holds the case's practices on that dimension, each with its citation or the mark of an
illustrative practice. What the focal street lacks: for each dimension, the weakest of the
constructs it relates to in the focal street's survey (lowest performance on 0-100), the
dimensions ranked from the weakest up, beside the benchmark cases' practices on it.

Ranking rule (stated so the chapter can state it): a dimension's standing is the performance
of its weakest related construct; lower ranks first; ties go to the higher importance (total
effect on the outcome, when an IPMA table gives it), then to the larger lead of the best
benchmark street, then to the dimensions file's order. A dimension whose constructs the
survey does not measure is listed last, unranked.
"""

import numpy as np
import pandas as pd

from govsurvey.errors import InputError

SEPARATOR = {"zh": "；", "en": "; "}  # between practices in one cell
COLON = {"zh": "：", "en": ": "}  # between a place and its practice


def _ordered(cases, focal):
    if focal is None:
        return list(cases.values())
    if focal not in cases:
        raise InputError("cases", f"the focal case {focal!r} is not among the cases ({', '.join(cases)}).",
                         "add its case file, or name one of the cases as focal.")
    return [cases[focal]] + [c for c in cases.values() if c.id != focal]


def practice_text(practice, language, cite=True, mark="†"):
    """A practice as a cell shows it: its text, then its citation ([@key], which pandoc turns
    into the style's citation) or the illustrative mark (explained in the table's note)."""
    text = practice.text(language)
    if practice.illustrative:
        return text + mark
    if cite and practice.source:
        return text + ("" if language == "zh" else " ") + f"[@{practice.source}]"
    return text


def comparison_matrix(cases, dimensions, language, focal=None, cite=True, mark="†", empty="—", header=None):
    """Dimension x case DataFrame of practice texts in `language`: rows the dimensions' names in
    file order, columns the cases' short names, the focal case first. `cases`: {id: Case};
    `empty` fills a cell where a case has no practice on a dimension; `header` names the
    index (the words table's label for the dimension column)."""
    ordered = _ordered(cases, focal)
    rows = {}
    for dimension in dimensions:
        rows[dimension.name[language]] = [
            SEPARATOR[language].join(practice_text(p, language, cite, mark) for p in case.on(dimension.code)) or empty
            for case in ordered
        ]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=[c.short[language] for c in ordered])
    frame.index.name = header
    return frame


def practices_table(cases):
    """Every practice of every case, one row each (case, dimension, zh, en, source,
    illustrative): the tidy form of the matrix, for results files."""
    rows = [{"case": c.id, "dimension": p.dimension, "zh": p.zh, "en": p.en, "source": p.source,
             "illustrative": p.illustrative} for c in cases.values() for p in c.practices]  # fmt: skip
    return pd.DataFrame(rows, columns=["case", "dimension", "zh", "en", "source", "illustrative"])


def performance_from_ipma(ipma, focal=None):
    """Per construct, from an IPMA table (govsurvey.compare.ipma: construct, street, focal,
    importance, performance, gap): the focal street's performance (0-100) and importance, and
    benchmark_gap, the largest lead of a benchmark street over it (its `gap`)."""
    needed = {"construct", "street", "focal", "importance", "performance", "gap"}
    missing = needed - set(ipma.columns)
    if missing:
        raise InputError("ipma", f"the IPMA table lacks {', '.join(sorted(missing))}.",
                         "pass the comparison stage's ipma table (govsurvey.compare.ipma).")
    if "comparison" in ipma.columns:  # the comparison stage's file tags its rows; the map is of the streets
        ipma = ipma[ipma["comparison"] == "streets"]
    is_focal = ipma["street"] == focal if focal is not None else ipma["focal"].astype(bool)
    own = ipma[is_focal].set_index("construct")
    if own.empty:
        raise InputError("ipma", f"the IPMA table has no rows of the focal street{f' {focal!r}' if focal else ''}.",
                         "pass the table of a comparison whose focal street this is.")
    others = ipma[~is_focal].groupby("construct")["gap"].max()
    return pd.DataFrame({"performance": own["performance"], "importance": own["importance"],
                         "benchmark_gap": others.reindex(own.index)})  # fmt: skip


def performance_from_means(means, scale_min, scale_max):
    """Per construct, from the measure stage's table of construct means (construct, mean; e.g.
    midpoint.csv): performance = 100 (M - min) / (max - min), as in the IPMA; no importance."""
    if not {"construct", "mean"} <= set(means.columns):
        raise InputError("construct means", "the table needs the columns construct and mean.",
                         "pass the measure stage's midpoint table (construct, mean).")
    if "group" in means.columns:  # midpoint.csv: the whole sample is group "all"
        means = means[means["group"] == "all"]
    if means["construct"].duplicated().any():
        raise InputError("construct means", "a construct appears more than once.", "pass one mean per construct.")
    table = means.set_index("construct")
    return pd.DataFrame({"performance": 100 * (table["mean"] - scale_min) / (scale_max - scale_min),
                         "importance": np.nan, "benchmark_gap": np.nan})  # fmt: skip


def focal_lacks(dimensions, performance, cases, focal):
    """One row per dimension, ranked by the rule above: dimension, name_zh, name_en, rank
    (1 = weakest; <NA> when unmeasured), measured, construct (the weakest related construct),
    performance, importance, benchmark_gap, focal_practices (how many the focal case has on
    it), and lacks_zh / lacks_en: the benchmark cases' practices on the dimension, each after
    its place's short name. `performance`: from performance_from_ipma or _from_means."""
    ordered = _ordered(cases, focal)
    benchmarks = ordered[1:]
    rows = []
    for order, dimension in enumerate(dimensions):
        measured = [c for c in dimension.constructs if c in performance.index and pd.notna(performance.at[c, "performance"])]
        row = {"dimension": dimension.code, "name_zh": dimension.name["zh"], "name_en": dimension.name["en"],
               "measured": bool(measured), "construct": None, "performance": np.nan, "importance": np.nan,
               "benchmark_gap": np.nan, "focal_practices": len(ordered[0].on(dimension.code)), "_order": order}  # fmt: skip
        if measured:
            # the weakest construct; among equally weak ones, the more important
            weakest = min(measured, key=lambda c: (performance.at[c, "performance"],
                                                   -np.nan_to_num(performance.at[c, "importance"], nan=-np.inf)))
            row.update(construct=weakest, **{k: performance.at[weakest, k] for k in ("performance", "importance", "benchmark_gap")})
        for language in ("zh", "en"):
            row[f"lacks_{language}"] = SEPARATOR[language].join(
                case.short[language] + COLON[language] + p.text(language) for case in benchmarks for p in case.on(dimension.code))
        rows.append(row)
    table = pd.DataFrame(rows)
    keys = pd.DataFrame({"unmeasured": ~table["measured"], "performance": table["performance"],
                         "importance": -table["importance"].fillna(-np.inf),
                         "gap": -table["benchmark_gap"].fillna(-np.inf), "order": table["_order"]})  # fmt: skip
    table = table.loc[keys.sort_values(list(keys.columns)).index].drop(columns="_order").reset_index(drop=True)
    ranks = pd.Series(range(1, len(table) + 1), dtype="Int64")
    table.insert(3, "rank", ranks.where(table["measured"], pd.NA))
    return table
