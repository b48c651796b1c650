"""The chapter's joint display (survey, interviews and cases per problem and cause, with the
verdict of govsurvey.synthesis.joint's rule) and the optimisation path built from it, which
replaces the survey-only path of the Discussion when the street has interviews or cases.

Reads results/<street>/synthesis/ (govsurvey.synthesis.stage) and, for the practices' texts,
results/study/cases/practices.csv; sentences are the templates under `synthesis:` and
`optimisation:` in prose/<language>.yaml."""

import pandas as pd

from govsurvey.formatting import apa_number
from govsurvey.report.cases import load_study_cases
from govsurvey.report.interviews import nested_quotes
from govsurvey.report.tables import markdown_table


def has_synthesis(chapter):
    q = chapter.settings.get("qualitative") or {}
    return bool(q.get("interviews") or q.get("cases"))


def _street(chapter, street_id):
    """A benchmark street's name as the comparison section writes it."""
    names = ((chapter.settings.get("comparison") or {}).get("names") or {}).get(street_id, {})
    short = names.get("short_name") or names.get("name") or {}
    return short.get(chapter.language, street_id) if isinstance(short, dict) else str(short)


def _practices(chapter, dimension, first=None, per_case=None):
    """The benchmark cases' practices on one dimension, one entry per case: its short name, then
    its practices (at most `per_case`), each with its citation or the illustrative mark (as the
    matrix shows them); the case `first` (the id of the best benchmark street, when a case
    shares it) leads."""
    if not isinstance(dimension, str):
        return []
    q = chapter.settings["qualitative"]
    practices = chapter.table("cases", "practices")
    rows = practices[(practices["dimension"] == dimension) & (practices["case"] != q["focal_case"])]
    rows = rows.assign(_lead=rows["case"] != first).sort_values("_lead", kind="stable")
    study_cases, _ = load_study_cases(chapter)
    lang = chapter.language
    out = []
    for case, group in rows.groupby("case", sort=False):
        texts = [p[lang] + ("†" if bool(p["illustrative"]) else (("" if lang == "zh" else " ") + f"[@{p['source']}]"
                                                                 if isinstance(p["source"], str) else ""))
                 for _, p in group.head(per_case or len(group)).iterrows()]
        out.append(study_cases[case].short[lang] + ("：" if lang == "zh" else ": ") + ("，" if lang == "zh" else "; ").join(texts))
    return out


def _survey_cell(chapter, r):
    s, lang = chapter.w["synthesis"], chapter.language
    z = lang == "zh"
    mean = s["mean"].format(mean=apa_number(r["mean"], 2, leading_zero=True))
    mean += s["below"] if r["below"] else s["above"] if r["above"] else ""
    parts = [mean]
    if pd.notna(r["total"]):
        parts.append(s["total"].format(total=apa_number(r["total"], 2, leading_zero=z),
                                       lo=apa_number(r["total_lo"], 2, leading_zero=z),
                                       hi=apa_number(r["total_hi"], 2, leading_zero=z)))
    if pd.notna(r["gap"]):
        parts.append(s["gap"].format(street=_street(chapter, r["best_street"]), gap=f"{r['gap']:.1f}")
                     if r["gap"] > 0 else s["ahead_cell"])
    parts.append(s["reading_cell"][r["survey_reading"]])
    return s["cell_join"].join(parts)


def _interview_cell(chapter, r):
    s, lang = chapter.w["synthesis"], chapter.language
    if pd.isna(r["interview_reading"]):
        return "—"
    cell = s["counts_cell"].format(w=int(r["weakness_interviewees"]), s=int(r["strength_interviewees"]))
    cell += s["cell_join"] + s["reading_cell"][r["interview_reading"]]
    if isinstance(r["quote"], str):
        cell += s["cell_join"] + s["quote_cell"].format(quote=nested_quotes(r["quote"]),
                                                        cite=r[f"quote_cite_{lang}"])
    return cell


def joint_table(chapter, joint):
    s = chapter.w["synthesis"]
    rows = []
    for _, r in joint.iterrows():
        practice = (_practices(chapter, r["dimension"], first=r["best_street"], per_case=1)
                    if chapter.settings["qualitative"].get("cases") else [])
        rows.append([chapter.named(r["construct"]), _survey_cell(chapter, r), _interview_cell(chapter, r),
                     practice[0] if practice else "—",
                     s["verdict_cells"][r["verdict"]] if isinstance(r["verdict"], str) else "—"])
    frame = pd.DataFrame(rows, columns=s["columns"])
    return markdown_table(frame, s["caption"], "tbl-joint", whole=(4,))


def synthesis_text(chapter):
    """The joint display section: its rule, the table, and how many constructs each verdict has."""
    if not has_synthesis(chapter):
        return ""
    s, lang = chapter.w["synthesis"], chapter.language
    joint = chapter.table("synthesis", "joint")
    summary = chapter.json("synthesis", "summary")
    focal = chapter.street["name"][lang]
    fields = dict(outcome=summary["outcome"], focal=focal)
    intro = s["intro"].format(alpha=apa_number(summary["alpha"], 2, leading_zero=lang == "zh"),
                              m=chapter.w["number"](summary["min_interviewees"]),
                              trails=s["trails"].format(**fields) if summary["compared"] else "",
                              ahead=s["ahead"].format(**fields) if summary["compared"] else "", **fields)
    parts = [intro, joint_table(chapter, joint)]
    if not summary["interviews"]:
        parts.insert(1, s["no_interviews"])
        return "\n\n".join(parts) + "\n"
    counts = [s["count_item"].format(verdict=s["verdicts"][verdict], k=chapter.w["number"](len(codes)),
                                     codes=chapter.w["join"](codes)) for verdict, codes in verdict_counts(chapter).items()]
    sentences = [s["counts"].format(n=chapter.w["number"](len(joint)), parts=s["count_join"].join(counts))]
    unlike = joint[joint["verdict"].isin(["complements", "diverges"])]
    if len(unlike):
        details = [s["detail"].format(code=r["construct"], survey=s["readings"][r["survey_reading"]],
                                      interviews=s["readings"][r["interview_reading"]]) for _, r in unlike.iterrows()]
        sentences.append(s["details"].format(details=s["detail_join"].join(details)))
        sentences[-1] = sentences[-1][:1].upper() + sentences[-1][1:]
    if (joint["verdict"] == "diverges").any():
        sentences.append(s["diverges_caution"])
    parts.append(("" if lang == "zh" else " ").join(sentences))
    return "\n\n".join(parts) + "\n"


def verdict_counts(chapter):
    """{verdict: [constructs]} in the order converges, complements, diverges (empty without interviews)."""
    joint = chapter.table("synthesis", "joint")
    found = {v: list(joint.loc[joint["verdict"] == v, "construct"]) for v in ("converges", "complements", "diverges")}
    return {v: codes for v, codes in found.items() if codes}


def optimisation_order(chapter):
    """The recommended constructs in the path's order (for the chapter summary)."""
    table = chapter.table("synthesis", "optimisation")
    return list(table.loc[table["recommended"].astype(bool)].sort_values("rank")["construct"])


def optimisation_text(chapter):
    """The Discussion's optimisation path from the joint display: the rule, one numbered item per
    recommended cause (title and text from the recommendations file, evidence, a case practice),
    then the causes with a significant total effect that no source shows as weak."""
    o, w, lang = chapter.w["optimisation"], chapter.w, chapter.language
    z = lang == "zh"
    table = chapter.table("synthesis", "optimisation")
    joint = chapter.table("synthesis", "joint").set_index("construct")
    summary = chapter.json("synthesis", "summary")
    outcome = summary["outcome"]
    chosen = table[table["recommended"].astype(bool)].sort_values("rank")
    if chosen.empty and table.empty:
        return ""
    rule = o["joint_rule" if summary["compared"] else "joint_rule_no_comparison"].format(outcome=outcome)
    lines = [o["heading"] + w["sentence_join"] + rule, ""]
    for n, (_, r) in enumerate(chosen.iterrows(), start=1):
        code = r["construct"]
        j = joint.loc[code]
        gap = (o["joint_gap"].format(street=_street(chapter, r["best_street"]), points=f"{r['gap']:.1f}")
               if pd.notna(r["gap"]) and r["gap"] > 0 else "")
        evidence = [o["joint_survey"].format(code=code, outcome=outcome, total=apa_number(r["total"], 2, leading_zero=z),
                                             lo=apa_number(r["total_lo"], 2, leading_zero=z),
                                             hi=apa_number(r["total_hi"], 2, leading_zero=z), gap=gap)]
        if isinstance(j["interview_reading"], str):
            evidence.append(o["joint_interviews"][j["interview_reading"]].format(
                w=w["number"](int(j["weakness_interviewees"])), s=w["number"](int(j["strength_interviewees"]))))
        practices = (_practices(chapter, r["dimension"], first=r["best_street"])
                     if chapter.settings["qualitative"].get("cases") else [])
        practice = (o["joint_practice"].format(practices=("；" if z else "; ").join(practices))
                    if practices else o["joint_no_practice"])
        text = r[f"text_{lang}"].rstrip("。.")
        text = text[:1].upper() + text[1:]
        title = r[f"title_{lang}"]
        key = "joint_item" if isinstance(title, str) else "joint_item_untitled"
        lines.append(o[key].format(n=n, title=title, name=chapter.name(code), code=code, text=text,
                                   evidence=o["joint_evidence_join"].join(evidence), practice=practice).rstrip())
    rest = table[~table["recommended"].astype(bool)]
    for key, codes in (("not_singled_out", list(rest.loc[rest["supported"].astype(bool), "construct"])),
                       ("unsupported", list(rest.loc[~rest["supported"].astype(bool), "construct"]))):
        if codes:
            lines += ["", o[key].format(names=w["join"]([chapter.named(c) for c in codes]), outcome=outcome,
                                        pronoun=o["pronoun"][len(codes) > 1])]
    return "\n".join(lines)
