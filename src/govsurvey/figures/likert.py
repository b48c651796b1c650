"""Diverging stacked bars of every item's answers, grouped by construct."""

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from govsurvey.errors import InputError
from govsurvey.figures.style import (FONT_SIZE, NEUTRAL_GREY, TEXT_WIDTH_IN, check_language, fit,
                                     new_figure, save, style, text_size, wrap_to_width)
from govsurvey.words import words


def likert_palette(n_points):
    """Colours for an n-point scale: ColorBrewer RdBu (colour-blind safe), grey neutral."""
    cmap = matplotlib.colormaps["RdBu"]
    colours = [matplotlib.colors.to_hex(cmap(x)) for x in np.linspace(0.1, 0.9, n_points)]
    if n_points % 2:
        colours[n_points // 2] = NEUTRAL_GREY  # RdBu's near-white centre vanishes on paper
    return colours


def likert_percentages(responses, instrument):
    """Percent of valid answers per item (rows, questionnaire order) and scale point (columns).

    Also returns the number of valid answers per item as column "n".
    """
    codes = instrument.item_codes
    missing = [c for c in codes if c not in responses.columns]
    if missing:
        raise InputError(
            "responses",
            f"the responses table lacks the item column(s) {', '.join(missing)}.",
            "pass the screened responses with one column per instrument item.",
        )
    points = instrument.scale_points
    rows = {}
    for code in codes:
        answers = pd.to_numeric(responses[code], errors="coerce").dropna()
        off_scale = sorted(set(answers) - set(points))
        if off_scale:
            raise InputError(
                "responses",
                f"item {code} has answers {off_scale[:5]} outside the scale "
                f"{instrument.scale_min}–{instrument.scale_max}.",
                "check the ingest step's recoding of answer labels to numbers.",
            )
        counts = answers.value_counts().reindex(points, fill_value=0)
        total = counts.sum()
        row = counts / total * 100 if total else counts.astype(float)
        rows[code] = {**row.to_dict(), "n": int(total)}
    return pd.DataFrame.from_dict(rows, orient="index")


def _likert_layout(instrument):
    """Rows from top to bottom: ("header", construct) and ("item", code)."""
    rows = []
    for construct in instrument.constructs.values():
        codes = [c for c in instrument.item_codes if instrument.items[c].construct == construct.code]
        rows.append(("header", construct.code))
        rows.extend(("item", c) for c in codes)
    return rows


def _legend_columns(labels):
    """Legend columns: every scale point in one row when the labels fit the text width, else
    as few rows as make them fit (long labels of a 7-point scale)."""
    fig = new_figure(TEXT_WIDTH_IN, 1)
    # per entry: the label, a 1.2 em handle, 0.4 em before the text and 1 em between columns
    widths = [text_size(fig, label, FONT_SIZE)[0] + 2.6 * FONT_SIZE / 72 for label in labels]
    for n_rows in range(1, len(labels) + 1):
        ncols = -(-len(labels) // n_rows)
        if max(sum(widths[i:i + ncols]) for i in range(0, len(widths), ncols)) <= TEXT_WIDTH_IN - 0.3:
            return ncols
    return 1


def _row_major(items, ncols):
    """matplotlib fills a legend column by column; this order makes it read row by row."""
    n_rows = -(-len(items) // ncols)
    return [items[r * ncols + c] for c in range(ncols) for r in range(n_rows) if r * ncols + c < len(items)]


def _likert_figure(responses, instrument, language):
    table = likert_percentages(responses, instrument)
    points = instrument.scale_points
    colours = likert_palette(len(points))
    mid = (instrument.scale_min + instrument.scale_max) / 2
    text = words(language)["figures"]
    rows = _likert_layout(instrument)

    labels = [instrument.labels[p][language] for p in points]
    ncols = _legend_columns(labels)
    legend_rows = -(-len(points) // ncols)
    label_width = 0.5 * TEXT_WIDTH_IN  # left column for item labels
    margin = 0.05
    # Every item's whole wording, wrapped to the label column (English between words, Chinese
    # between characters); a row is as tall as its lines, at least the bar's row.
    measure = new_figure(TEXT_WIDTH_IN, 1)
    code_w = max(text_size(measure, f"{c}  ", FONT_SIZE)[0] for c in instrument.item_codes) + 0.02
    pitch = FONT_SIZE * 1.15 / 72  # inches per wrapped line
    row_height = 0.165  # inches: a header, or an item of one line
    wrapped, heights = {}, []
    for kind, code in rows:
        if kind == "header":
            heights.append(row_height)
            continue
        item = instrument.items[code]
        wording = getattr(item, language) + (" (R)" if item.reverse else "")
        wrapped[code] = wrap_to_width(measure, wording, label_width - code_w - 0.1, FONT_SIZE, language)
        heights.append(max(row_height, len(wrapped[code]) * pitch + 0.03))
    centres = -(np.cumsum(heights) - np.array(heights) / 2)  # inches from the top of the bars
    total = float(sum(heights))
    top, bottom = 0.3 + 0.15 * legend_rows, 0.55  # room for legend; axis label and note
    height = total + top + bottom
    fig = new_figure(TEXT_WIDTH_IN, height)
    ax = fig.add_axes(
        [
            (label_width + 2 * margin) / TEXT_WIDTH_IN,
            bottom / height,
            (TEXT_WIDTH_IN - label_width - 4 * margin) / TEXT_WIDTH_IN,
            total / height,
        ]
    )
    label_at = blended_transform_factory(fig.transFigure, ax.transData)
    x_label = margin / TEXT_WIDTH_IN

    extent = 0
    for (kind, code), y in zip(rows, centres):
        if kind == "header":
            name = instrument.constructs[code].name[language]
            header = fit(fig, f"{code}  ", name, TEXT_WIDTH_IN - 2 * margin, FONT_SIZE, "bold")
            ax.text(x_label, y, header, transform=label_at, fontweight="bold", va="center")
            continue
        ax.text(x_label + 0.12 / TEXT_WIDTH_IN, y, code, transform=label_at, va="center")
        ax.text(x_label + (0.12 + code_w) / TEXT_WIDTH_IN, y, "\n".join(wrapped[code]), transform=label_at,
                va="center", linespacing=1.15, gid=f"wording-{code}")
        shares = [table.loc[code, p] for p in points]
        below = sum(s for p, s in zip(points, shares) if p < mid)
        centre = sum(s for p, s in zip(points, shares) if p == mid)
        left = -below - centre / 2
        for share, colour in zip(shares, colours):
            ax.barh(y, share, left=left, height=0.72 * row_height, color=colour, edgecolor="white", linewidth=0.3)
            left += share
        above = sum(s for p, s in zip(points, shares) if p > mid)
        extent = max(extent, below + centre / 2, above + centre / 2)
        # Totals of disagreement and agreement beside the bar ends.
        ax.text(
            -below - centre / 2 - 1, y, f"{below:.0f}", ha="right", va="center", fontsize=5.5, color="#444444"
        )
        ax.text(
            above + centre / 2 + 1, y, f"{above:.0f}", ha="left", va="center", fontsize=5.5, color="#444444"
        )

    limit = 10 * np.ceil((extent + 8) / 10)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-total, 0)
    ax.axvline(0, color="#333333", linewidth=0.6, zorder=0)
    step = 20 if limit > 60 else 10
    ticks = np.arange(-(limit // step) * step, limit + 1, step)
    ax.set_xticks(ticks, [f"{abs(t):.0f}" for t in ticks])
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", labelsize=FONT_SIZE, length=2)
    n_valid = table["n"]
    n_text = (
        f"{text['n']} = {n_valid.max()}"
        if n_valid.min() == n_valid.max()
        else (f"{text['n']} = {n_valid.min()}–{n_valid.max()}")
    )
    ax.set_xlabel(f"{text['axis']} (%), {n_text}", fontsize=FONT_SIZE, labelpad=2)
    handles = [Patch(facecolor=c, edgecolor="none") for c in colours]
    fig.legend(
        _row_major(handles, ncols),
        _row_major(labels, ncols),
        loc="upper center",
        bbox_to_anchor=(0.5, 1 - 0.08 / height),
        ncols=ncols,
        frameon=False,
        fontsize=FONT_SIZE,
        handlelength=1.2,
        columnspacing=1.0,
        handletextpad=0.4,
    )
    if instrument.reverse_items:
        fig.text(margin / TEXT_WIDTH_IN, 0.08 / height, text["reverse_note"], fontsize=5.5, color="#444444")
    return fig, table


def likert_chart(responses, instrument, language, png_path, svg_path):
    """Diverging stacked bar chart of every item's answers, grouped by construct.

    Writes png_path (300 dpi) and svg_path; returns the plotted percentage table
    (items x scale points, plus "n" valid answers per item).
    """
    check_language(language, instrument)
    with matplotlib.rc_context(style(language)):
        fig, table = _likert_figure(responses, instrument, language)
        save(fig, png_path, svg_path)
    return table
