"""The research-design part of the chapter, generated from the instrument, the model, the
street's config and the ingest and screening results: what the study asks and measures, the
instrument, fieldwork and screening, and the sample."""

import pandas as pd

from govsurvey.report.tables import markdown_table


def design_text(chapter):
    """The aim, the constructs by role, and how the model relates them."""
    w, instrument = chapter.w, chapter.instrument
    street = chapter.street
    city = chapter.local(street.get("city"))
    place = w["place" if city else "place_no_city"].format(
        street=street["name"][chapter.language], street_zh=street["name"]["zh"], city=city
    )
    if chapter.language == "en" and street["name"]["zh"] == street["name"]["en"]:
        place = street["name"]["en"] + (f" ({city})" if city else "")
    aim = chapter.local(chapter.settings.get("aim"))
    if aim:
        aim = aim.format(street=street["name"][chapter.language], place=place)
    else:
        aim = w["aim_default"].format(survey=instrument.title[chapter.language], place=place)
    n = w["number"](len(instrument.constructs))
    if instrument.roles:
        groups = []
        for role, constructs in instrument.constructs_by_role():
            if constructs:
                name = instrument.roles[role][chapter.language]
                groups.append(w["role_group"].format(n=w["number"](len(constructs)), role_name=name,
                                                     constructs=w["join"]([chapter.named(c.code) for c in constructs])))
        constructs = w["constructs_by_role"].format(n=n, groups=w["relation_join"].join(groups))
    else:
        named = [chapter.named(code) for code in instrument.constructs]
        constructs = w["constructs_plain"].format(n=n, constructs=w["join"](named))
    return w["sentence_join"].join([aim, constructs, model_sentence(chapter)]) + "\n"


def standing_text(chapter, midpoint):
    """Where the constructs the model explains stand against the scale's midpoint (one-sample t
    tests, Holm-corrected): by role, then the final outcome, and whether the outcome is low. So
    the chapter's opening states the problems the data show, not the ones it presupposes. All
    constructs when the model has no structural part."""
    from govsurvey.report.structure import final_outcome, structural_paths

    w, o, instrument = chapter.w, chapter.w["opening"], chapter.instrument
    alpha = chapter.settings["alpha"]
    rows = midpoint.set_index("construct")
    mid = num_text(rows["midpoint"].iloc[0])
    side = {c: ("below" if r["mean"] < r["midpoint"] else "above") if r["p_holm"] < alpha else "neither"
            for c, r in rows.iterrows()}  # fmt: skip
    paths = structural_paths(chapter.table("sem", "params"), instrument)
    outcome = final_outcome(paths) if len(paths) else None
    explained = set(paths["lhs"]) if len(paths) else set(instrument.constructs)
    item = lambda c: o["item"].format(code=c, mean=f"{rows.loc[c, 'mean']:.2f}")  # noqa: E731
    sentences = []
    for role, constructs in instrument.constructs_by_role():
        codes = [c.code for c in constructs if c.code in explained and c.code != outcome and c.code in side]
        if not codes:
            continue
        role_name = instrument.roles[role][chapter.language] if role else w["construct_word"][1].lstrip("个")
        sentences.append(_standing_sentence(w, codes, side, item, mid, role_name))
    if outcome in side:
        mean = f"{rows.loc[outcome, 'mean']:.2f}"
        if sentences:
            sentences.append(o["outcome"][side[outcome]].format(code=outcome, mean=mean))
        else:
            key = "one" if side[outcome] != "neither" else "one_neither"
            sentences.append(o[key].format(list=item(outcome), side=o["side"].get(side[outcome], ""), mid=mid))
        low = side[outcome] == "below"
        sentences.append(o["outcome_low" if low else "outcome_not_low"].format(code=outcome, name=chapter.name(outcome)))
    return w["sentence_join"].join(sentences)


def _standing_sentence(w, codes, side, item, mid, role_name):
    """One role's constructs against the midpoint: all on one side, none off it, or clause by side."""
    o = w["opening"]
    n = w["number"](len(codes))
    listed = w["join"]([item(c) for c in codes])
    sides = {side[c] for c in codes}
    if sides == {"neither"}:
        return o["none_differs"].format(n=n, role=role_name, mid=mid, list=listed)
    if len(sides) == 1 and len(codes) > 1:
        return o["all"].format(n=n, role=role_name, side=o["side"][sides.pop()], mid=mid, list=listed)
    if len(codes) == 1:
        key = "one" if sides != {"neither"} else "one_neither"
        return o[key].format(list=listed, side=o["side"].get(next(iter(sides)), ""), mid=mid)
    clauses = []
    for kind in ("below", "above", "neither"):
        group = [c for c in codes if side[c] == kind]
        if group:
            where = (o["where_first"] if not clauses else o["where_next"]).format(mid=mid)
            clauses.append(o["clause"][kind][len(group) > 1].format(list=w["join"]([item(c) for c in group]),
                                                                    where=where))
    return o["mixed_lead"].format(n=n, role=role_name) + o["clause_join"].join(clauses) + o["mixed_tail"]


def num_text(x):
    """3 for 3.0, 3.5 for 3.5: a scale point as printed."""
    return f"{x:g}"


def model_sentence(chapter):
    """'A structural equation model relates them: PL is regressed on OB and IN; …' or the CFA's."""
    w = chapter.w
    if not chapter.model.structural:
        return w["model_cfa"]
    predictors = {}
    for outcome, predictor in chapter.model.regressions:
        predictors.setdefault(outcome, []).append(predictor)
    relations = [w["relation"].format(outcome=o, predictors=w["join"](p)) for o, p in predictors.items()]
    return w["model_structural"].format(relations=w["relation_join"].join(relations))


def item_groups(chapter):
    """[(table label, caption, constructs)] of the item tables: one per role, or one for all."""
    w, instrument = chapter.w, chapter.instrument
    if not instrument.roles:
        return [("tbl-items", w["items_caption_all"], list(instrument.constructs.values()))]
    return [(f"tbl-items-{role}", w["items_caption_role"].format(role=instrument.roles[role][chapter.language]),
             constructs) for role, constructs in instrument.constructs_by_role() if constructs]  # fmt: skip


def instrument_text(chapter, ingest):
    """The instrument paragraph (scale, reverse keys, attention checks) and the item tables."""
    w, instrument = chapter.w, chapter.instrument
    groups = item_groups(chapter)
    tables = w["join"]([w["xref"].format(label) for label, _, _ in groups])
    lo, hi = instrument.scale_min, instrument.scale_max
    sentences = [w["scale_sentence"].format(
        n_constructs=chapter.count(len(instrument.constructs), "construct_word"),
        n_items=chapter.count(len(instrument.items), "item_word"),
        points=w["number"](hi - lo + 1), min=lo, max=hi,
        min_label=instrument.labels[lo][chapter.language].lower() if chapter.language == "en" else instrument.labels[lo]["zh"],
        max_label=instrument.labels[hi][chapter.language].lower() if chapter.language == "en" else instrument.labels[hi]["zh"],
        tables=tables, verb=w["list_verb"][len(groups) > 1])]  # fmt: skip
    if instrument.reverse_items:
        sentences.append(w["reverse_sentence"].format(
            items=_capital(chapter.count(len(instrument.reverse_items), "reverse_word"))))
    present = [c for c in instrument.attention_checks if c.code not in _absent(ingest)]
    if present:
        sentences.append(w["checks_sentence"].format(checks=_capital(chapter.count(len(present), "check_word"))))
    elif not instrument.attention_checks:
        sentences.append(w["no_checks_sentence"])
    text = (" " if chapter.language == "en" else "").join(sentences) + "\n"
    for label, caption, constructs in groups:
        rows = [(item.code + (chapter.w["reverse_mark"] if item.reverse else ""), item.construct, getattr(item, chapter.language))
                for construct in constructs for item in construct.items]  # fmt: skip
        text += "\n" + markdown_table(pd.DataFrame(rows, columns=w["items_columns"]), caption, label)
    return text


def _absent(ingest):
    """Codes of instrument columns the export does not carry (recorded by ingest)."""
    return {entry["code"] for entry in ingest.get("columns_absent", [])}


def _capital(text):
    return text[:1].upper() + text[1:]


def screening_text(chapter, summary, missing, ingest):
    """Fieldwork facts, the screening paragraph, rules not applied, missing answers."""
    w = chapter.w
    gap = " " if chapter.language == "en" else ""
    fieldwork = chapter.street.get("fieldwork", {})
    parts = []
    for key in ("target_population", "sampling", "mode"):
        value = chapter.local(fieldwork.get(key))
        if value:
            parts.append(w["fieldwork"][key].format(value))
    if fieldwork.get("start") and fieldwork.get("end"):
        start, end = _dates(fieldwork["start"], fieldwork["end"], chapter.language)
        parts.append(w["fieldwork"]["dates"].format(start=start, end=end))
    n_personal = len(ingest["columns_dropped_personal"])
    personal = w["personal_clause"][n_personal > 0].format(personal=chapter.count(n_personal, "column_word"),
                                                          were=w["were"][n_personal != 1])
    parts.append(w["screening_paragraph"].format(
        n_raw=summary["n_raw"], n_excluded=summary["n_excluded"], n_kept=summary["n_kept"],
        pct=f"{100 * summary['n_kept'] / summary['n_raw']:.1f}", personal_clause=personal))  # fmt: skip
    skipped = [w["reasons"][k] + w["paren"].format(w["rule_notes"][s["note"]]) for k, s in summary["rules"].items()
               if s["enabled"] and not s["applied"]]  # fmt: skip
    if skipped:
        parts.append(w["not_applied"].format(rules=w["relation_join"].join(skipped)))
    n_items = int((missing["n_missing"] > 0).sum())
    if n_items == 0:
        parts.append(w["missing_none"].format(n=summary["n_screened"]))
    else:
        key = "missing_listwise" if summary["rules"]["incomplete"]["enabled"] else "missing_kept"
        parts.append(w[key].format(n=summary["n_screened"], items=chapter.count(n_items, "item_word"),
                                   pct=f"{missing['pct_missing'].max():.1f}"))
    return gap.join(parts) + "\n"


def _dates(start, end, language):
    """Fieldwork dates as the language writes them: 2026年9月1日至9月30日 (the year once when it is
    the same); ISO dates in English. Text that is not an ISO date is left as written."""
    import datetime

    try:
        a, b = datetime.date.fromisoformat(str(start)), datetime.date.fromisoformat(str(end))
    except ValueError:
        return start, end
    if language != "zh":
        return a.isoformat(), b.isoformat()
    return f"{a.year}年{a.month}月{a.day}日", (f"{b.year}年" if b.year != a.year else "") + f"{b.month}月{b.day}日"


def screening_table(chapter, summary):
    """Raw records, each switched-on rule's exclusions (by primary reason), analysed."""
    w = chapter.w
    rows = [(w["screening_raw"], summary["n_raw"])]
    for key, count in summary["excluded_by_primary_reason"].items():
        status = summary["rules"][key]
        if status["enabled"] and status["applied"]:
            rows.append((w["reasons"][key] + w["reason_sources"].get(key, ""), count))
    rows.append((w["screening_kept"], summary["n_kept"]))
    frame = pd.DataFrame(rows, columns=w["screening_columns"])
    return markdown_table(frame, w["screening_caption"], "tbl-screening")


def demographics_table(chapter, kept):
    """Counts and shares per option; numeric characteristics (e.g. age in years) as M, SD, range."""
    w, instrument = chapter.w, chapter.instrument
    rows = []
    for demo in instrument.demographics:
        if demo.code not in kept:
            continue
        values = kept[demo.code]
        name = demo.label(chapter.language)
        if demo.numeric:
            x = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
            if len(x):
                text = w["demographics_numeric"].format(
                    mean=f"{x.mean():.1f}", sd=f"{x.std(ddof=1):.1f}" if len(x) > 1 else "—",
                    min=f"{x.min():g}", max=f"{x.max():g}")  # fmt: skip
                rows.append((name, text, len(x), f"{100 * len(x) / len(kept):.1f}"))
                name = ""
        else:
            options = instrument.demographic_options(demo, chapter.street)
            counts = values.value_counts(dropna=True)
            for code, option in enumerate(options, start=1):
                n = int(counts.get(float(code), 0))
                rows.append((name, option[chapter.language], n, f"{100 * n / len(kept):.1f}"))
                name = ""
        n_missing = int(values.isna().sum())
        if n_missing:
            rows.append((name, w["demographics_missing"], n_missing, f"{100 * n_missing / len(kept):.1f}"))
    if not rows:
        return ""
    frame = pd.DataFrame(rows, columns=w["demographics_columns"])
    return markdown_table(frame, w["demographics_caption"].format(n=len(kept)), "tbl-demographics")
