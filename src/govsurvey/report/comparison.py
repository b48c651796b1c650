"""The chapter's comparison section: the focal street beside the benchmark streets and its own
groups, generated from results/comparison/ (see compare/study.py for what each table holds).

Every sentence is built from the numbers it states: which invariance steps held and why not,
the latent means, the scores, the paths and the groups, each with its own sentence for the
case where nothing qualifies. A verdict word is chosen from the value as printed."""

import pandas as pd

from govsurvey.compare.criteria import CONFIGURAL_FIT, NO_ANSWER
from govsurvey.formatting import apa_number, apa_p, significance_stars
from govsurvey.report.tables import markdown_table, md_escape, num, p_phrase

ALPHA = 0.05


class Comparison:
    """The comparison's results and the names the chapter gives streets and groupings."""

    def __init__(self, chapter, streets, groupings, settings=None):
        self.c, self.w = chapter, chapter.w["comparison"]
        self.summary = chapter.json_file(chapter.files.comparison("summary"))
        self.tables = {name: chapter.csv_file(chapter.files.comparison(name)) for name in (
            "invariance", "freed", "latent_means", "paths", "path_equality", "midpoint", "differences", "ipma")}
        self.names = {sid: entry.get("short_name", entry["name"])[chapter.language] for sid, entry in streets.items()}
        self.full_names = {sid: entry["name"][chapter.language] for sid, entry in streets.items()}
        self.groupings = groupings  # name -> config spec
        self.settings = settings or {}

    def street(self, sid):
        return self.names.get(sid, sid)

    def grouping_name(self, name):
        spec = self.groupings.get(name, {})
        if spec.get("name"):
            return spec["name"][self.c.language]
        demo = {d.code: d for d in self.c.instrument.demographics}.get(spec.get("variable"))
        return demo.label(self.c.language) if demo else name

    def group_label(self, comparison, label):
        """Street ids, group names and options (stored in English) in the chapter's language."""
        if comparison == "streets":
            return self.street(label)
        if label == NO_ANSWER:
            return self.w["no_answer"]
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

    def named_n(self, name, n):
        return self.w["named_n"].format(name=name, n=n)

    def steps(self, comparison):
        """The final row of each step of one comparison's ladder (a partial model's, when freed)."""
        steps = self.tables["invariance"]
        steps = steps[steps["comparison"] == comparison]
        return steps.drop_duplicates("step", keep="last").set_index("step")

    def freed(self, comparison, step=None):
        freed = self.tables["freed"]
        if "parameter" not in freed:  # nothing freed anywhere: the file has no columns to speak of
            return []
        freed = freed[freed["comparison"] == comparison]
        return list(freed[freed["step"] == step]["parameter"] if step else freed["parameter"])

    def holds(self, comparison, step):
        final = self.steps(comparison)
        return step in final.index and bool(final.loc[step, "holds"])

    def configural_fits(self, comparison):
        return self.holds(comparison, "configural")


def _cap(text):
    return text[:1].upper() + text[1:]


def _step_stats(cmp, comparison):
    """'metric: ΔCFI = .001, ΔRMSEA = −.001, Δχ²(48) = 39.22, p = .813; scalar: …'."""
    w = cmp.w
    final = cmp.steps(comparison)
    parts = [w["step_stats"].format(step=w["step"][s], d_cfi=apa_number(r["d_cfi"], 3), d_rmsea=apa_number(r["d_rmsea"], 3),
                                    d_df=f"{r['d_df']:.0f}", d_chisq=f"{r['d_chisq']:.2f}", p=p_phrase(r["d_pvalue"]))
             for s, r in final.iterrows() if s != "configural"]  # fmt: skip
    return w["step_stats_join"].join(parts)


def _verdict(cmp, comparison, k):
    """One comparison's invariance verdict; `k` (its place among the comparisons that held
    throughout) varies the sentence."""
    w, c = cmp.w, cmp.c
    final = cmp.steps(comparison)
    name = cmp.comparison_name(comparison)
    stats = _step_stats(cmp, comparison)
    if not cmp.configural_fits(comparison):
        r = final.loc["configural"]
        template = w["verdict_misfit"][k % len(w["verdict_misfit"])]
        return template.format(comparison=name, failing=_failing(cmp, r), steps=stats)
    later = [s for s in final.index if s != "configural"]

    def level(s):
        freed = cmp.freed(comparison, s)
        text = w["step_text"][s]
        return text + w["partial"].format(parameters=c.w["join"]([f"`{p}`" for p in freed])) if freed else text

    held = [level(s) for s in later if bool(final.loc[s, "holds"])]
    failed = [w["step_text"][s] for s in later if not bool(final.loc[s, "holds"])]
    if not failed:
        levels = c.w["join"](held)
        template = w["verdict_all"][k % len(w["verdict_all"])]
        text = template.format(comparison=name, levels=levels, levels_cap=_cap(levels), steps=stats)
    elif not held:
        text = w["verdict_none"].format(comparison=name, failed=c.w["join"](failed), steps=stats)
    else:
        text = w["verdict_some"].format(comparison=name, held=c.w["join"](held), failed=c.w["join"](failed), steps=stats)
    significant = [w["step_text"][s] for s in later if bool(final.loc[s, "holds"]) and final.loc[s, "d_pvalue"] < ALPHA]
    if significant:
        text += (" " if c.language == "en" else "") + w["chisq_note"].format(steps=c.w["join"](significant))
    return text


SIGNS = {"cfi": "≥", "tli": "≥", "rmsea": "≤", "srmr": "≤"}


def _configural_cutoffs(cmp):
    return {**CONFIGURAL_FIT, **(cmp.settings.get("invariance", {}).get("configural_fit") or {})}


def _cutoffs(cmp):
    sep = ", " if cmp.c.language == "en" else "，"
    return sep.join(f"{k.upper()} {SIGNS[k]} {apa_number(v, 2)}" for k, v in _configural_cutoffs(cmp).items())


def _failing(cmp, row):
    """'CFI = .906 < .95, TLI = .894 < .95': the configural model's indices that miss their cut-off."""
    sep = ", " if cmp.c.language == "en" else "，"
    missed = [(k, v) for k, v in _configural_cutoffs(cmp).items()
              if not (row[k] >= v if SIGNS[k] == "≥" else row[k] <= v)]  # fmt: skip
    return sep.join(f"{k.upper()} = {apa_number(row[k], 3)} {'<' if SIGNS[k] == '≥' else '>'} {apa_number(v, 2)}"
                    for k, v in missed)


def invariance_text(cmp, ran):
    """The criteria, then a verdict per comparison with its Δχ² beside ΔCFI and ΔRMSEA, and the
    warning where groups are small for the number of parameters."""
    w, c = cmp.w, cmp.c
    gap = " " if c.language == "en" else ""
    inv = cmp.settings.get("invariance", {})
    parts = [w["invariance_intro"].format(cutoffs=_cutoffs(cmp))]
    if inv.get("criteria", "chen2007") == "chen2007":
        parts.append(w["criteria_chen"].format(small_group=inv.get("small_group", 300)))
        small = [cmp.comparison_name(n) for n, s in ran.items() if "chen2007_small" in s.get("criteria", [])]
        parts.append(w["criteria_small"].format(comparisons=c.w["join"](small)) if small else w["criteria_small_none"])
    else:
        parts.append(w["criteria_each"].format(cfi=apa_number(inv.get("cfi_drop", 0.01), 3),
                                               rmsea=apa_number(inv.get("rmsea_rise", 0.015), 3)))
    parts.append(w["criteria_partial"])
    verdicts, counts = [], {True: 0, False: 0}  # sentence variants, counted apart for fits and misfits
    for name in ran:
        fits = cmp.configural_fits(name)
        verdicts.append(_verdict(cmp, name, counts[fits]))
        counts[fits] += not fits or all(cmp.steps(name)["holds"])
    few = [w["few_cases_item"].format(comparison=cmp.comparison_name(n), n=min(s["n"].values()),
                                      k=f"{s['free_per_group']:.0f}") for n, s in ran.items() if s.get("few_cases")]  # fmt: skip
    if few:
        verdicts.append(w["few_cases"].format(comparisons=c.w["join"](few)))
    return gap.join(parts) + "\n\n" + gap.join(verdicts)


def invariance_table(cmp):
    """Every step of every comparison's ladder: a row naming the comparison, then its steps with
    each model's CFI and RMSEA, the changes from the step before and the verdict. The models'
    own χ² and df stay in invariance.csv: with them the table is wider than the page and its
    Chinese cells wrap a character at a time."""
    w = cmp.w
    rows = []
    for comparison, part in cmp.tables["invariance"].groupby("comparison", sort=False):
        rows.append((f"**{cmp.comparison_name(comparison)}**", *[""] * (len(w["invariance_columns"]) - 1)))
        for r in part.itertuples():
            first = r.step == "configural"
            step = w["step_short"][r.step] + (w["partial_mark"] if r.partial else "")
            verdict = w["verdict_short"][bool(r.holds)]
            rows.append((step, apa_number(r.cfi, 3), apa_number(r.rmsea, 3),
                         *(["—"] * 5 + [verdict] if first else [apa_number(r.d_cfi, 3), apa_number(r.d_rmsea, 3),
                                                                f"{r.d_chisq:.2f}", f"{r.d_df:.0f}", apa_p(r.d_pvalue), verdict])))  # fmt: skip
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
    model = w["latent_model_partial"] if cmp.freed("streets", "scalar") else w["latent_model"]
    return markdown_table(pd.DataFrame(rows, columns=columns), w["latent_caption"].format(street=reference, model=model),
                          "tbl-latent-means")


def _size(value, cuts, names):
    """The size word of a value as printed (cuts ascending)."""
    return names[sum(value >= cut for cut in cuts)]


def latent_means_text(cmp, alpha):
    """What the latent means say: per benchmark street where it is higher, lower or alike, and
    the constructs on which the focal street trails every benchmark."""
    w, c = cmp.w, cmp.c
    gap = " " if c.language == "en" else ""
    focal = cmp.street(cmp.summary["focal"])
    means = cmp.tables["latent_means"]
    means = means[means["comparison"] == "streets"]
    if means.empty or not cmp.holds("streets", "scalar"):
        return w["no_latent_means_misfit"] if not cmp.configural_fits("streets") else w["no_latent_means"]
    freed = cmp.freed("streets", "scalar")
    parts = [w["latent_intro_partial"].format(focal=focal, parameters=c.w["join"]([f"`{p}`" for p in freed]))
             if freed else w["latent_intro"].format(focal=focal)]
    means = means.assign(d=[round(v, 2) for v in means["std_diff"]])

    def detail(rows):
        return c.w["join"]([w["latent_detail"].format(code=r.factor, d=apa_number(r.d, 2), p=p_phrase(r.pvalue))
                            for r in rows.itertuples()])  # fmt: skip

    for sid, rows in means.groupby("group_label", sort=False):
        street = cmp.street(sid)
        higher = rows[(rows["pvalue"] < alpha) & (rows["est"] > 0)].sort_values("d")
        lower = rows[(rows["pvalue"] < alpha) & (rows["est"] < 0)]
        same = rows[rows["pvalue"] >= alpha]
        if len(higher) > 1:
            parts.append(w["latent_higher_all" if len(higher) == len(rows) else "latent_higher"].format(street=street, focal=focal, n=len(higher), total=len(rows),
                                                   low=apa_number(higher["d"].iloc[0], 2), low_code=higher["factor"].iloc[0],
                                                   high=apa_number(higher["d"].iloc[-1], 2), high_code=higher["factor"].iloc[-1]))  # fmt: skip
        elif len(higher) == 1:
            parts.append(w["latent_higher_one"].format(street=street, focal=focal, code=higher["factor"].iloc[0],
                                                       d=apa_number(higher["d"].iloc[0], 2)))
        else:
            parts.append(w["latent_higher_none"].format(street=street, focal=focal))
        parts.append(w["latent_lower"].format(codes=c.w["join"](lower["factor"]), details=detail(lower)) if len(lower)
                     else w["latent_lower_none"].format(street=street, focal=focal))  # fmt: skip
        if len(same) == 1:
            r = same.iloc[0]
            parts.append(w["latent_same_one"].format(code=r["factor"], d=apa_number(r["d"], 2), p=p_phrase(r["pvalue"])))
        elif len(same):
            parts.append(w["latent_same"].format(codes=c.w["join"](same["factor"]), details=detail(same)))
    # constructs on which every benchmark is significantly higher
    significant = means[(means["pvalue"] < alpha) & (means["est"] > 0)]
    benchmarks = means["group_label"].nunique()
    trailing = [f for f, part in significant.groupby("factor", sort=False) if part["group_label"].nunique() == benchmarks]
    if trailing:
        widest = significant[significant["factor"].isin(trailing)].sort_values("d").iloc[-1]
        parts.append(w["latent_trails"].format(focal=focal, codes=c.w["join"](trailing), code=widest["factor"],
                                               d=apa_number(widest["d"], 2), street=cmp.street(widest["group_label"]),
                                               size=_size(abs(widest["d"]), (0.2, 0.5, 0.8), w["size_d"])))  # fmt: skip
    else:
        parts.append(w["latent_trails_none"].format(focal=focal))
    return gap.join(parts)


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


def scores_text(cmp, alpha):
    """How far the streets differ, where the focal street is lowest, and where its means lie
    against the midpoint."""
    w, c = cmp.w, cmp.c
    gap = " " if c.language == "en" else ""
    focal_id = cmp.summary["focal"]
    focal = cmp.street(focal_id)
    parts = [w["scores_text"]]
    diffs = cmp.tables["differences"]
    diffs = diffs[diffs["comparison"] == "streets"]
    if len(diffs):
        differ = diffs[diffs["p_holm"] < alpha].assign(eta=lambda d: d["effect"].round(3)).sort_values("eta")
        if differ.empty:
            parts.append(w["scores_differ_none"])
        else:
            sizes = [_size(v, (0.01, 0.06, 0.14), w["size_eta"]) for v in differ["eta"].iloc[[0, -1]]]
            size = sizes[0] if sizes[0] == sizes[1] else w["size_range"].format(low=sizes[0], high=sizes[1])
            key = "scores_differ_all" if len(differ) == len(diffs) else "scores_differ"
            parts.append(w[key].format(n=len(differ), total=len(diffs), size=size,
                                       low=apa_number(differ["eta"].iloc[0], 3), low_code=differ["construct"].iloc[0],
                                       high=apa_number(differ["eta"].iloc[-1], 3), high_code=differ["construct"].iloc[-1]))  # fmt: skip
        if not cmp.holds("streets", "scalar"):
            parts.append(w["observed_caveat"].format(comparison=cmp.comparison_name("streets")))
    mid = cmp.tables["midpoint"]
    means = mid.pivot_table(index="construct", columns="group", values="mean", sort=False)
    if means.shape[1] > 1:
        lowest = [k for k, row in means.iterrows() if row[focal_id] == row.min()]
        key = "scores_lowest_all" if len(lowest) == len(means) else "scores_lowest" if lowest else "scores_lowest_none"
        parts.append(w[key].format(focal=focal, codes=c.w["join"](lowest)))
    own = mid[mid["group"] == focal_id]
    above = list(own[(own["p_holm"] < alpha) & (own["mean"] > own["midpoint"])]["construct"])
    below = list(own[(own["p_holm"] < alpha) & (own["mean"] < own["midpoint"])]["construct"])
    if above and below:
        parts.append(w["scores_midpoint"].format(above=c.w["join"](above), below=c.w["join"](below)))
    elif len(above) == len(own):
        parts.append(w["scores_midpoint_above"])
    elif len(below) == len(own):
        parts.append(w["scores_midpoint_below"])
    elif above:
        parts.append(w["scores_midpoint_partial"].format(above=c.w["join"](above)))
    elif below:
        parts.append(w["scores_midpoint_partial_below"].format(below=c.w["join"](below)))
    else:
        parts.append(w["scores_midpoint_none"])
    return gap.join(parts)


def paths_table(cmp):
    """β of every structural path per street, and the tests of its equality across streets
    (p Holm-corrected over the paths)."""
    w = cmp.w
    paths, equal = cmp.tables["paths"], cmp.tables["path_equality"]
    streets = list(dict.fromkeys(paths["group_label"]))
    rows = []
    for r in equal.itertuples():
        cells = []
        for s in streets:
            p = paths[(paths["lhs"] == r.lhs) & (paths["rhs"] == r.rhs) & (paths["group_label"] == s)].iloc[0]
            cells.append(apa_number(p["std_all"], 2) + significance_stars(p["pvalue"]))
        rows.append((f"{r.rhs} → {r.lhs}", *cells, f"{r.wald:.2f} ({r.wald_df:.0f}), {apa_p(r.wald_p_holm)}",
                     f"{r.d_chisq:.2f} ({r.d_df:.0f}), {apa_p(r.d_p_holm)}"))  # fmt: skip
    columns = [w["path"], *[cmp.street(s) for s in streets], w["wald"], w["d_chisq"]]
    return markdown_table(pd.DataFrame(rows, columns=columns), w["paths_caption"], "tbl-paths-streets")


def paths_text(cmp, alpha, single=None):
    """Where the by-street paths come from and how they differ from the single-street model
    (`single`: the focal street's own parameter table), whether metric invariance supports
    them, and which paths differ after Holm's correction."""
    w, c = cmp.w, cmp.c
    gap = " " if c.language == "en" else ""
    focal_id = cmp.summary["focal"]
    focal = cmp.street(focal_id)
    paths, equal = cmp.tables["paths"], cmp.tables["path_equality"]
    parts = []
    if single is not None:
        mine = paths[paths["group_label"] == focal_id].set_index(["lhs", "rhs"])["std_all"]
        own = single[single["op"] == "~"].set_index(["lhs", "rhs"])["std_all"].reindex(mine.index)
        printed = (mine.round(2) - own.round(2)).abs()
        if printed.max() > 0:
            lhs, rhs = printed.idxmax()
            parts.append(w["paths_model"].format(focal=focal, max=apa_number(printed.max(), 2), path=f"{rhs} → {lhs}",
                                                 single=apa_number(own[(lhs, rhs)], 2), multi=apa_number(mine[(lhs, rhs)], 2)))  # fmt: skip
        else:
            parts.append(w["paths_model_same"].format(focal=focal))
        if "pvalue" in single:  # a coefficient whose stars differ between the two tables, named
            mine_p = paths[paths["group_label"] == focal_id].set_index(["lhs", "rhs"])["pvalue"]
            own_p = single[single["op"] == "~"].set_index(["lhs", "rhs"])["pvalue"].reindex(mine_p.index)
            stars = [(k, significance_stars(own_p[k]), significance_stars(mine_p[k])) for k in mine_p.index]
            changed = [w["paths_stars_item"].format(path=f"{rhs} → {lhs}", single=apa_number(own[(lhs, rhs)], 2) + md_escape(a),
                                                    multi=apa_number(mine[(lhs, rhs)], 2) + md_escape(b))
                       for (lhs, rhs), a, b in stars if a != b]  # fmt: skip
            if changed:
                verb = w["paths_stars_verb"]["one" if len(changed) == 1 else "many"]
                parts.append(w["paths_stars"].format(paths=c.w["join"](changed), verb=verb))
    if not cmp.holds("streets", "metric"):
        parts.append(w["paths_not_metric"])
    differ = equal[equal["wald_p_holm"] < alpha]

    def betas(r):
        rows = paths[(paths["lhs"] == r.lhs) & (paths["rhs"] == r.rhs)]
        return c.w["join"]([w["path_beta"].format(street=cmp.street(s), beta=apa_number(b, 2))
                            for s, b in zip(rows["group_label"], rows["std_all"])])  # fmt: skip

    if len(differ):
        listed = [w["path_detail"].format(path=f"{r.rhs} → {r.lhs}", p=p_phrase(r.wald_p_holm), betas=betas(r))
                  for r in differ.itertuples()]  # fmt: skip
        key = "paths_text_one" if len(differ) == 1 else "paths_text"
        parts.append(w[key].format(n=c.count(len(differ), "path_word"), total=len(equal), paths=c.w["join"](listed)))
    else:
        parts.append(w["paths_text_none"].format(total=len(equal)))
    raw_only = equal[(equal["wald_pvalue"] < alpha) & (equal["wald_p_holm"] >= alpha)]
    if len(raw_only):
        parts.append(w["paths_uncorrected"].format(paths=c.w["join"](
            [f"{r.rhs} → {r.lhs} (p {p_phrase(r.wald_pvalue)})" if c.language == "en"
             else f"{r.rhs} → {r.lhs}（p {p_phrase(r.wald_pvalue)}）" for r in raw_only.itertuples()])))
    return gap.join(parts)


def ipma_table(cmp):
    """A column per construct; for each street a row of importance and one of performance, then
    the gap to the best benchmark (transposed, so that street names need not fit a header)."""
    w = cmp.w
    table = cmp.tables["ipma"]
    focal = cmp.summary["focal"]
    streets = [focal] + [s for s in dict.fromkeys(table["street"]) if s != focal]
    constructs = list(dict.fromkeys(table["construct"]))
    cell = table.set_index(["street", "construct"])
    rows = []
    for s in streets:
        rows.append((w["ipma_row"].format(street=cmp.street(s), what=w["importance"]),
                     *[num(cell.loc[(s, k), "importance"]) for k in constructs]))
        rows.append((w["ipma_row"].format(street=cmp.street(s), what=w["performance"]),
                     *[f"{cell.loc[(s, k), 'performance']:.1f}" for k in constructs]))
    gaps = table[~table["focal"]].groupby("construct")["gap"].max()
    rows.append((w["gap"], *[f"{gaps[k]:.1f}" for k in constructs]))
    columns = ["", *constructs]
    outcome = cmp.summary.get("outcome", "")
    return markdown_table(pd.DataFrame(rows, columns=columns),
                          w["ipma_caption"].format(outcome=outcome, focal=cmp.street(focal)), "tbl-ipma")


def ipma_text(cmp):
    """The map's reading for the focal street: its quadrant of high importance and low
    performance, and where it lags furthest behind the best benchmark."""
    w, c = cmp.w, cmp.c
    gap_sep = " " if c.language == "en" else ""
    table = cmp.tables["ipma"]
    focal_name = cmp.street(cmp.summary["focal"])
    outcome = cmp.summary.get("outcome", "")
    focal = table[table["focal"]].set_index("construct")
    mean_importance, mean_performance = focal["importance"].mean(), focal["performance"].mean()
    parts = [w["ipma_text"].format(outcome=outcome, focal=focal_name, importance=num(mean_importance),
                                   performance=f"{mean_performance:.1f}")]
    quadrant = focal[(focal["importance"] > mean_importance) & (focal["performance"] < mean_performance)]
    verb = w["ipma_quadrant_verb"]["one" if len(quadrant) == 1 else "many"]
    parts.append(w["ipma_quadrant"].format(focal=focal_name, codes=c.w["join"](quadrant.index), outcome=outcome, verb=verb)
                 if len(quadrant) else w["ipma_quadrant_none"].format(focal=focal_name))
    gaps = table[~table["focal"]].groupby("construct")["gap"].max()
    ranked = focal.assign(gap=gaps)
    top = ranked[ranked["importance"] >= ranked["importance"].median()].sort_values("gap", ascending=False)
    named = [w["ipma_item"].format(code=code, importance=num(r.importance), performance=f"{r.performance:.1f}",
                                    gap=f"{r.gap:.1f}") for code, r in top.iterrows() if round(r.gap, 1) > 0]  # fmt: skip
    parts.append(w["ipma_gap"].format(focal=focal_name, constructs=c.w["join"](named)) if named
                 else w["ipma_gap_none"].format(focal=focal_name))
    return gap_sep.join(parts)


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
        rows = [(label.replace(" ", "\u00a0"), n, *[f"{float(means[c][k]):.2f}" for c in constructs])
                for k, (label, n) in enumerate(zip(labels, sizes))]  # fmt: skip
        two = part["test"].iloc[0] == "welch_t"
        stat, effect = ("t", "g") if two else ("F", "η²")
        # df1 (groups − 1) is the same for every construct: it goes into the row's name, so the
        # cells keep one number each and the columns stay narrow
        df = [f"{part.loc[c, 'df1']:.1f}" if two else f"{part.loc[c, 'df2']:.1f}" for c in constructs]
        df_name = "df" if two else f"df ({part['df1'].iloc[0]:.0f}, ·)"
        rows += [(stat, "", *[f"{part.loc[c, 'statistic']:.2f}" for c in constructs]), (df_name, "", *df),
                 (w["p_holm"], "", *[apa_p(part.loc[c, "p_holm"]) for c in constructs]),
                 (effect, "", *[apa_number(part.loc[c, "effect"], 3 if not two else 2) for c in constructs])]
        columns = [w["group"], "n", *constructs]
        caption = w["groups_caption"].format(grouping=cmp.comparison_name(comparison))
        label = f"tbl-groups-{comparison.replace('_', '-')}"
        out.append(markdown_table(pd.DataFrame(rows, columns=columns), caption, label))
    return out


def groups_text(cmp, alpha):
    """Per grouping: whether its measurement was shown equal, which constructs differ (or the
    largest difference when none does), and what that means within the focal street."""
    w, c = cmp.w, cmp.c
    gap = " " if c.language == "en" else ""
    focal = cmp.full_names.get(cmp.summary["focal"], cmp.summary["focal"])
    diffs = cmp.tables["differences"]
    paragraphs, said = [], {"misfit": 0, "none": 0}  # sentence variants, so that no sentence repeats
    for comparison, part in diffs[diffs["comparison"] != "streets"].groupby("comparison", sort=False):
        name = cmp.comparison_name(comparison)
        table = w["ref"].format(label=f"@tbl-groups-{comparison.replace('_', '-')}")
        parts = []
        if not cmp.configural_fits(comparison):
            variants = w["groups_caveat_misfit"]
            parts.append(variants[said["misfit"] % len(variants)].format(grouping=name, table=table))
            said["misfit"] += 1
        elif not cmp.holds(comparison, "scalar"):
            failed = next(s for s in ("metric", "scalar") if not cmp.holds(comparison, s))
            parts.append(w["groups_caveat_step"].format(grouping=name, table=table, step=w["step"][failed]))
        two = part["test"].iloc[0] == "welch_t"
        effect, digits = ("g", 2) if two else ("η²", 3)
        differ = part[part["p_holm"] < alpha]
        if differ.empty:
            top = part.loc[part["effect"].abs().idxmax()]
            k = said["none"]
            none, alike = w["groups_none"], w["groups_alike"]
            parts.append(none[k % len(none)].format(grouping=name, code=top["construct"], effect=effect,
                                                    value=apa_number(top["effect"], digits), p=p_phrase(top["p_holm"])))
            parts.append(alike[k % len(alike)].format(focal=focal, grouping=name))
            said["none"] += 1
        else:
            details = c.w["join"]([w["groups_detail"].format(code=r.construct, effect=effect, value=apa_number(r.effect, digits),
                                                             p=p_phrase(r.p_holm)) for r in differ.itertuples()])  # fmt: skip
            parts.append(w["groups_some"].format(codes=c.w["join"](differ["construct"]), grouping=name, details=details))
        paragraphs.append(gap.join(parts))
    return paragraphs


def _who_is_compared(cmp, ran):
    """Per grouping with named groups or respondents outside them: who is compared, with counts,
    and who is left out."""
    w, c = cmp.w, cmp.c
    parts = []
    for name, outside in cmp.summary.get("not_grouped", {}).items():
        if name not in ran or not (outside or cmp.groupings.get(name, {}).get("groups")):
            continue
        groups = [cmp.named_n(cmp.group_label(name, g), n) for g, n in ran[name]["n"].items()]
        parts.append(w["compared_groups"].format(grouping=cmp.grouping_name(name), groups=c.w["join"](groups)))
        if outside:
            who = c.w["join"]([w["not_grouped_item"].format(label=cmp.group_label(name, g), n=n) for g, n in outside.items()])
            parts.append(w["not_grouped"].format(n=sum(outside.values()), who=who))
    return parts


def comparison_text(cmp, alpha, single=None):
    """The whole section's body: text, tables and figures. `single`: the focal street's own
    parameter table (to say how the by-street paths differ from it)."""
    w, c = cmp.w, cmp.c
    summary = cmp.summary
    focal = cmp.full_names.get(summary["focal"], summary["focal"])
    ran = {name: s for name, s in summary["comparisons"].items() if s["ran"]}
    gap = " " if c.language == "en" else ""
    parts = []
    benchmarks = [s for s in summary["streets"] if s != summary["focal"]]
    sizes = ran.get("streets", {}).get("n", {})
    n_focal = sizes.get(summary["focal"]) or summary.get("n", {}).get(summary["focal"], "—")
    listed = c.w["join"]([cmp.named_n(cmp.full_names.get(s, s), sizes.get(s, "—")) for s in benchmarks])
    groupings = c.w["join"]([cmp.grouping_name(g) for g in cmp.groupings])
    key = "intro" if benchmarks and groupings else "intro_streets" if benchmarks else "intro_groups"
    parts.append(w[key].format(focal=focal, benchmarks=listed, n_focal=n_focal, groupings=groupings))
    parts += _who_is_compared(cmp, ran)
    left = {name: groups for name, groups in summary["left_out"].items() if groups}
    for name, groups in left.items():
        parts.append(w["left_out"].format(comparison=cmp.comparison_name(name), groups=c.w["join"](
            [cmp.named_n(cmp.group_label(name, g), n) for g, n in groups.items()])))
    text = [gap.join(parts), ""]
    text += [f"### {w['invariance_heading']} {{#sec-invariance}}", ""]
    text += [invariance_text(cmp, ran), "", invariance_table(cmp)]
    if "streets" in ran:
        text += [f"### {w['latent_heading']} {{#sec-latent-means}}", "", latent_means_text(cmp, alpha), ""]
        if cmp.holds("streets", "scalar") and len(cmp.tables["latent_means"][cmp.tables["latent_means"]["comparison"] == "streets"]):
            text += [latent_means_table(cmp), "",
                     f"![{w['latent_figure'].format(street=focal)}](figures/latent_means.png)"
                     "{#fig-latent-means width=\"100%\"}", ""]
        text += [f"### {w['scores_heading']} {{#sec-scores}}", "", scores_text(cmp, alpha), "", scores_table(cmp)]
        if len(cmp.tables["path_equality"]):
            text += [f"### {w['paths_heading']} {{#sec-paths-streets}}", "", paths_text(cmp, alpha, single), "",
                     paths_table(cmp)]
        if len(cmp.tables["ipma"]):
            text += [f"### {w['ipma_heading']} {{#sec-ipma}}", "", ipma_text(cmp), "", ipma_table(cmp), "",
                     f"![{w['ipma_figure'].format(focal=focal)}](figures/ipma.png){{#fig-ipma width=\"100%\"}}", ""]
    groupings = [name for name in ran if name != "streets"]
    if groupings:
        refs = c.w["join"]([w["ref"].format(label=f"@tbl-groups-{name.replace('_', '-')}") for name in groupings])
        text += [f"### {w['groups_heading'].format(focal=focal)} {{#sec-groups}}", "",
                 w["groups_text"].format(tables=refs), ""]
        for paragraph, table in zip(groups_text(cmp, alpha), groups_tables(cmp)):
            text += [paragraph, "", table]
    return "\n".join(text) + "\n"
