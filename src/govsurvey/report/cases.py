"""The chapter's case section: the comparison cases as documentary cases first (where they lie,
where their practices come from), the cross-case matrix, and what the focal street lacks on
each dimension, read against its weakest causes in the survey (results/study/cases/lacks.csv,
ranked by govsurvey.cases.matrix.focal_lacks).

Reads the case files and dimensions (report inputs) and results/study/cases/; sentences are the
templates under `cases:` in prose/<language>.yaml."""

import functools

import pandas as pd

from govsurvey.cases.files import bibliography_keys, load_cases, load_dimensions
from govsurvey.report.tables import markdown_table

ADMIN_LEVELS = ("province", "city", "district", "subdistrict")


@functools.cache  # per chapter: the joint display and the path ask for the cases once per row
def load_study_cases(chapter):
    """(cases {id: Case}, dimensions) as the cases job read them (already checked there)."""
    files = chapter.settings["qualitative"]
    dimensions = load_dimensions(files["dimensions_file"], chapter.instrument)
    keys = bibliography_keys(files.get("case_bibliography", []))
    return load_cases(files["case_files"], dimensions, keys), dimensions


def _admin(case, language):
    parts = [case.admin[level][language] for level in ADMIN_LEVELS if level in case.admin]
    return ("" if language == "zh" else ", ").join(parts if language == "zh" else reversed(parts))


def _keys(case):
    keys = list(case.sources) or sorted({p.source for p in case.practices if p.source})
    return "; ".join(f"@{k}" for k in keys)


def cases_text(chapter, compared_streets=()):
    """The section's markdown (empty when the chapter's street is not the focal case).
    `compared_streets`: the benchmark streets of the comparison section, whose ids a case may share."""
    q = chapter.settings.get("qualitative", {})
    if not q.get("cases"):
        return ""
    w, lang = chapter.w["cases"], chapter.language
    cases, dimensions = load_study_cases(chapter)
    focal = cases[q["focal_case"]]
    benchmarks = [c for c in cases.values() if c.id != focal.id]
    sentences = []
    for case in benchmarks:
        source = ("documentary_and_survey" if case.surveyed else "documentary") if _keys(case) else "documentary_unsourced"
        sentences.append(w["case"].format(place=case.place[lang], admin=_admin(case, lang))
                         + w[source].format(keys=_keys(case)))
    stop = "。" if lang == "zh" else ". "
    descriptions = stop.join(sentences) + stop
    illustrative = all(p.illustrative for p in focal.practices)
    descriptions += w["focal_illustrative" if illustrative else "focal_surveyed"].format(focal=focal.short[lang])
    shared = [c.short[lang] for c in benchmarks if c.id in compared_streets and not c.surveyed]
    if shared:
        descriptions += ("" if lang == "zh" else " ") + w["surveyed_elsewhere"].format(cases=chapter.w["join"](shared))
    intro = w["intro"].format(focal=focal.short[lang], cases=chapter.w["join"]([c.place[lang] for c in benchmarks]),
                              dimensions=chapter.w["join"]([d.name[lang] for d in dimensions]),
                              k=chapter.w["number"](len(dimensions)), descriptions=descriptions)
    return "\n\n".join([intro, matrix_table(chapter), _lacks(chapter, focal)]) + "\n"


def matrix_table(chapter):
    w, lang = chapter.w["cases"], chapter.language
    matrix = chapter.table("cases", f"matrix_{lang}").fillna("—")
    matrix = matrix.rename(columns={"dimension": w["matrix_first"]})
    return markdown_table(matrix, w["matrix_caption"], "tbl-case-matrix", whole=(0,))


def _lacks(chapter, focal):
    """What the focal street lacks, dimension by dimension from the weakest; the unmeasured last."""
    w, lang = chapter.w["cases"], chapter.language
    lacks = chapter.table("cases", "lacks")
    practices = chapter.table("cases", "practices")
    own = practices[practices["case"] == focal.id]
    ranked = lacks[lacks["measured"].astype(bool)]
    lines = [w["lacks_intro" if len(ranked) else "lacks_intro_unranked"].format(focal=focal.short[lang]), ""]
    for _, r in (ranked if len(ranked) else lacks).iterrows():
        mine = own[own["dimension"] == r["dimension"]][lang].tolist()
        fields = dict(dimension=r[f"name_{lang}"], focal=focal.short[lang],
                      focal_practice=("；" if lang == "zh" else "; ").join(mine) or w["no_practice"],
                      benchmarks=r[f"lacks_{lang}"] if isinstance(r[f"lacks_{lang}"], str) else w["no_practice"])
        if len(ranked):
            gap = r["benchmark_gap"]
            lines.append(w["lacks_item"].format(
                rank=int(r["rank"]), name=chapter.name(r["construct"]), code=r["construct"],
                performance=f"{r['performance']:.1f}", gap=w["gap"].format(gap=f"{gap:.1f}") if pd.notna(gap) else "",
                **fields))
        else:
            lines.append(w["lacks_item_unranked"].format(**fields))
    unmeasured = lacks[~lacks["measured"].astype(bool)]
    text = "\n".join(lines)
    if len(ranked) and len(unmeasured):
        text += "\n\n" + w["unmeasured"].format(dimensions=chapter.w["join"](list(unmeasured[f"name_{lang}"])))
    return text
