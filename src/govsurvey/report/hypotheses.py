"""The chapter's theory and hypotheses: the theories that frame the study, each hypothesis worded
in the chapter's language, and the summary table of their tests (假设检验结果汇总表).

Sentences come from words.py ("hypotheses"); a hypothesis the theory file words itself keeps
its own text. Which hypothesis holds comes from results/<street>/hypotheses/tests.csv.
"""

import pandas as pd

from govsurvey.formatting import apa_number, apa_p
from govsurvey.report.tables import markdown_table


def _lower_first(text):
    """'Depth of integration …' -> 'depth of integration …' (mid-sentence); '"Leading goose" role'
    -> '"leading goose" role'; an acronym or a proper noun ('Party …') stays as written."""
    for i, ch in enumerate(text):
        if ch.isalpha():
            rest = text[i + 1:i + 2]
            if ch.isupper() and rest.islower() and text[i:].split()[0] not in ("Party", "Party–masses"):
                return text[:i] + ch.lower() + text[i + 1:]
            return text
    return text


def hypothesis_text(chapter, h):
    """The hypothesis as the chapter states it (the theory file's wording, else generated)."""
    if h.text:
        return h.text[chapter.language]
    w = chapter.w["hypotheses"]
    named = chapter.named if chapter.language == "zh" else (lambda c: _lower_first(chapter.named(c)))
    direction = w["positive" if h.sign > 0 else "negative"]
    if h.kind == "path":
        text = w["path"].format(predictor=named(h.predictor), outcome=named(h.outcome), direction=direction)
    else:
        mediators = w["through_join"].join(named(m) for m in h.mediators)
        template = w["indirect" if len(h.mediators) == 1 else "serial"]
        text = template.format(predictor=named(h.predictor), outcome=named(h.outcome),
                               mediators=mediators, direction=direction)
    if chapter.language == "en":  # a sentence opens with a capital, also after a quote mark
        first = next((i for i, ch in enumerate(text) if ch.isalpha()), 0)
        text = text[:first] + text[first].upper() + text[first + 1:]
    return text


def theory_text(chapter, theory, hypotheses):
    """The theories (a run-in heading and paragraph each), then every hypothesis as a line."""
    w = chapter.w["hypotheses"]
    parts = [w["theory_entry"].format(n=n, name=t["name"][chapter.language], text=t["text"][chapter.language].strip())
             for n, t in enumerate(theory.theories, start=1)]
    if hypotheses:
        parts.append(w["lead"])
        parts += [w["line"].format(id=h.id, text=hypothesis_text(chapter, h)) for h in hypotheses]
    return "\n\n".join(parts) + "\n"


def rule_sentence(chapter, level):
    return chapter.w["hypotheses"]["rule"].format(alpha=apa_number(chapter.settings["alpha"], 2),
                                                   level=f"{100 * level:g}")


def summary_text(chapter, tests):
    """The rule by which a hypothesis holds, then which did and which did not."""
    w = chapter.w["hypotheses"]
    supported = list(tests.loc[tests["supported"], "id"])
    rejected = list(tests.loc[~tests["supported"], "id"])
    join = chapter.w["join"]
    level = chapter.settings["bootstrap"]["level"] if chapter.bootstrapped else 0.95
    sentences = [rule_sentence(chapter, level)]
    if not rejected:
        sentences.append(w["all_supported"].format(n=len(tests)))
    elif not supported:
        sentences.append(w["none_supported"].format(n=len(tests)))
    else:
        sentences.append(w["some_supported"].format(n=len(tests), n_supported=len(supported),
                                                    supported=join(supported), rejected=join(rejected)))
    return chapter.w["sentence_join"].join(sentences)


def summary_table(chapter, tests):
    """假设 | 路径 | 效应值 | CI | p | 结论, one row per hypothesis, and the note under it."""
    w = chapter.w["hypotheses"]
    level = chapter.settings["bootstrap"]["level"] if chapter.bootstrapped else 0.95
    columns = [c.format(level=f"{100 * level:g}") for c in w["columns"]]
    bootstrap_indirect = (tests["kind"] == "indirect") & (tests["ci_method"] == "bootstrap_percentile")
    frame = pd.DataFrame({
        columns[0]: tests["id"],
        columns[1]: tests["route"],
        columns[2]: [apa_number(v, 3) for v in tests["estimate"]],
        columns[3]: [f"[{apa_number(lo, 3)}, {apa_number(hi, 3)}]" for lo, hi in zip(tests["ci_lower"], tests["ci_upper"])],
        # an indirect effect is judged by its bootstrap interval: no normal-theory p beside it
        columns[4]: [chapter.w["dash"] if boot else apa_p(p) for p, boot in zip(tests["pvalue"], bootstrap_indirect)],
        columns[5]: [w["verdict"][bool(s)] for s in tests["supported"]],
    })  # fmt: skip
    note = w["table_note"].format(ci=w["ci_bootstrap" if chapter.bootstrapped else "ci_delta"])
    return markdown_table(frame, w["caption"], "tbl-hypotheses") + "\n" + note + "\n"
