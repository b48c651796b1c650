"""Figures of the comparison: the benchmark streets' latent means relative to the focal street,
and the importance-performance map. Drawn with seaborn on a bare matplotlib Figure (no pyplot
state), saved like every figure (style.save: PNG 300 dpi and SVG, deterministic)."""

import matplotlib
import numpy as np
import seaborn as sns

from govsurvey.figures.style import FONT_SIZE, TEXT_WIDTH_IN, check_language, new_figure, save, style

PALETTE = "colorblind"


def street_names(streets, language):
    """{street id: display name} from the config's street entries."""
    return {sid: entry["name"][language] for sid, entry in streets.items()}


def latent_means_figure(means, streets, focal, language, png_path, svg_path):
    """Standardized latent mean difference of each benchmark street from the focal street (its
    latent SD units), per construct, with 95% CIs; the focal street is the zero line.
    `means`: the comparison's latent_means table (comparison == "streets")."""
    w = check_language(language)["comparison_figures"]
    names = street_names(streets, language)
    frame = means.assign(street=means["group_label"].map(names),
                         lo=means["ci_lower"] / means["reference_sd"], hi=means["ci_upper"] / means["reference_sd"])
    factors = list(dict.fromkeys(frame["factor"]))
    benchmarks = list(dict.fromkeys(frame["street"]))
    with matplotlib.rc_context(style(language)):
        fig = new_figure(TEXT_WIDTH_IN, 2.6)
        ax = fig.add_axes([0.08, 0.2, 0.9, 0.68])
        colours = sns.color_palette(PALETTE, len(benchmarks))
        width = 0.6 / max(len(benchmarks), 1)
        for k, (street, colour) in enumerate(zip(benchmarks, colours)):
            rows = frame[frame["street"] == street].set_index("factor").reindex(factors)
            x = np.arange(len(factors)) + (k - (len(benchmarks) - 1) / 2) * width
            ax.errorbar(x, rows["std_diff"], yerr=[rows["std_diff"] - rows["lo"], rows["hi"] - rows["std_diff"]],
                        fmt="o", ms=3.5, lw=1, capsize=2, color=colour, label=street)
        ax.axhline(0, color="#444444", lw=0.8, label=w["focal"].format(street=names[focal]))
        ax.set_xticks(range(len(factors)), factors)
        ax.set_ylabel(w["latent_axis"].format(street=names[focal]))
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(benchmarks) + 1, frameon=False,
                  fontsize=FONT_SIZE)
        sns.despine(ax=ax)
        save(fig, png_path, svg_path)


def ipma_figure(table, streets, focal, language, png_path, svg_path):
    """Importance (total effect on the outcome) against performance (0-100) of each construct:
    the focal street's points, each joined to the same construct's points in the benchmark
    streets. `table`: the comparison's ipma table."""
    w = check_language(language)["comparison_figures"]
    names = street_names(streets, language)
    frame = table.assign(street=table["street"].map(names))
    order = [names[focal]] + [n for n in dict.fromkeys(frame["street"]) if n != names[focal]]
    with matplotlib.rc_context(style(language)):
        fig = new_figure(TEXT_WIDTH_IN, 3.4)
        ax = fig.add_axes([0.09, 0.13, 0.88, 0.72])
        for _, rows in frame.groupby("construct", sort=False):
            ax.plot(rows["importance"], rows["performance"], color="#bbbbbb", lw=0.6, zorder=1)
        sns.scatterplot(data=frame, x="importance", y="performance", hue="street", style="street",
                        hue_order=order, style_order=order, palette=PALETTE, s=28, ax=ax, zorder=2)
        for r in frame[frame["focal"]].itertuples():
            ax.annotate(r.construct, (r.importance, r.performance), xytext=(4, -3), textcoords="offset points",
                        fontsize=FONT_SIZE)
        outcome = table.attrs.get("outcome", "")
        ax.set_xlabel(w["importance_axis"].format(outcome=outcome))
        ax.set_ylabel(w["performance_axis"])
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(order), frameon=False, title=None,
                  fontsize=FONT_SIZE)
        sns.despine(ax=ax)
        save(fig, png_path, svg_path)
