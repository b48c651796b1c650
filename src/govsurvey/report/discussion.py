"""The chapter's closing parts, generated from the results and the street's fieldwork facts:
the limitations, the Discussion with its optimisation path, and the chapter summary. Every
sentence is chosen by the numbers it states."""

from govsurvey.formatting import apa_number
from govsurvey.report.tables import p_phrase
from govsurvey.report import synthesis
from govsurvey.synthesis.joint import ipma_gaps, std_ci


def limitations_text(chapter):
    """Sample size against the model's free parameters, the sampling and the response rate, social
    desirability when someone helped respondents answer, common-method variance, screening and the
    cross-sectional design; then what the interviews and the documentary cases can bear: one
    paragraph each, from config's fieldwork facts and the results."""
    w, L = chapter.w, chapter.w["limitations"]
    fieldwork = chapter.street.get("fieldwork") or {}
    screening = chapter.json("clean", "summary")
    structural = chapter.model.structural
    fit = chapter.json("sem" if structural else "measure", "fit")
    n, q = int(fit["ntotal"]), int(fit["npar"])
    ratio = n / q
    verdict = ("above_20" if ratio >= 20 else "above_10" if ratio >= 10 else "below_10" if ratio >= 1 else "below_1")
    size = L["sample_size"].format(n=n, q=q, ratio=f"{ratio:.1f}", verdict=L["ratio_verdict"][verdict],
                                   model=L["model"]["structural" if structural else "cfa"])
    if n < 200:
        size += L["small_n"]
    local = chapter.local
    population = local(fieldwork.get("target_population")) or L["population_default"]
    if fieldwork.get("probability_sample"):
        sampling = L["probability"].format(frame=local(fieldwork.get("frame")) or population)
    else:
        frame = L["frame"].format(frame=local(fieldwork["frame"])) if fieldwork.get("frame") else ""
        sampling = L["convenience"].format(sampling=_lower_first(local(fieldwork.get("sampling")) or "—", chapter.language), frame=frame,
                                           population=_lower_first(population, chapter.language))
    if fieldwork.get("invited"):
        invited = int(fieldwork["invited"])
        response = L["response_rate"].format(invited=invited, n_raw=screening["n_raw"],
                                             rate=f"{100 * screening['n_raw'] / invited:.1f}")
    else:
        response = L["response_unknown"]
    paragraphs = [size, w["sentence_join"].join([sampling, response])]
    if fieldwork.get("assisted_by"):
        paragraphs.append(L["desirability"].format(assisted=local(fieldwork["assisted_by"])))
    harman = chapter.json("measure", "harman")
    paragraphs.append(w["sentence_join"].join([
        L["method"].format(pct=f"{100 * harman['first_component_share']:.1f}"),
        L["screening"].format(n_excluded=screening["n_excluded"])]))
    paragraphs.append(L["cross_sectional" if structural else "cross_sectional_cfa"])
    qualitative = chapter.settings.get("qualitative") or {}
    limits = []
    if qualitative.get("interviews"):
        n = len(chapter.table("interviews", "interviewees"))
        limits.append(L["interviews"].format(n=n, street=chapter.street["name"][chapter.language]))
    if qualitative.get("cases"):
        limits.append(L["cases"])
    if limits:
        paragraphs.append(w["sentence_join"].join(limits))
    return "\n\n".join(paragraphs) + "\n"


def _lower_first(text, language):
    """'Adult residents (18+) of L Street' inside an English sentence: 'adult residents …'."""
    return text[:1].lower() + text[1:] if language == "en" and text[1:2].islower() else text





# ---- the Discussion

def size_word(beta):
    """Cohen's (1988) size of a standardized coefficient, judged on the value as printed (two
    decimals), so that the word and the number beside it agree: .295 prints .30, a medium one."""
    shown = round(abs(float(f"{beta:.2f}")), 2)
    return "large" if shown >= 0.50 else "medium" if shown >= 0.30 else "small" if shown >= 0.10 else "negligible"


def _path_ci(chapter, paths):
    """{(lhs, rhs): (lo, hi)} of each path's β: bootstrap percentile, or delta method."""
    if chapter.bootstrapped:
        boot = chapter.table("bootstrap", "indirect")
        boot = boot[boot["ci_of"] == "std_all"]
        return {(r.lhs, r.rhs): (r.ci_lower_perc, r.ci_upper_perc) for r in boot.itertuples()}
    z = 1.959963984540054
    return {(r.lhs, r.rhs): (r.std_all - z * r.std_all_se, r.std_all + z * r.std_all_se) for r in paths.itertuples()}


def _association(chapter, code, rows, ci, alpha):
    """Which constructs the model relates to `code` are associated with it, strongest first, how
    strongly (Cohen's words from the printed β), and which are not."""
    d, w = chapter.w["discussion"], chapter.w
    rows = rows.assign(order=-rows["std_all"].abs()).sort_values("order")
    sig, ns = rows[rows["pvalue"] < alpha], rows[rows["pvalue"] >= alpha]

    def stat(r):
        lo, hi = ci[(r.lhs, r.rhs)]
        return d["stat"].format(beta=apa_number(r.std_all), lo=apa_number(lo), hi=apa_number(hi))

    ns_stats = w["relation_join"].join(d["ns_stat"].format(code=r.rhs, beta=apa_number(r.std_all), p=p_phrase(r.pvalue))
                                       for r in ns.itertuples())
    if sig.empty:
        return d["none_sig"].format(code=code, stats=ns_stats)
    top = sig.iloc[0]
    top_row = next(sig.itertuples())
    size = d["size"][size_word(top["std_all"])]
    if len(rows) == 1:
        return d["only"].format(code=code, top=chapter.named(top["rhs"]), size=size, stat=stat(top_row))
    others = [d["stat_short"].format(code=r.rhs, beta=apa_number(r.std_all)) for r in list(sig.itertuples())[1:]]
    rest = d["rest"].format(others=w["join"](others), s="" if len(others) > 1 else "s") if others else ""
    text = d["strongest"].format(code=code, top=chapter.named(top["rhs"]), size=size, stat=stat(top_row), rest=rest)
    if not ns.empty:
        text += d["ns"].format(list=w["join"](list(ns["rhs"])), verb=d["ns_verb"][len(ns) > 1], stats=ns_stats)
    return text


def _onward(chapter, code, outcome, effects):
    """How a problem reaches the outcome: its total standardized effect with its interval, the
    direct path, and the indirect routes from the causes that run through it."""
    d = chapter.w["discussion"]
    mine = effects[(effects["cause"] == code) & (effects["outcome"] == outcome)]
    total = mine[mine["kind"] == "total"]
    text = ""
    if len(total):
        t = total.iloc[0]
        lo, hi = std_ci(t)
        direct = mine[(mine["kind"] == "direct") & mine["direct_in_model"].astype(bool)]
        direct_text = d["onward_direct"].format(beta=apa_number(direct.iloc[0]["std_all"])) if len(direct) else ""
        text = d["onward"].format(code=code, outcome=outcome, total=apa_number(t["std_all"]), lo=apa_number(lo),
                                  hi=apa_number(hi), direct=direct_text)
    causes = set(effects.loc[~effects["cause"].isin(effects["outcome"]), "cause"])
    through = effects[(effects["kind"] == "indirect") & (effects["outcome"] == outcome) & effects["cause"].isin(causes)
                      & effects["route"].map(lambda r: code in r.split(" → ")[1:-1])]  # fmt: skip
    through = through[through["cause"] != code]
    if len(through):
        top = through.loc[through["std_all"].abs().idxmax()]
        lo, hi = std_ci(top)
        values = {"n": chapter.w["number"](len(through)), "outcome": outcome, "code": code, "route": top["route"],
                  "est": apa_number(top["std_all"]), "lo": apa_number(lo), "hi": apa_number(hi)}
        carries = _capital(d["carries" if len(through) > 1 else "carries_one"].format(**values).strip())
        text = chapter.w["sentence_join"].join([t for t in (text, carries) if t])
    return text.strip()


def _capital(sentence):
    """A sentence that opens with a number word ('six of the routes …') opens with a capital."""
    return sentence[:1].upper() + sentence[1:]


def _benchmark(chapter, code, cmp):
    """The focal street's mean on `code` beside each benchmark street's, and which latent mean
    differences (multi-group model) are significant."""
    if cmp is None:
        return ""
    d = chapter.w["discussion"]
    means = cmp.tables["midpoint"]
    means = means[(means["comparison"] == "streets") & (means["construct"] == code)].set_index("group")
    focal = chapter.settings["street_id"]
    if focal not in means.index:
        return ""
    own = means.loc[focal, "mean"]
    others = [s for s in means.index if s != focal]
    if not others:
        return ""
    below = all(means.loc[s, "mean"] > own for s in others)
    above = all(means.loc[s, "mean"] < own for s in others)
    relation = d["bench_below" if below else "bench_above" if above else "bench_mixed"]
    listed = chapter.w["join"]([d["bench_other"].format(street=cmp.street(s), mean=f"{means.loc[s, 'mean']:.2f}")
                                for s in others])
    latent = cmp.tables["latent_means"]
    latent = latent[(latent["comparison"] == "streets") & (latent["factor"] == code)] if len(latent) else latent
    latent_text = ""
    if len(latent):
        sig = [cmp.street(r.group_label) for r in latent.itertuples() if r.pvalue < chapter.settings["alpha"]]
        latent_text = d["latent_sig"].format(streets=chapter.w["join"](sig)) if sig else d["latent_none"]
    return d["bench"].format(focal=cmp.street(focal) if focal in cmp.names else chapter.street["name"][chapter.language],
                             mean=f"{own:.2f}", code=code, relation=relation, others=listed, latent=latent_text)


def _outcome_causes(chapter, outcome, effects):
    """The causes ranked by their total standardized effect on the outcome, with intervals."""
    d, w = chapter.w["discussion"], chapter.w
    causes = set(effects["cause"]) - set(effects["outcome"]) - _endogenous(chapter)
    totals = effects[(effects["kind"] == "total") & (effects["outcome"] == outcome) & effects["cause"].isin(causes)]
    if totals.empty:
        return ""
    totals = totals.assign(order=-totals["std_all"].abs()).sort_values("order")
    listed = [d["cause_total"].format(code=r["cause"], total=apa_number(r["std_all"]),
                                      lo=apa_number(std_ci(r)[0]), hi=apa_number(std_ci(r)[1]))
              for _, r in totals.iterrows()]
    direct = effects[(effects["kind"] == "direct") & (effects["outcome"] == outcome) & effects["cause"].isin(causes)]
    fixed = d["outcome_fixed"].format(outcome=outcome) if len(direct) and not direct["direct_in_model"].astype(bool).any() else ""
    return d["outcome_causes"].format(outcome=outcome, list=w["join"](listed), fixed=fixed)


def _endogenous(chapter):
    return {lhs for lhs, _ in chapter.model.regressions}


def discussion_text(chapter, paths, effects, cmp, alpha):
    """One paragraph per construct the model explains (the problems in the instrument's order,
    then the outcome): its associations, its route onward to the outcome, where the focal street
    stands; then the optimisation path."""
    from govsurvey.report.structure import final_outcome

    d, w = chapter.w["discussion"], chapter.w
    outcome = final_outcome(paths)
    ci = _path_ci(chapter, paths)
    r2 = dict(zip(chapter.table("sem", "r2")["variable"], chapter.table("sem", "r2")["r2"]))
    focal = chapter.street["name"][chapter.language]
    blocks = [d["intro" if cmp is not None else "intro_no_comparison"].format(outcome=outcome, focal=focal)]
    explained = [c for c in chapter.instrument.constructs if c in set(paths["lhs"])]
    explained = [c for c in explained if c != outcome] + ([outcome] if outcome in explained else [])
    gap = w["sentence_join"]
    for code in explained:
        sentences = [_association(chapter, code, paths[paths["lhs"] == code], ci, alpha)]
        if code in r2:
            sentences[-1] += d["r2"].format(r2=f"{100 * r2[code]:.0f}", code=code)
        if code != outcome and outcome is not None and effects is not None:
            onward = _onward(chapter, code, outcome, effects)
            if onward:
                sentences.append(onward.strip())
        if code == outcome and effects is not None:
            ranked = _outcome_causes(chapter, outcome, effects)
            if ranked:
                sentences.append(ranked)
        bench = _benchmark(chapter, code, cmp).strip()
        if bench:
            sentences.append(bench)
        blocks.append(d["head"].format(name=chapter.name(code), code=code) + gap.join(sentences))
    # with interviews or cases the path is built from the joint display, else from the survey alone
    optimisation = (synthesis.optimisation_text(chapter) if synthesis.has_synthesis(chapter)
                    else optimisation_text(chapter, outcome, effects, cmp))
    return "\n\n".join(blocks + ([optimisation] if optimisation else [])) + "\n"


def recommendations(chapter, outcome, effects, cmp):
    """The causes the instrument gives an implication for, each as (code, standardized total effect
    on the outcome, its interval lo, hi, supported, gap, priority): supported when the interval
    excludes zero; gap = (points behind the best benchmark street, its name, the focal
    performance) or None; priority = |total| × max(gap, 0), or |total| without a comparison.
    Returns (supported ones in priority order, the others)."""
    implied = {c for c, construct in chapter.instrument.constructs.items() if construct.implication}
    if effects is None or outcome is None:
        return [], []
    totals = effects[(effects["kind"] == "total") & (effects["outcome"] == outcome) & effects["cause"].isin(implied)]
    gaps = _gaps(cmp, chapter.settings["street_id"]) if cmp is not None else {}
    rows = []
    for _, r in totals.iterrows():
        lo, hi = std_ci(r)
        gap = gaps.get(r["cause"])
        priority = abs(r["std_all"]) * max(gap[0], 0) if gap else abs(r["std_all"])
        rows.append((r["cause"], r["std_all"], lo, hi, bool(lo > 0 or hi < 0), gap, priority))
    supported = sorted([x for x in rows if x[4]], key=lambda x: (-x[6], -abs(x[1])))
    return supported, [x for x in rows if not x[4]]


def optimisation_text(chapter, outcome, effects, cmp):
    """The causes whose total effect on the outcome is supported by its interval, ordered by
    priority (standardized total effect × performance gap to the best benchmark street; without
    a comparison, the total effect), each with the instrument's implication; then the causes the
    evidence does not single out."""
    o, w = chapter.w["optimisation"], chapter.w
    supported, unsupported = recommendations(chapter, outcome, effects, cmp)
    if not supported and not unsupported:
        return ""
    compared = any(x[5] is not None for x in supported + unsupported)
    lines = [o["heading"] + w["sentence_join"] + o["rule" if compared else "rule_no_comparison"].format(outcome=outcome), ""]
    for n, (code, total, lo, hi, _, gap, priority) in enumerate(supported, start=1):
        if gap is None:
            gap_text = ""
        elif gap[0] > 0:
            gap_text = o["gap"].format(own=f"{gap[2]:.1f}", best=f"{gap[2] + gap[0]:.1f}", street=gap[1],
                                       points=f"{gap[0]:.1f}", priority=f"{priority:.2f}")
        else:
            gap_text = o["gap_ahead"].format(own=f"{gap[2]:.1f}")
        implication = _capital(chapter.instrument.constructs[code].implication[chapter.language].rstrip("。."))
        lines.append(o["item"].format(n=n, name=chapter.name(code), code=code, outcome=outcome,
                                      total=apa_number(total), lo=apa_number(lo), hi=apa_number(hi), gap=gap_text,
                                      implication=implication))
    if unsupported:
        lines += ["", o["unsupported"].format(names=w["join"]([chapter.named(x[0]) for x in unsupported]),
                                              outcome=outcome, pronoun=o["pronoun"][len(unsupported) > 1])]
    return "\n".join(lines)


def _gaps(cmp, focal):
    """{construct: (points behind the best benchmark street, its name, the focal performance)}
    from the importance–performance map (synthesis.joint.ipma_gaps, which the joint display reads)."""
    return {code: (g["gap"], cmp.street(g["best_street"]), g["performance"])
            for code, g in ipma_gaps(cmp.tables["ipma"], focal).items()}


# ---- the chapter summary

def summary_text(chapter, paths, effects, cmp, alpha):
    """What the chapter found, one paragraph: the data and the measurement, where the problems and
    the outcome stand, the hypotheses, the strongest associations and total effects, the gaps to
    the benchmark streets, and the order of the optimisation paths; each from the results."""
    from govsurvey.report.structure import final_outcome

    s, w = chapter.w["summary"], chapter.w
    screening = chapter.json("clean", "summary")
    fit = chapter.table("measure", "fit_table")
    judged = fit[fit["verdict_strict"].fillna("") != ""]
    reliability = chapter.table("measure", "reliability")
    low_ave = [c for c, a, b in zip(reliability["construct"], reliability["ave_semtools"], reliability["ave"])
               if round(a, 3) < 0.5 or round(b, 3) < 0.5]
    street = chapter.street["name"][chapter.language]
    sentences = [s["data"].format(
        n_kept=screening["n_kept"], n_raw=screening["n_raw"], street=street,
        cutoffs=s["cutoffs"][int((judged["verdict_strict"] == "met").sum()) == len(judged)].format(
            met=int((judged["verdict_strict"] == "met").sum()), judged=len(judged)),
        alpha_min=apa_number(reliability["alpha"].min(), 3), alpha_max=apa_number(reliability["alpha"].max(), 3),
        ave=s["ave"].format(codes=w["join"](low_ave)) if low_ave else "")]  # fmt: skip
    midpoint = chapter.table("measure", "midpoint").set_index("construct")
    explained = [c for c in chapter.instrument.constructs if c in set(paths["lhs"])] or list(midpoint.index)
    below = [c for c in explained if midpoint.loc[c, "p_holm"] < alpha and midpoint.loc[c, "mean"] < midpoint.loc[c, "midpoint"]]
    above = [c for c in explained if midpoint.loc[c, "p_holm"] < alpha and midpoint.loc[c, "mean"] > midpoint.loc[c, "midpoint"]]
    if below:
        sentences.append(s["standing"].format(below=w["join"](below), above=s["standing_above"].format(
            above=w["join"](above)) if above else ""))
    elif not above:
        sentences.append(s["standing_none"])
    if chapter.hypotheses:
        tests = chapter.table("hypotheses", "tests")
        k = int(tests["supported"].sum())
        key = "hypotheses_all" if k == len(tests) else "hypotheses_none" if k == 0 else "hypotheses"
        sentences.append(s[key].format(n=len(tests), n_supported=k))
    outcome = final_outcome(paths) if len(paths) else None
    if outcome is not None:
        into = paths[paths["lhs"] == outcome]
        top = into.loc[into["std_all"].abs().idxmax()]
        sentences.append(s["outcome"].format(outcome=outcome, top=top["rhs"], beta=apa_number(top["std_all"])))
    if outcome is not None and effects is not None:
        causes = set(effects["cause"]) - set(effects["outcome"]) - _endogenous(chapter)
        totals = effects[(effects["kind"] == "total") & (effects["outcome"] == outcome) & effects["cause"].isin(causes)]
        if len(totals):
            totals = totals.assign(order=-totals["std_all"].abs()).sort_values("order")
            first = totals.iloc[0]
            lo, hi = std_ci(first)
            others = [f"{r['cause']} ({apa_number(r['std_all'])})" if chapter.language == "en" else
                      f"{r['cause']}（{apa_number(r['std_all'])}）" for _, r in totals.iloc[1:].iterrows()]
            sentences.append(s["causes"].format(top=first["cause"], outcome=outcome, total=apa_number(first["std_all"]),
                                                lo=apa_number(lo), hi=apa_number(hi),
                                                rest=s["causes_rest"].format(others=w["join"](others)) if others else ""))
    if cmp is not None:
        gaps = _gaps(cmp, chapter.settings["street_id"])
        behind = sorted([(g[0], c) for c, g in gaps.items() if g[0] > 0], reverse=True)[:3]
        if behind:
            sentences.append(s["comparison"].format(focal=street, constructs=w["join"](
                [s["comparison_item"].format(code=c, points=f"{p:.1f}") for p, c in behind])))
    joint = synthesis.has_synthesis(chapter)
    if joint and synthesis.verdict_counts(chapter):
        join = w["join"] if chapter.language == "en" else s["synthesis_join"].join  # 'a, b and c' / 'a，b'
        sentences.append(s["synthesis"].format(parts=join(
            [s["synthesis_item"].format(verdict=chapter.w["synthesis"]["verdicts"][v], k=chapter.count(len(codes), "construct_word"),
                                       codes=w["join"](codes)) for v, codes in synthesis.verdict_counts(chapter).items()])))
    order = (synthesis.optimisation_order(chapter) if joint
             else [x[0] for x in recommendations(chapter, outcome, effects, cmp)[0]])
    if order:
        sentences.append(s["optimisation_joint" if joint else "optimisation"].format(first=chapter.named(order[0]), rest=s["optimisation_rest"].format(
            others=w["join"](order[1:])) if len(order) > 1 else ""))
    elif outcome is not None and effects is not None and any(c.implication for c in chapter.instrument.constructs.values()):
        sentences.append(s["no_optimisation"].format(outcome=outcome))
    return w["sentence_join"].join(sentences) + "\n"
