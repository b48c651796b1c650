"""The chapter's sample-size justification from the Monte Carlo power study (govsurvey.power):
the design, convergence, bias and coverage, the smallest N at which every structural path and
indirect route reaches the target power (naming those that do not), the study's N against it,
and the RMSEA power of the test of close fit (MacCallum et al., 1996); a table of power by N."""

import math

import pandas as pd

from govsurvey.formatting import apa_number
from govsurvey.report.tables import markdown_table

KINDS = ("path", "indirect")  # what the justification covers: every path and indirect route


def _power(p, P):
    """'of .78' (为0.78), or 'above .999' (高于0.999) where it would round to 1."""
    return P["above"].format(value=apa_number(0.999, 3)) if p > 0.999 else P["power_is"].format(value=apa_number(p, 2))


def _named(rows, w, powers):
    """'IN → PL → PW → GS (.78)' for each row, joined in the chapter's language."""
    return w["join"]([f"{r.route}{w['paren'].format(apa_number(powers[r.key], 2))}" for r in rows.itertuples()])


def power_text(chapter):
    """The paragraph and the table (markdown) of the power section."""
    w, P = chapter.w, chapter.w["power"]
    s = chapter.json("power", "summary")
    table = chapter.table("power", "table")
    smallest = chapter.table("power", "smallest")
    tested = smallest[smallest["kind"].isin(KINDS)]
    rows = table[table["kind"].isin(KINDS)]
    target, n_study = s["target"], s["study_n"]
    sizes = s["sizes"]
    parts = []
    population = P["population_fitted"] if s["population"] == "fitted" else P["population_set"].format(
        values=w["join"]([f"{k} = {apa_number(v, 2, leading_zero=True)}" for k, v in s["population"].items()]))
    parts.append(P["design"].format(n=n_study, sizes=w["join"]([str(n) for n in sizes]),
                                    replications=s["replications"], population=population,
                                    alpha=apa_number(s["alpha"], 2)))
    total = s["replications"] * len(sizes)
    counts = {int(n): c for n, c in s["statuses"].items()}
    converged = sum(sum(c.values()) - c["not_converged"] for c in counts.values())
    admissible = sum(c["admissible"] for c in counts.values())
    paths, routes = rows[rows["kind"] == "path"], rows[rows["kind"] == "indirect"]
    worst = max(abs(v) for v in paths["rel_bias"].dropna()) if len(paths) else math.nan
    # Muthén & Muthén (2002) count a relative bias within 10% as negligible
    quality = dict(total=f"{total:,}" if chapter.language == "en" else total, bias=f"{100 * worst:.1f}",
                   unbiased=P["unbiased"]["small" if worst <= 0.10 else "large"],
                   p_lo=f"{100 * paths['coverage'].min():.1f}", p_hi=f"{100 * paths['coverage'].max():.1f}")
    if admissible == total:
        parts.append(P["all_admissible"].format(**quality))
    else:
        parts.append(P["some_inadmissible"].format(**quality, converged=f"{100 * converged / total:.1f}",
                                                   admissible=f"{100 * admissible / total:.1f}"))
    if len(routes):
        parts.append(P["routes_coverage"].format(e_lo=f"{100 * routes['coverage'].min():.1f}",
                                                 e_hi=f"{100 * routes['coverage'].max():.1f}"))
    largest = rows[rows["n"] == sizes[-1]].set_index("key")["power"]
    missed = tested[tested["smallest_n"].isna()]
    reached = tested[tested["smallest_n"].notna()]
    target_text = apa_number(target, 2)
    if missed.empty:
        n_all = int(reached["smallest_n"].max())
        parts.append(P["all_reached"].format(target=target_text, n=n_all, kept=P["kept"] if n_all < sizes[-1] else ""))
    else:
        rest = (P["rest_reached"].format(n=int(reached["smallest_n"].max())) if len(reached)
                else P["none_reached"])
        parts.append(P["not_reached"].format(names=_named(missed, w, largest), target=target_text,
                                             n_max=sizes[-1], rest=rest))
    below = [n for n in sizes if n <= n_study]
    if not below:
        parts.append(P["study_below_grid"].format(n=n_study, n_min=sizes[0]))
    else:
        n_below = below[-1]
        at = rows[rows["n"] == n_below].set_index("key")["power"]
        short = tested[[at[k] < target for k in tested["key"]]]
        where = P["at_study_n"].format(n=n_study) if n_below == n_study else P["at_grid_n"].format(n=n_below, n_study=n_study)
        if short.empty:
            parts.append(P["study_enough"].format(where=where, target=target_text))
        else:
            parts.append(P["study_short"].format(where=where, names=_named(short, w, at),
                                                 target=target_text,
                                                 rest=P["study_short_rest"] if len(short) < len(tested) else ""))
    if s["population"] == "fitted":
        parts.append(P["post_hoc"])
    r = s["rmsea"]
    parts.append(P["rmsea"].format(null=apa_number(r["null"], 2), alternative=apa_number(r["alternative"], 2),
                                   df=s["df"], n=n_study, power=_power(r["power_at_study_n"], P),
                                   n80=r["n_for_target"], target=target_text))
    return w["sentence_join"].join(parts) + "\n\n" + power_table(chapter, rows, smallest, s) + "\n"


def power_table(chapter, rows, smallest, summary):
    """Power of every path and indirect route at each N of the grid, its standardized population
    value and the smallest N reaching the target (three-line table, as the chapter's others)."""
    w, P = chapter.w, chapter.w["power"]
    columns = P["table_columns"]
    by_key = {k: g.set_index("n")["power"] for k, g in rows.groupby("key", sort=False)}
    first = smallest.set_index("key")["smallest_n"]
    order = [t for t in smallest.itertuples() if t.kind in KINDS]
    frame = pd.DataFrame({
        columns[0]: [t.route for t in order],
        columns[1]: [apa_number(t.population_std, 2) for t in order],
        # the sizes alone head their columns (the caption says so): "N = 100" would wrap over .81
        **{str(n): [apa_number(by_key[t.key][n], 2) for t in order] for n in summary["sizes"]},
        columns[2]: [P["not_reached_cell"] if pd.isna(first[t.key]) else str(int(first[t.key])) for t in order],
    })
    caption = P["table_caption"].format(replications=summary["replications"],
                                        alpha=apa_number(summary["alpha"], 2),
                                        target=apa_number(summary["target"], 2))
    return markdown_table(frame, caption, "tbl-power", whole=(0,))
