"""Forest plot of the effects with their bootstrap CIs: the indirect routes sorted by size in one
panel, the total effects in a panel of their own (govsurvey.sem.effects' table)."""

import matplotlib

from govsurvey.figures.style import TEXT_WIDTH_IN, check_language, new_figure, save, style

ROW_IN = 0.26  # inches per effect
PANEL_GAP_IN = 0.55  # between the panels: the second panel's title


def forest_panels(effects):
    """[(panel, rows)]: the indirect routes, then the total effects, each sorted by estimate,
    largest first (rows as given, with a `label`). A panel without rows is left out."""
    panels = []
    for panel, kind in (("routes", "indirect"), ("totals", "total")):
        rows = effects[effects["kind"] == kind].sort_values("est", ascending=False, kind="stable")
        rows = rows.assign(label=rows["route"] if kind == "indirect" else rows["cause"] + " → " + rows["outcome"])
        if len(rows):
            panels.append((panel, rows))
    return panels


def forest_plot(effects, language, png_path, svg_path, level=0.95):
    """Each indirect route and each total effect with its percentile and bias-corrected bootstrap
    CIs. `effects`: the effects table (kind, cause, outcome, route, est, ci_lower_perc,
    ci_upper_perc, ci_lower_bc, ci_upper_bc)."""
    text = check_language(language)["forest"]
    panels = forest_panels(effects)
    with matplotlib.rc_context(style(language)):
        n_rows = sum(len(rows) for _, rows in panels)
        height = 0.95 + ROW_IN * n_rows + PANEL_GAP_IN * len(panels)
        fig = new_figure(TEXT_WIDTH_IN, height)
        top = 1 - 0.25 / height  # room for the legend
        axes = []
        for k, (panel, rows) in enumerate(panels):
            panel_height = (ROW_IN * len(rows) + 0.2) / height
            top -= 0.22 / height  # the panel's title
            ax = fig.add_axes([0.30, top - panel_height, 0.66, panel_height],
                              sharex=axes[0] if axes else None)
            top -= panel_height + (PANEL_GAP_IN - 0.22) / height
            _draw(ax, rows)
            ax.set_title(text[panel], loc="left", fontweight="bold", pad=3)
            axes.append(ax)
        for ax in axes[:-1]:
            ax.tick_params(labelbottom=False)
        axes[-1].set_xlabel(text["axis"].format(level=level))
        handles = [
            matplotlib.lines.Line2D([], [], color="#2166ac", lw=1.2, label=text["perc"]),
            matplotlib.lines.Line2D([], [], color="#b2182b", lw=1.2, ls=(0, (3, 1.5)), label=text["bc"]),
        ]
        fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.63, 1.0), ncol=2, frameon=False)
        save(fig, png_path, svg_path)


def _draw(ax, rows):
    rows = list(rows.itertuples())
    for y, row in enumerate(reversed(rows)):  # the largest at the top
        ax.plot([row.ci_lower_perc, row.ci_upper_perc], [y + 0.14] * 2, color="#2166ac", lw=1.2)
        ax.plot([row.ci_lower_bc, row.ci_upper_bc], [y - 0.14] * 2, color="#b2182b", lw=1.2, ls=(0, (3, 1.5)))
        ax.plot([row.est], [y], marker="D", color="black", ms=3.5, zorder=3)
    ax.axvline(0, color="grey", lw=0.6)
    ax.set_yticks(range(len(rows)), [r.label for r in reversed(rows)])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
