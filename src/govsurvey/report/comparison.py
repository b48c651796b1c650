"""The chapter's comparison section: the focal street beside the benchmark streets and its own
groups, generated from results/comparison/ (see compare/study.py for what each table holds)."""

import pandas as pd

from govsurvey.formatting import apa_number, apa_p, significance_stars
from govsurvey.report.tables import markdown_table, num


class Comparison:
    """The comparison's results and the names the chapter gives streets and groupings."""

    def __init__(self, chapter, streets, groupings):
        self.c, self.w = chapter, chapter.w["comparison"]
        self.summary = chapter.json_file(chapter.files.comparison("summary"))
        self.tables = {name: chapter.csv_file(chapter.files.comparison(name)) for name in (
            "invariance", "freed", "latent_means", "paths", "path_equality", "midpoint", "differences", "ipma")}
        self.names = {sid: entry.get("short_name", entry["name"])[chapter.language] for sid, entry in streets.items()}
        self.full_names = {sid: entry["name"][chapter.language] for sid, entry in streets.items()}
        self.groupings = groupings  # name -> config spec

    def street(self, sid):
        return self.names.get(sid, sid)

    def grouping_name(self, name):
        spec = self.groupings.get(name, {})
        if spec.get("name"):
            return spec["name"][self.c.language]
        demo = {d.code: d for d in self.c.instrument.demographics}.get(spec.get("variable"))
        return getattr(demo, self.c.language) if demo else name

    def group_label(self, comparison, label):
        """Street ids and group names (stored in English) in the chapter's language."""
        if comparison == "streets":
            return self.street(label)
        for group in self.groupings.get(comparison, {}).get("groups", []):
            if group["name"]["en"] == label:
                return group["name"][self.c.language]
        variable = self.groupings.get(comparison, {}).get("variable")
        for demo in self.c.instrument.demographics:
            if demo.code == variable:
                for option in self.c.instrument.demographic_options(demo, self.c.street):
                    if option["en"] == label:
                        return option[self.c.language]
        return label

    def comparison_name(self, comparison):
        return self.w["streets_name"] if comparison == "streets" else self.grouping_name(comparison)


def _steps_text(cmp, comparison):
    """'configural, metric and scalar invariance held; strict did not' for one comparison."""
    w, c = cmp.w, cmp.c
    steps = cmp.tables["invariance"]
    steps = steps[steps["comparison"] == comparison]
    final = steps.drop_duplicates("step", keep="last").set_index("step")
    held = [w["step"][s] for s in final.index if s == "configural" or bool(final.loc[s, "holds"])]
    failed = [w["step"][s] for s in final.index if s != "configural" and not bool(final.loc[s, "holds"])]
    freed = cmp.tables["freed"]
    freed = freed[freed["comparison"] == comparison]
    text = w["held"].format(steps=c.w["join"](held))
    if len(freed):
        text += w["partial"].format(parameters=c.w["join"]([f"`{p}`" for p in freed["parameter"]]))
    if failed:
        text += w["failed"].format(steps=c.w["join"](failed))
    return text


def invariance_table(cmp):
    """Every step of every comparison's ladder (the comparison named on its first row; a
    verdict does not wrap)."""
    w = cmp.w
    rows, previous = [], None
    for r in cmp.tables["invariance"].itertuples():
        name = cmp.comparison_name(r.comparison) if r.comparison != previous else ""
        previous = r.comparison
        first = r.step == "configural"
        step = w["step"][r.step] + (w["partial_mark"] if r.partial else "")
        rows.append((name, step, f"{r.chisq:.2f}", f"{r.df:.0f}", apa_number(r.cfi, 3), apa_number(r.rmsea, 3),
                     *(["—"] * 6 if first else [apa_number(r.d_cfi, 3), apa_number(r.d_rmsea, 3), f"{r.d_chisq:.2f}",
                                                f"{r.d_df:.0f}", apa_p(r.d_pvalue), w["holds"][bool(r.holds)].replace(" ", "\u00a0")])))  # fmt: skip
    frame = pd.DataFrame(rows, columns=w["invariance_columns"])
    return markdown_table(frame, w["invariance_caption"], "tbl-invariance")


def latent_means_table(cmp):
    """Per construct, each benchmark street's latent mean difference from the focal street with
    its 95% CI, and the standardized difference d with significance stars."""
    w = cmp.w
    means = cmp.tables["latent_means"]
    means = means[means["comparison"] == "streets"]
    streets = list(dict.fromkeys(means["group_label"]))
    rows = []
    for factor in dict.fromkeys(means["factor"]):
        cells = []
        for s in streets:
            r = means[(means["factor"] == factor) & (means["group_label"] == s)].iloc[0]
            cells += [f"{num(r['est'])} [{num(r['ci_lower'])}, {num(r['ci_upper'])}]",
                      apa_number(r["std_diff"], 2) + significance_stars(r["pvalue"])]
        rows.append((factor, *cells))
    columns = [w["construct"]] + [c.format(street=cmp.street(s)) for s in streets for c in w["latent_columns"]]
    reference = cmp.street(cmp.summary["focal"])
    return markdown_table(pd.DataFrame(rows, columns=columns), w["latent_caption"].format(street=reference),
                          "tbl-latent-means")


def latent_means_text(cmp, alpha):
    """Per benchmark street: the constructs where its latent mean is significantly higher or lower."""
    w, c = cmp.w, cmp.c
    means = cmp.tables["latent_means"]
    means = means[means["comparison"] == "streets"]
    if means.empty:
        return w["no_latent_means"]
    parts = []
    for street, rows in means.groupby("group_label", sort=False):
        higher = rows[(rows["pvalue"] < alpha) & (rows["est"] > 0)]["factor"].tolist()
        lower = rows[(rows["pvalue"] < alpha) & (rows["est"] < 0)]["factor"].tolist()
        parts.append(w["latent_street"].format(street=cmp.street(street), higher=c.w["join"](higher) or c.w["none"],
                                               lower=c.w["join"](lower) or c.w["none"]))
    return w["latent_intro"].format(focal=cmp.street(cmp.summary["focal"])) + " " + " ".join(parts)


def scores_table(cmp):
    """Construct scores per street (M, SD; stars: against the midpoint) and the Welch ANOVA."""
    w = cmp.w
    mid = cmp.tables["midpoint"]
    diffs = cmp.tables["differences"]
    diffs = diffs[diffs["comparison"] == "streets"].set_index("construct")
    streets = list(dict.fromkeys(mid["group"]))
    rows = []
    for construct in dict.fromkeys(mid["construct"]):
        cells = []
        for s in streets:
            r = mid[(mid["group"] == s) & (mid["construct"] == construct)].iloc[0]
            cells.append(f"{r['mean']:.2f} ({r['sd']:.2f}){significance_stars(r['p_holm'])}")
        d = diffs.loc[construct] if construct in diffs.index else None
        test = "—" if d is None else f"{d['statistic']:.2f} ({d['df1']:.0f}, {d['df2']:.1f}), {apa_p(d['p_holm'])}"
        effect = "—" if d is None else apa_number(d["effect"], 3)
        rows.append((construct, *cells, test, effect))
    columns = [w["construct"], *[cmp.street(s) for s in streets], w["welch_anova"], "η²"]
    midpoint = mid["midpoint"].iloc[0]
    return markdown_table(pd.DataFrame(rows, columns=columns), w["scores_caption"].format(midpoint=f"{midpoint:g}"),
                          "tbl-scores-streets")


def paths_table(cmp):
    """β of every structural path per street, and the tests of its equality across streets."""
    w = cmp.w
    paths, equal = cmp.tables["paths"], cmp.tables["path_equality"]
    streets = list(dict.fromkeys(paths["group_label"]))
    rows = []
    for r in equal.itertuples():
        cells = []
        for s in streets:
            p = paths[(paths["lhs"] == r.lhs) & (paths["rhs"] == r.rhs) & (paths["group_label"] == s)].iloc[0]
            cells.append(apa_number(p["std_all"], 2) + significance_stars(p["pvalue"]))
        rows.append((f"{r.rhs} → {r.lhs}", *cells, f"{r.wald:.2f} ({r.wald_df:.0f}), {apa_p(r.wald_pvalue)}",
                     f"{r.d_chisq:.2f} ({r.d_df:.0f}), {apa_p(r.d_pvalue)}"))  # fmt: skip
    columns = [w["path"], *[cmp.street(s) for s in streets], w["wald"], w["d_chisq"]]
    return markdown_table(pd.DataFrame(rows, columns=columns), w["paths_caption"], "tbl-paths-streets")


def paths_text(cmp, alpha):
    equal = cmp.tables["path_equality"]
    differ = equal[equal["wald_pvalue"] < alpha]
    return cmp.w["paths_text"].format(n=cmp.c.count(len(differ), "path_word"), total=len(equal),
                                      paths=cmp.c.w["join"]([f"{r.rhs} → {r.lhs}" for r in differ.itertuples()])
                                      or cmp.c.w["none"])


def ipma_table(cmp):
    w = cmp.w
    table = cmp.tables["ipma"]
    focal = cmp.summary["focal"]
    streets = list(dict.fromkeys(table["street"]))
    rows = []
    for construct, part in table.groupby("construct", sort=False):
        part = part.set_index("street")
        gap = max(part.loc[s, "gap"] for s in streets if s != focal)
        rows.append((construct, num(part.loc[focal, "importance"]), apa_number(part.loc[focal, "importance_std"], 3),
                     *[f"{part.loc[s, 'performance']:.1f}" for s in streets], f"{gap:.1f}"))  # fmt: skip
    columns = [w["construct"], w["importance"], w["importance_std"], *[cmp.street(s) for s in streets], w["gap"]]
    outcome = cmp.summary.get("outcome", "")
    return markdown_table(pd.DataFrame(rows, columns=columns), w["ipma_caption"].format(outcome=outcome), "tbl-ipma")


def ipma_text(cmp):
    """The constructs that matter most where the focal street lags furthest behind."""
    w = cmp.w
    table = cmp.tables["ipma"]
    focal = table[table["focal"]].set_index("construct")
    gaps = table[~table["focal"]].groupby("construct")["gap"].max()
    ranked = focal.assign(gap=gaps).sort_values("importance", ascending=False)
    top = ranked[ranked["importance"] >= ranked["importance"].median()].sort_values("gap", ascending=False)
    named = [w["ipma_item"].format(code=code, importance=num(r.importance), performance=f"{r.performance:.1f}",
                                    gap=f"{r.gap:.1f}") for code, r in top.iterrows() if r.gap > 0]  # fmt: skip
    return w["ipma_text"].format(focal=cmp.street(cmp.summary["focal"]), outcome=cmp.summary.get("outcome", ""),
                                 constructs=cmp.c.w["join"](named) if named else cmp.c.w["none"])


def groups_tables(cmp):
    """One table per grouping: a row per group with its n and mean construct scores, then the
    test of each construct (statistic, df, Holm-corrected p, effect size) in the last rows."""
    w = cmp.w
    diffs = cmp.tables["differences"]
    out = []
    for comparison, part in diffs[diffs["comparison"] != "streets"].groupby("comparison", sort=False):
        part = part.set_index("construct")
        constructs = list(part.index)
        labels = [cmp.group_label(comparison, g) for g in part["groups"].iloc[0].split(" / ")]
        sizes = part["n"].iloc[0].split("/")
        means = {c: part.loc[c, "means"].split("/") for c in constructs}
        rows = [(label, n, *[f"{float(means[c][k]):.2f}" for c in constructs])
                for k, (label, n) in enumerate(zip(labels, sizes))]  # fmt: skip
        two = part["test"].iloc[0] == "welch_t"
        stat, effect = ("t", "g") if two else ("F", "η²")
        df = [f"{part.loc[c, 'df1']:.1f}" if two else f"{part.loc[c, 'df1']:.0f}, {part.loc[c, 'df2']:.1f}"
              for c in constructs]  # fmt: skip
        rows += [(stat, "", *[f"{part.loc[c, 'statistic']:.2f}" for c in constructs]), ("df", "", *df),
                 (w["p_holm"], "", *[apa_p(part.loc[c, "p_holm"]) for c in constructs]),
                 (effect, "", *[apa_number(part.loc[c, "effect"], 3 if not two else 2) for c in constructs])]
        columns = [w["group"], "n", *constructs]
        caption = w["groups_caption"].format(grouping=cmp.comparison_name(comparison))
        label = f"tbl-groups-{comparison.replace('_', '-')}"
        out.append(markdown_table(pd.DataFrame(rows, columns=columns), caption, label))
    return out


def comparison_text(cmp, alpha):
    """The whole section's body: text, tables and figures."""
    w, c = cmp.w, cmp.c
    summary = cmp.summary
    focal = cmp.full_names.get(summary["focal"], summary["focal"])
    ran = {name: s for name, s in summary["comparisons"].items() if s["ran"]}
    gap = " " if c.language == "en" else ""
    parts = []
    benchmarks = [s for s in summary["streets"] if s != summary["focal"]]
    sizes = ran.get("streets", {}).get("n", {})
    intro = w["intro"].format(
        focal=focal, benchmarks=c.w["join"]([f"{cmp.full_names.get(s, s)} (n = {sizes.get(s, '—')})" for s in benchmarks]),
        n_focal=sizes.get(summary["focal"], "—"),
        groupings=c.w["join"]([cmp.grouping_name(g) for g in cmp.groupings]) or c.w["none"])  # fmt: skip
    parts.append(intro)
    left = {name: groups for name, groups in summary["left_out"].items() if groups}
    for name, groups in left.items():
        parts.append(w["left_out"].format(comparison=cmp.comparison_name(name), groups=c.w["join"](
            [f"{cmp.group_label(name, g)} (n = {n})" for g, n in groups.items()])))
    text = [gap.join(parts), ""]
    text += [f"### {w['invariance_heading']} {{#sec-invariance}}", ""]
    verdicts = [w["verdict"].format(comparison=cmp.comparison_name(name), text=_steps_text(cmp, name)) for name in ran]
    text += [w["invariance_intro"] + gap + gap.join(verdicts), "", invariance_table(cmp)]
    if "streets" in ran:
        text += [f"### {w['latent_heading']} {{#sec-latent-means}}", "", latent_means_text(cmp, alpha), ""]
        if len(cmp.tables["latent_means"][cmp.tables["latent_means"]["comparison"] == "streets"]):
            text += [latent_means_table(cmp), "",
                     f"![{w['latent_figure'].format(street=focal)}](figures/latent_means.png)"
                     "{#fig-latent-means width=\"100%\"}", ""]
        text += [f"### {w['scores_heading']} {{#sec-scores}}", "", w["scores_text"], "", scores_table(cmp)]
        if len(cmp.tables["path_equality"]):
            text += [f"### {w['paths_heading']} {{#sec-paths-streets}}", "", paths_text(cmp, alpha), "", paths_table(cmp)]
        if len(cmp.tables["ipma"]):
            text += [f"### {w['ipma_heading']} {{#sec-ipma}}", "", ipma_text(cmp), "", ipma_table(cmp), "",
                     f"![{w['ipma_figure'].format(focal=focal)}](figures/ipma.png){{#fig-ipma width=\"100%\"}}", ""]
    groupings = [name for name in ran if name != "streets"]
    if groupings:
        refs = c.w["join"]([f"@tbl-groups-{name.replace('_', '-')}" for name in groupings])
        text += [f"### {w['groups_heading'].format(focal=focal)} {{#sec-groups}}", "",
                 w["groups_text"].format(tables=refs), "", *groups_tables(cmp)]
    return "\n".join(text) + "\n"
