"""The chapter's interview section: who was interviewed (a table), how the transcripts were coded
and how far two coders agreed, code saturation (a figure), the coded evidence for every problem
and cause with the quotations selected by the stated rule, and the most frequent words.

Reads results/<street>/interviews/ (govsurvey.interviews.stage), all from masked transcripts;
sentences are the templates under `interviews:` in prose/<language>.yaml."""

import math
import re

import pandas as pd

from govsurvey.formatting import apa_number
from govsurvey.interviews.roles import role_names
from govsurvey.report.design import _dates
from govsurvey.report.tables import ZWSP, markdown_table

QUOTES_PER_CONSTRUCT = 3
TOP_WORDS = 15


def _role(role, language):
    return role if language == "zh" else role_names().get(role, role)


def nested_quotes(text):
    """Text set inside double quotation marks: its own double quotes (“ ” or ") become single ones."""
    return re.sub(r'"([^"]*)"', r"‘\1’", text).replace("“", "‘").replace("”", "’")


def _header(role):
    """A Chinese role of four characters or more over a column of counts may wrap in its middle."""
    if len(role) >= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in role):
        return role[: len(role) // 2] + ZWSP + role[len(role) // 2:]
    return role


def _value(chapter, value):
    """A register value (gender, mode) in the chapter's language."""
    return chapter.w["interviews"]["values"].get(value, value)


def interviews_text(chapter):
    """(the section's markdown before the saturation figure, the evidence subsection's markdown,
    the appendix's code x role table); all empty when the street has no interviews."""
    if not chapter.settings.get("qualitative", {}).get("interviews"):
        return "", "", ""
    register = chapter.table("interviews", "interviewees")
    main = [_intro(chapter, register), interviewee_table(chapter, register), _coding(chapter),
            codes_table(chapter), _saturation(chapter)]
    evidence = [_evidence(chapter), _words(chapter), words_table(chapter)]
    return tuple("\n\n".join(p for p in parts if p) + "\n" for parts in (main, evidence, [role_matrix_table(chapter)]))


def _counted(chapter, values, key, translate):
    w = chapter.w["interviews"]
    counts = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return [w[key].format(**{key.split("_")[0]: translate(v), "n": n}) for v, n in counts.items()]


def _intro(chapter, register):
    w, lang = chapter.w["interviews"], chapter.language
    start, end = _dates(register["date"].min(), register["date"].max(), lang)
    roles = _counted(chapter, register["role"], "role_count", lambda r: _role(r, lang))
    modes = _counted(chapter, register["mode"], "mode_count", lambda m: _value(chapter, m))
    mode_text = (w["modes_one"].format(mode=_value(chapter, register["mode"].iloc[0]))
                 if register["mode"].nunique() == 1 else w["modes"].format(list=chapter.w["join"](modes)))
    minutes = register["duration_min"]
    text = w["intro"].format(start=start, end=end, street=chapter.street["name"][lang], n=len(register),
                             roles=chapter.w["join"](roles), min=int(minutes.min()), max=int(minutes.max()),
                             mean=f"{minutes.mean():.0f}", modes=mode_text) + w["original"]
    if chapter.settings["qualitative"].get("interviews_synthetic"):
        text = "> " + w["synthetic"].format(street=chapter.street["name"][lang]) + "\n\n" + text
    return text


def interviewee_table(chapter, register):
    w, lang = chapter.w["interviews"], chapter.language
    frame = register[["code", "role", "gender", "date", "duration_min", "mode"]].copy()
    frame["role"] = [_role(r, lang) for r in frame["role"]]
    frame["gender"] = [_value(chapter, g) for g in frame["gender"]]
    frame["mode"] = [_value(chapter, m) for m in frame["mode"]]
    frame["duration_min"] = frame["duration_min"].astype(int)
    frame.columns = w["interviewees_columns"]
    return markdown_table(frame, w["interviewees_caption"], "tbl-interviewees", whole=(0, 3))


def _coding(chapter):
    w = chapter.w["interviews"]
    matrix = chapter.table("interviews", "code_role_matrix")
    evidence = chapter.table("interviews", "evidence")
    linked = set(evidence["code"])
    deductive = int(matrix["code"].isin(linked).sum())
    inductive = len(matrix) - deductive
    # one style per sentence: words when every count is below ten (APA; 两个 in Chinese), else numerals
    number = chapter.w["number"] if max(deductive, inductive) < 10 else str
    text = w["coding"].format(deductive=number(deductive),
                              inductive=w["coding_inductive"].format(n=number(inductive)) if inductive else "")
    summary = chapter.json("interviews", "agreement_summary")
    if len(summary.get("coders", [])) < 2 or summary.get("kappa") is None:
        return text + ("" if chapter.language == "zh" else " ") + w["single_coder"]
    register = chapter.table("interviews", "interviewees")
    agreement = w["agreement"].format(
        n=len(register), kappa=apa_number(summary["kappa"], 2, leading_zero=chapter.language == "zh"),
        kappa_band=w["kappa_bands"][summary["kappa_band"]],
        alpha=apa_number(summary["alpha"], 2, leading_zero=chapter.language == "zh"),
        alpha_band=w["alpha_bands"][summary["alpha_band"]])
    parts = [text, agreement]
    if summary.get("codes_unreliable"):
        parts.append(w["unreliable_codes"].format(codes=chapter.w["join"](
            [_code_name(chapter, c) for c in summary["codes_unreliable"]])))
    return ("" if chapter.language == "zh" else " ").join(parts)


def _code_name(chapter, code):
    matrix = chapter.table("interviews", "code_role_matrix").set_index("code")
    name = matrix.at[code, f"name_{chapter.language}"]
    return f"“{nested_quotes(name)}”" if chapter.language == "zh" else f'"{nested_quotes(name)}"'


def codes_table(chapter):
    """The codebook as coded: each code with its construct (or inductive) and stance, its merged
    passages and the interviewees who gave them, and the coders' κ."""
    w, lang = chapter.w["interviews"], chapter.language
    matrix = chapter.table("interviews", "code_role_matrix")
    evidence = chapter.table("interviews", "evidence").set_index("code")
    segments = chapter.table("interviews", "segments")
    kappas = dict(zip(*[chapter.table("interviews", "agreement")[c] for c in ("code", "kappa")]))
    rows = []
    for _, r in matrix.iterrows():
        code, kappa = r["code"], kappas.get(r["code"], math.nan)
        if code in evidence.index:
            e = evidence.loc[code]
            link, stance, people = e["construct"], w["stance"][e["stance"]], int(e["interviewees"])
        else:  # an inductive code: its interviewees from the segments
            link, stance = w["inductive"], "—"
            people = segments.loc[segments["code"] == code, "transcript"].nunique()
        rows.append([r[f"name_{lang}"], link, stance, int(r["total"]), people,
                     "—" if kappa != kappa else apa_number(kappa, 2, leading_zero=lang == "zh")])
    frame = pd.DataFrame(rows, columns=w["codes_columns"])
    return markdown_table(frame, w["codes_caption"], "tbl-codes")


def role_matrix_table(chapter):
    """The code x role matrix of merged passages (the appendix): roles as short column heads."""
    w, lang = chapter.w["interviews"], chapter.language
    matrix = chapter.table("interviews", "code_role_matrix")
    roles = [c for c in matrix.columns if c not in ("code", "name_zh", "name_en", "total")]
    short = w.get("role_short") or {}
    frame = pd.DataFrame({w["codes_first"]: matrix[f"name_{lang}"],
                          **{_header(short.get(x) or _role(x, lang)): matrix[x].astype(int) for x in roles},
                          w["codes_total"]: matrix["total"].astype(int)})
    return markdown_table(frame, w["role_matrix_caption"], "tbl-code-roles", whole=(0,))


def _saturation(chapter):
    """When the last new code appeared, and how many interviews followed without one."""
    w = chapter.w["interviews"]
    table = chapter.table("interviews", "saturation")
    total = int(table["cumulative"].iloc[-1])
    new_at = [int(o) for o, n in zip(table["order"], table["new"]) if n > 0]
    last = max(new_at) if new_at else 0
    after = len(table) - last
    if after == 0:
        return w["saturation_open"].format(total=total, n=len(table))
    return w["saturation"].format(total=total, last=chapter.w["number"](last), after=chapter.w["number"](after))


def construct_quotes(quotes, codes, limit=QUOTES_PER_CONSTRUCT):
    """Up to `limit` quotations for one construct: its codes' quotes by rank (every code's first,
    then every code's second …), codes in the order given, no interviewee twice."""
    chosen, seen = [], set()
    for rank in sorted(quotes["rank"].unique()):
        for code in codes:
            for _, q in quotes[(quotes["code"] == code) & (quotes["rank"] == rank)].iterrows():
                if len(chosen) < limit and q["interviewee"] not in seen:
                    chosen.append(q)
                    seen.add(q["interviewee"])
    return chosen


def _evidence(chapter):
    """Per problem and cause (instrument order), the codes with their interviewees and the quotes."""
    w, lang = chapter.w["interviews"], chapter.language
    evidence = chapter.table("interviews", "evidence")
    quotes = chapter.table("interviews", "quotes")
    rule = chapter.json("interviews", "quote_rule")[lang]
    blocks = [w["evidence_intro"].format(rule=rule)]
    for code in chapter.instrument.constructs:
        rows = evidence[evidence["construct"] == code]
        if rows.empty:
            continue
        name = chapter.name(code)
        spoken = rows[rows["interviewees"] > 0].sort_values("interviewees", ascending=False, kind="stable")
        if spoken.empty:
            blocks.append(w["construct_silent"].format(name=name, code=code))
            continue
        people = {p.strip() for s in spoken["interviewee_codes"] for p in str(s).split(",") if p.strip()}
        codes = chapter.w["join"]([w["code_count"].format(name=nested_quotes(r[f"name_{lang}"]),
                                                          stance=w["stance"][r["stance"]],
                                                          n=int(r["interviewees"])) for _, r in spoken.iterrows()])
        head = w["construct"].format(name=name, code=code, n=chapter.w["number"](len(people)), codes=codes)
        lines = [head[:1].upper() + head[1:]]  # 'Eight interviewees …' (a sentence opens with a word)
        for q in construct_quotes(quotes, list(spoken["code"])):
            lines.append(w["quote"].format(quote=q["quote"], cite=q[f"cite_{lang}"]))
        blocks.append("\n\n".join(lines))
    return "\n\n".join(blocks)


def _chinese_words(chapter):
    """The word counts of the Chinese transcripts (the jieba counts the section reports)."""
    table = chapter.table("interviews", "word_frequencies")
    return table[table["language"] == "zh"] if "language" in table else table


def _words(chapter):
    w, table = chapter.w["interviews"], _chinese_words(chapter)
    if table.empty:
        return ""
    top = [w["word_item"].format(word=r["word"], count=int(r["count"])) for _, r in table.head(5).iterrows()]
    return w["words"].format(top=chapter.w["join"](top))


def words_table(chapter):
    w, table = chapter.w["interviews"], _chinese_words(chapter)
    if table.empty:
        return ""
    frame = table.head(TOP_WORDS)[["word", "count", "interviews"]].copy()
    frame.columns = w["words_columns"]
    return markdown_table(frame, w["words_caption"].format(n=len(frame)), "tbl-words")
