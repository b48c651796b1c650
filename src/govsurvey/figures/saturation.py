"""Code saturation: bars of the codes each successive interview added, and a step line of the
distinct codes found so far (govsurvey.interviews.outputs.saturation's table). When the line
flattens, further interviews added no new codes."""

import matplotlib
from matplotlib.ticker import MaxNLocator

from govsurvey.figures.style import TEXT_WIDTH_IN, check_language, new_figure, save, style

BAR = "#92c5de"
LINE = "#2166ac"


def saturation_figure(table, language, png_path, svg_path):
    """`table`: order, interviewee, new, cumulative (one row per interview in order of date).
    Returns the Figure."""
    w = check_language(language)["interviews"]
    x = list(range(1, len(table) + 1))
    with matplotlib.rc_context(style(language)):
        fig = new_figure(TEXT_WIDTH_IN, 2.4)
        ax = fig.add_axes([0.08, 0.2, 0.9, 0.68])
        ax.bar(x, table["new"], width=0.6, color=BAR, label=w["saturation_new"])
        # each interview's level spans its own bar; no baseline drop at the ends
        edges = [k - 0.5 for k in x] + [len(x) + 0.5]
        ax.stairs(table["cumulative"], edges, baseline=None, color=LINE, lw=1.2, label=w["saturation_cumulative"])
        ax.plot(x, table["cumulative"], "o", color=LINE, ms=2.5)
        ax.set_xticks(x, list(table["interviewee"]))
        ax.set_xlim(0.4, len(x) + 0.6)
        ax.set_ylim(0, max(int(table["cumulative"].max()) if len(table) else 0, 1) * 1.12)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(w["saturation_x"])
        ax.set_ylabel(w["saturation_y"])
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.legend(loc="upper center", bbox_to_anchor=(0.53, 1.0), ncol=2, frameon=False)
        save(fig, png_path, svg_path)
    return fig
