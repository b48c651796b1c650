"""CONSORT-style flow diagram of the screening: raw records -> screened -> analysed.

Drawn from the screening summary (screening.json), so the figure shows exactly the numbers the
ledger adds up to. Same conventions as figures.py: a bare matplotlib Figure, PNG at 300 dpi
plus SVG, fixed metadata and SVG ids, so the same summary gives byte-identical files.
"""

import textwrap

import matplotlib
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from govsurvey.figures.style import TEXT_WIDTH_IN, check_language, new_figure, save, style

FONT = 6.5  # pt, as style.FONT_SIZE
LINE = FONT * 1.45 / 72  # line height, inches
MAIN_W, SIDE_X, PAD = 1.9, 2.45, 0.07
MAIN_H = 2 * LINE + 2 * PAD
EDGE, FILL = "#333333", "#f2f2f2"


def _count(language, n):
    return f"n = {n}"


def _side_lines(summary, language, keys):
    """One line per applied rule: its label and primary count, with all its flags when more."""
    text = check_language(language)
    lines = []
    for key in keys:
        if not summary["rules"][key]["applied"]:
            continue
        label = text["reasons"][key]
        primary, flagged = summary["excluded_by_primary_reason"][key], summary["flagged_by_rule"][key]
        extra = text["flow"]["flagged"].format(n=flagged) if flagged != primary else ""
        lines.append(text["flow"]["line"].format(label=label, n=primary) + extra)
    return lines


def _box(fig, x, y_top, width, lines, bold_first=True, fill=FILL):
    """A box whose top-left corner is (x, y_top) inches; returns its height."""
    height = len(lines) * LINE + 2 * PAD
    fig.add_artist(
        FancyBboxPatch((x, y_top - height), width, height, boxstyle="square,pad=0", transform=fig.dpi_scale_trans,
                       facecolor=fill, edgecolor=EDGE, linewidth=0.6)
    )  # fmt: skip
    for i, line in enumerate(lines):
        fig.text(x + PAD, y_top - PAD - (i + 0.78) * LINE, line, transform=fig.dpi_scale_trans, fontsize=FONT,
                 fontweight="bold" if (i == 0 and bold_first) else "normal")  # fmt: skip
    return height


def _arrow(fig, start, end):
    fig.add_artist(
        FancyArrowPatch(start, end, transform=fig.dpi_scale_trans, arrowstyle="-|>", mutation_scale=7,
                        color=EDGE, linewidth=0.7, shrinkA=0, shrinkB=0)
    )  # fmt: skip


def _flow_figure(summary, language):
    words = check_language(language)
    reasons, text = words["reasons"], words["flow"]
    order = [k for k in summary["order"] if k != "incomplete"]
    excluded_lines = _side_lines(summary, language, order)
    n_screening = summary["n_raw"] - summary["n_screened"]
    side1 = [f"{text['excluded']} ({_count(language, n_screening)})", *excluded_lines]
    listwise = summary["rules"]["incomplete"]["enabled"]
    side2 = [f"{text['excluded']} ({_count(language, summary['excluded_by_primary_reason']['incomplete'])})",
             reasons["incomplete"]]  # fmt: skip
    rules = summary["rules"]
    off = [reasons[k] for k in rules if not rules[k]["enabled"]]
    skipped = [
        f"{reasons[k]} ({words['rule_notes'][rules[k]['note']]})"
        for k in rules
        if rules[k]["enabled"] and not rules[k]["applied"]
    ]
    footer = [text["note"]]
    footer += [text["not_applied"].format(rules="; ".join(skipped))] if skipped else []
    footer += [text["off"].format(rules="; ".join(off))] if off else []
    width = 125 if language == "en" else 62  # characters per line at the footer's size
    footer = [part for line in footer for part in textwrap.wrap(line, width)]

    side1_h = len(side1) * LINE + 2 * PAD
    side2_h = len(side2) * LINE + 2 * PAD
    gap1 = max(0.35, side1_h + 0.2)
    gap2 = max(0.35, side2_h + 0.2) if listwise else 0
    height = 0.15 + MAIN_H * (3 if listwise else 2) + gap1 + gap2 + 0.15 + len(footer) * LINE + 0.1
    fig = new_figure(TEXT_WIDTH_IN, height)
    centre = 0.1 + MAIN_W / 2
    y = height - 0.15
    main = [
        [text["raw"], _count(language, summary["n_raw"])],
        [text["screened"], _count(language, summary["n_screened"])],
    ]
    if listwise:
        main.append([text["analysed"], _count(language, summary["n_kept"])])
    else:
        main[1][0] = text["analysed"]
    sides = [(side1, gap1)] + ([(side2, gap2)] if listwise else [])
    for i, lines in enumerate(main):
        _box(fig, 0.1, y, MAIN_W, lines, fill="white")
        y -= MAIN_H
        if i < len(sides):
            side, gap = sides[i]
            _arrow(fig, (centre, y), (centre, y - gap))
            mid = y - gap / 2
            side_h = len(side) * LINE + 2 * PAD
            _box(fig, SIDE_X, mid + side_h / 2, TEXT_WIDTH_IN - SIDE_X - 0.1, side)
            _arrow(fig, (centre, mid), (SIDE_X, mid))
            y -= gap
    y -= 0.15
    for i, line in enumerate(footer):
        fig.text(0.1, y - (i + 0.78) * LINE, line, transform=fig.dpi_scale_trans, fontsize=FONT - 1, color="#444444")
    return fig


def flow_diagram(summary, language, png_path, svg_path):
    """Draw the screening flow from a screening summary (govsurvey.screening.summarize)."""
    check_language(language)
    with matplotlib.rc_context(style(language)):
        fig = _flow_figure(summary, language)
        save(fig, png_path, svg_path)
    return fig
