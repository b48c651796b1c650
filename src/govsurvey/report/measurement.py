"""The chapter's descriptive statistics and measurement-model tables."""

import pandas as pd

from govsurvey.formatting import apa_number
from govsurvey.report.tables import level_percent, markdown_table


def descriptives_table(chapter, descriptives):
    columns = chapter.w["descriptives_columns"]
    frame = pd.DataFrame(
        {
            columns[0]: [f"**{v}**" if level == "construct" else v
                         for v, level in zip(descriptives["variable"], descriptives["level"])],
            columns[1]: descriptives["n"].to_numpy(),
            columns[2]: [f"{v:.2f}" for v in descriptives["mean"]],
            columns[3]: [f"{v:.2f}" for v in descriptives["sd"]],
            columns[4]: [apa_number(v, 2, leading_zero=True) for v in descriptives["skewness"]],
            columns[5]: [apa_number(v, 2, leading_zero=True) for v in descriptives["kurtosis"]],
        }
    )  # fmt: skip
    return markdown_table(frame, chapter.w["descriptives_caption"], "tbl-descriptives")


def reliability_table(chapter, reliability, level=0.95):
    """α with its CI, ω, AVE (semTools), CR and AVE of Fornell & Larcker, the smallest loading:
    each column named for the variant it is."""
    w = chapter.w
    pct = level_percent(level)
    columns = [c.format(level=pct) for c in w["reliability_columns"]]
    frame = pd.DataFrame(
        {
            columns[0]: [chapter.named(c) for c in reliability["construct"]],
            columns[1]: reliability["n_items"].to_numpy(),
            columns[2]: [f"{apa_number(a, 3)} [{apa_number(lo, 3)}, {apa_number(hi, 3)}]"
                         for a, lo, hi in zip(reliability["alpha"], reliability["alpha_ci_lower"],
                                              reliability["alpha_ci_upper"])],
            columns[3]: [apa_number(v, 3) for v in reliability["omega"]],
            columns[4]: [apa_number(v, 3) for v in reliability["ave_semtools"]],
            columns[5]: [apa_number(v, 3) for v in reliability["cr"]],
            columns[6]: [apa_number(v, 3) for v in reliability["ave"]],
            columns[7]: [apa_number(v, 3) for v in reliability["min_loading"]],
        }
    )  # fmt: skip
    return markdown_table(frame, w["reliability_caption"].format(level=pct), "tbl-reliability")


def item_analysis_table(chapter, loadings, items):
    """Per item: standardized loading, R², corrected item-total r and alpha if deleted."""
    columns = chapter.w["item_analysis_columns"]
    merged = loadings.merge(items, on=["construct", "item"])
    frame = pd.DataFrame(
        {
            columns[0]: merged["item"],
            columns[1]: [apa_number(v, 3) for v in merged["std_all"]],
            columns[2]: [apa_number(v, 3) for v in merged["r2"]],
            columns[3]: [apa_number(v, 3) for v in merged["r_drop"]],
            columns[4]: [apa_number(v, 3) for v in merged["alpha_if_deleted"]],
        }
    )
    return markdown_table(frame, chapter.w["item_analysis_caption"], "tbl-item-analysis")


def fornell_larcker_table(chapter, table):
    codes = list(table["construct"])
    rows = []
    for i, r in enumerate(table.itertuples(index=False)):
        cells = [apa_number(getattr(r, c), 3) for c in codes[: i + 1]]
        cells[-1] = f"**{cells[-1]}**"
        rows.append([r.construct, *cells, *[""] * (len(codes) - i - 1)])
    frame = pd.DataFrame(rows, columns=["", *codes])
    return markdown_table(frame, chapter.w["fornell_larcker_caption"], "tbl-fornell-larcker")


def htmt_table(chapter, htmt):
    codes = list(dict.fromkeys([*htmt["construct_a"], *htmt["construct_b"]]))
    value = {(a, b): v for a, b, v in zip(htmt["construct_a"], htmt["construct_b"], htmt["htmt2"])}
    value.update({(b, a): v for (a, b), v in list(value.items())})
    rows = [[a, *[apa_number(value[(a, b)], 3) if j < i else "" for j, b in enumerate(codes[:-1])]]
            for i, a in enumerate(codes) if i > 0]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["", *codes[:-1]])
    return markdown_table(frame, chapter.w["htmt_caption"], "tbl-htmt")
