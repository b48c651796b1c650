"""Figures of the comparison: the benchmark streets' latent means relative to the focal street,
and the importance-performance map. Drawn with seaborn on a bare matplotlib Figure (no pyplot
state), saved like every figure (style.save: PNG 300 dpi and SVG, deterministic)."""

import textwrap

import matplotlib
import numpy as np
import seaborn as sns

from govsurvey.figures.style import FONT_SIZE, TEXT_WIDTH_IN, check_language, new_figure, save, style

PALETTE = "colorblind"
QUADRANT = "#f3e3d3"  # the shade of high importance and low performance


def street_names(streets, language):
    """{street id: display name} from the config's street entries."""
    return {sid: entry["name"][language] for sid, entry in streets.items()}


def construct_label(code, names, language, width=34):
    """'Name of the construct (IN)', wrapped: the reader sees what a code stands for."""
    name = (names or {}).get(code)
    if not name:
        return code
    if language == "zh":
        return f"{name}（{code}）" if len(name) <= 14 else f"{name[:14]}\n{name[14:]}（{code}）"
    return "\n".join(textwrap.wrap(f"{name} ({code})", width))


def latent_means_figure(means, streets, focal, language, png_path, svg_path, names=None):
    """Standardized latent mean difference of each benchmark street from the focal street (its
    latent SD units), per construct, with 95% CIs; the focal street is the zero line.
    `means`: the comparison's latent_means table (comparison == "streets"); `names`: {code:
    construct name in `language`} for the axis labels. Returns the Figure."""
    w = check_language(language)["comparison_figures"]
    street = street_names(streets, language)
    frame = means.assign(street=means["group_label"].map(street),
                         lo=means["ci_lower"] / means["reference_sd"], hi=means["ci_upper"] / means["reference_sd"])
    factors = list(dict.fromkeys(frame["factor"]))
    benchmarks = list(dict.fromkeys(frame["street"]))
    labels = [construct_label(f, names, language) for f in factors]
    lines = max(label.count("\n") + 1 for label in labels) if labels else 1
    # one band per construct, tall enough for its wrapped label; nothing below the last one
    height = 0.8 + max(len(factors), 1) * max(0.28, 0.12 * lines)
    with matplotlib.rc_context(style(language)):
        fig = new_figure(TEXT_WIDTH_IN, height)
        left, top, bottom = 0.36, 0.32 / height, 0.42 / height
        ax = fig.add_axes([left, bottom, 0.97 - left, 1 - top - bottom])
        colours = sns.color_palette(PALETTE, len(benchmarks))
        step = 0.5 / max(len(benchmarks), 1)
        for k, (name, colour) in enumerate(zip(benchmarks, colours)):
            rows = frame[frame["street"] == name].set_index("factor").reindex(factors)
            y = np.arange(len(factors)) + (k - (len(benchmarks) - 1) / 2) * step
            ax.errorbar(rows["std_diff"], y, xerr=[rows["std_diff"] - rows["lo"], rows["hi"] - rows["std_diff"]],
                        fmt="o", ms=3.5, lw=1, capsize=2, color=colour, label=name)
        ax.axvline(0, color="#444444", lw=0.8, label=w["focal"].format(street=street[focal]))
        ax.set_yticks(range(len(factors)), labels)
        ax.set_ylim(max(len(factors), 1) - 0.5, -0.5)  # first construct on top, no empty band
        ax.set_xlabel(w["latent_axis"].format(street=street[focal]))
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(benchmarks) + 1, frameon=False,
                  fontsize=FONT_SIZE)
        sns.despine(ax=ax)
        save(fig, png_path, svg_path)
    return fig


def ipma_figure(table, streets, focal, language, png_path, svg_path):
    """Importance (each street's own total effect on the outcome) against performance (0-100),
    one panel per street, the focal street first: dashed lines at the street's mean importance
    and mean performance, the quadrant of above-average importance and below-average
    performance shaded. `table`: the comparison's ipma table. Returns the Figure."""
    w = check_language(language)["comparison_figures"]
    names = street_names(streets, language)
    order = [focal] + [s for s in dict.fromkeys(table["street"]) if s != focal]
    x_pad = 0.08 * (table["importance"].max() - table["importance"].min() or 1)
    y_pad = 0.08 * (table["performance"].max() - table["performance"].min() or 1)
    x_lim = (table["importance"].min() - x_pad, table["importance"].max() + 2 * x_pad)
    y_lim = (table["performance"].min() - y_pad, table["performance"].max() + y_pad)
    colours = dict(zip(order, sns.color_palette(PALETTE, len(order))))
    with matplotlib.rc_context(style(language)):
        fig = new_figure(TEXT_WIDTH_IN, 2.9)
        width = 0.86 / len(order)
        for k, sid in enumerate(order):
            ax = fig.add_axes([0.08 + k * width, 0.15, width * 0.9, 0.68])
            rows = table[table["street"] == sid]
            mean_x, mean_y = rows["importance"].mean(), rows["performance"].mean()
            ax.fill_between([mean_x, x_lim[1]], y_lim[0], mean_y, color=QUADRANT, lw=0, zorder=0)
            ax.axvline(mean_x, color="#888888", lw=0.7, ls="--", zorder=1)
            ax.axhline(mean_y, color="#888888", lw=0.7, ls="--", zorder=1)
            ax.scatter(rows["importance"], rows["performance"], s=18, color=colours[sid], zorder=2)
            ax.set_xlim(*x_lim)
            ax.set_ylim(*y_lim)
            _label_points(ax, rows["importance"], rows["performance"], rows["construct"])
            ax.set_title(names.get(sid, sid), fontsize=FONT_SIZE + 0.5)
            if k:
                ax.tick_params(labelleft=False)
            else:
                ax.set_ylabel(w["performance_axis"])
            sns.despine(ax=ax)
        outcome = table.attrs.get("outcome", "")
        fig.text(0.5, 0.02, w["importance_axis"].format(outcome=outcome), ha="center", fontsize=FONT_SIZE)
        fig.text(0.5, 0.985, w["quadrant"], ha="center", va="top", fontsize=FONT_SIZE - 0.5, color="#555555",
                 bbox=dict(boxstyle="square,pad=0.2", fc=QUADRANT, lw=0))
        save(fig, png_path, svg_path)
    return fig


# where a label may sit beside its point (offset in points, horizontal alignment)
_SPOTS = [((3, 2), "left"), ((3, -8), "left"), ((-3, 2), "right"), ((-3, -8), "right"), ((3, 8), "left"),
          ((-3, -14), "right")]


def _label_points(ax, xs, ys, texts):
    """Codes beside their points, each at the first spot where it overlaps no label placed
    before it nor another point (greedy; enough for a handful of constructs)."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    points = ax.transData.transform(np.column_stack([xs, ys]))
    placed = []
    for (px, py), text in zip(points, texts):
        for offset, align in _SPOTS:
            label = ax.annotate(text, (0, 0), xycoords="data", fontsize=FONT_SIZE, ha=align, va="bottom",
                                xytext=offset, textcoords="offset points")
            label.xy = ax.transData.inverted().transform((px, py))
            box = label.get_window_extent(renderer).expanded(1.3, 1.3)
            hits_point = any(box.contains(qx, qy) for qx, qy in points)
            if not hits_point and not any(box.overlaps(other) for other in placed):
                placed.append(box)
                break
            label.remove()
        else:
            label = ax.annotate(text, ax.transData.inverted().transform((px, py)), fontsize=FONT_SIZE,
                                xytext=(3, 2), textcoords="offset points")
