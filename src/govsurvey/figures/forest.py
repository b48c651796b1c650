"""Forest plot of the defined (indirect and total) effects with their bootstrap CIs."""

import matplotlib

from govsurvey.figures.style import TEXT_WIDTH_IN, check_language, new_figure, save, style
from govsurvey.words import effect_label


def forest_plot(effects, language, png_path, svg_path, level=0.95):
    """Each defined effect with its percentile and bias-corrected bootstrap CIs.

    `effects` has columns lhs, est, ci_lower_perc, ci_upper_perc, ci_lower_bc, ci_upper_bc.
    """
    text = check_language(language)["forest"]
    with matplotlib.rc_context(style(language)):
        height = 1.1 + 0.3 * len(effects)  # inches: margins for axis and legend, a row per effect
        fig = new_figure(TEXT_WIDTH_IN, height)
        ax = fig.add_axes([0.28, 0.55 / height, 0.68, 1 - 1.0 / height])
        rows = list(effects.itertuples())
        for y, row in enumerate(reversed(rows)):
            ax.plot([row.ci_lower_perc, row.ci_upper_perc], [y + 0.12] * 2, color="#2166ac", lw=1.2)
            ax.plot([row.ci_lower_bc, row.ci_upper_bc], [y - 0.12] * 2, color="#b2182b", lw=1.2, ls=(0, (3, 1.5)))
            ax.plot([row.est], [y], marker="D", color="black", ms=3.5, zorder=3)
        ax.axvline(0, color="grey", lw=0.6)
        ax.set_yticks(range(len(rows)), [effect_label(r.lhs, language) for r in reversed(rows)])
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlabel(text["axis"].format(level=level))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        handles = [
            matplotlib.lines.Line2D([], [], color="#2166ac", lw=1.2, label=text["perc"]),
            matplotlib.lines.Line2D([], [], color="#b2182b", lw=1.2, ls=(0, (3, 1.5)), label=text["bc"]),
        ]
        ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
        save(fig, png_path, svg_path)
