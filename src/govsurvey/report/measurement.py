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


# The usual thresholds: α, ω and CR .70 (Nunnally & Bernstein, 1994); AVE .50 (Fornell & Larcker, 1981).
THRESHOLDS = {"alpha": 0.70, "omega": 0.70, "cr": 0.70, "ave_semtools": 0.50, "ave": 0.50}
INDEX_NAMES = {"alpha": "α", "omega": "ω", "cr": "CR (F–L)", "ave_semtools": "AVE", "ave": "AVE (F–L)"}


def _below(value, column):
    """Below its threshold as printed (three decimals), so a printed .700 is never 'below .70'."""
    return round(float(value), 3) < THRESHOLDS[column]


def reliability_text(chapter, reliability):
    """The ranges of α, ω and CR, then every construct below .70 on any of them and below .50 on
    the AVE, by name and value; an empty case is a sentence of its own."""
    w, r = chapter.w, chapter.w["reliability"]
    value = lambda c, v: r["value"].format(code=c, value=apa_number(v, 3))  # noqa: E731
    span = {f"{k}_{end}": apa_number(getattr(reliability[col], end)(), 3)
            for k, col in (("alpha", "alpha"), ("omega", "omega"), ("cr", "cr"), ("ave", "ave_semtools"),
                           ("ave_fl", "ave")) for end in ("min", "max")}  # fmt: skip
    sentences = [r["ranges"].format(**span)]
    below = []
    for column in ("alpha", "omega", "cr"):
        rows = reliability[[_below(v, column) for v in reliability[column]]]
        if len(rows):
            below.append(r["index_below"].format(index=INDEX_NAMES[column], constructs=w["join"](
                [value(c, v) for c, v in zip(rows["construct"], rows[column])])))
    sentences.append(r["reliable_some"].format(list=w["relation_join"].join(below)) if below else r["reliable_all"])
    low_ave = reliability[[_below(a, "ave_semtools") or _below(b, "ave")
                           for a, b in zip(reliability["ave_semtools"], reliability["ave"])]]
    if len(low_ave):
        listed = w["join"]([r["ave_item"].format(name=chapter.name(c), code=c, ave=apa_number(a, 3), ave_fl=apa_number(b, 3))
                            for c, a, b in zip(low_ave["construct"], low_ave["ave_semtools"], low_ave["ave"])])
        offset = r["ave_offset" if (low_ave["cr"] > 0.60).all() else "ave_no_offset"]
        sentences.append(r["ave_some"].format(n_below=chapter.count(len(low_ave), "construct_word"), list=listed,
                                              offset=offset))
    else:
        sentences.append(r["ave_all"].format(**span))
    sentences.append(r["items"])
    return w["sentence_join"].join(sentences) + "\n"


def reliability_table(chapter, reliability, level=0.95):
    """α with its CI, ω, AVE (semTools), CR and AVE of Fornell & Larcker, the smallest loading:
    each column named for the variant it is; a value below its threshold marked †."""
    w = chapter.w
    mark = lambda v, column: apa_number(v, 3) + (w["reliability"]["mark"] if _below(v, column) else "")  # noqa: E731
    pct = level_percent(level)
    columns = [c.format(level=pct) for c in w["reliability_columns"]]
    frame = pd.DataFrame(
        {
            columns[0]: [chapter.named(c) for c in reliability["construct"]],
            columns[1]: reliability["n_items"].to_numpy(),
            columns[2]: [f"{mark(a, 'alpha')} [{apa_number(lo, 3)}, {apa_number(hi, 3)}]"
                         for a, lo, hi in zip(reliability["alpha"], reliability["alpha_ci_lower"],
                                              reliability["alpha_ci_upper"])],
            columns[3]: [mark(v, "omega") for v in reliability["omega"]],
            columns[4]: [mark(v, "ave_semtools") for v in reliability["ave_semtools"]],
            columns[5]: [mark(v, "cr") for v in reliability["cr"]],
            columns[6]: [mark(v, "ave") for v in reliability["ave"]],
            columns[7]: [apa_number(v, 3) for v in reliability["min_loading"]],
        }
    )  # fmt: skip
    table = markdown_table(frame, w["reliability_caption"].format(level=pct), "tbl-reliability")
    marked = any(_below(v, c) for c in THRESHOLDS for v in reliability[c])
    return table + ("\n" + w["reliability"]["note"] + "\n" if marked else "")


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
