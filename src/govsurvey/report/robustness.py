"""The chapter's estimation-and-robustness section: where the answers stand against
multivariate normality and which estimator is primary and why; the competing models and what
the nested tests favour; common-method bias beyond Harman's test (the one-factor model and an
unmeasured latent method factor); the sensitivity table of every structural path and effect
under each estimator and sample.

Reads results/<street>/robustness/ (govsurvey.robustness); sentences are the templates under
`robustness:` in prose/<language>.yaml."""

import pandas as pd

from govsurvey.formatting import apa_number, significance_stars
from govsurvey.report.tables import markdown_table, p_phrase
from govsurvey.robustness.models import roles

# the rows of the sensitivity table: paths, then each indirect route and each total effect
SENSITIVITY_KINDS = ("path", "indirect", "total")


def robustness_text(chapter):
    """The section's markdown: paragraphs and its three tables."""
    summary = chapter.json("robustness", "summary")
    parts = [_estimator_paragraph(chapter, summary), _competing_paragraph(chapter, summary),
             competing_table(chapter, chapter.table("robustness", "competing")),
             nested_table(chapter, chapter.table("robustness", "competing"), summary["competing"]["tests"],
                          (summary.get("competing_wlsmv") or {}).get("tests", ())),
             _method_paragraph(chapter, chapter.json("robustness", "method_bias"))]
    if summary.get("sensitivity", {}).get("variants"):
        parts.append(sensitivity_table(chapter, chapter.table("robustness", "sensitivity"), summary["sensitivity"],
                                       summary.get("wlsmv_bootstrap")))
        parts.append(_wlsmv_bootstrap_sentence(chapter, summary.get("wlsmv_bootstrap") or {},
                                               summary["sensitivity"].get("alpha", 0.05)))
    return "\n\n".join(p for p in parts if p) + "\n"


# ---------------------------------------------------------------- normality and the estimator
def _estimator_paragraph(chapter, summary):
    w = chapter.w["robustness"]
    norm = chapter.json("robustness", "normality")
    sentences = [w["normality"].format(
        verdict=w["normality_verdict"][bool(norm["multivariate_normal_rejected"])],
        b2p=f"{norm['b2p']:.2f}", expected=f"{norm['expected_b2p']:.0f}",
        z=apa_number(norm["kurtosis_z"], 2, leading_zero=True), p=p_phrase(norm["kurtosis_p"]),
        b1p=f"{norm['b1p']:.2f}", skew_p=p_phrase(norm["skew_p"]))]
    beyond = norm["items_beyond_limits"]
    if beyond:
        sentences.append(w["items_beyond"].format(items=chapter.w["join"](beyond), n=len(beyond)))
    else:
        sentences.append(w["items_within"].format(skew=apa_number(norm["max_abs_skew"], 2, leading_zero=True),
                                                  kurtosis=apa_number(norm["max_abs_kurtosis"], 2, leading_zero=True)))
    sens = summary.get("sensitivity") or {}
    variants = [v for v in sens.get("variants", []) if v != sens.get("primary")]
    descriptions = [_variant_description(chapter, v, sens) for v in variants]
    sentences.append(w["primary"][chapter.estimator])
    if variants:  # a model without regressions has no sensitivity table
        points = chapter.instrument.scale_max - chapter.instrument.scale_min + 1
        sentences.append(w["reestimated"].format(points=chapter.w["number"](points),
                                                 variants=w["variant_join"].join(descriptions)))
        sentences.append(_changes_sentence(chapter, sens))
    return "".join(sentences) if chapter.language == "zh" else " ".join(sentences)


def _variant_description(chapter, name, facts):
    w = chapter.w["robustness"]
    n = facts.get("n", {})
    demographics = {d.code: d for d in chapter.instrument.demographics}
    controls = [_demographic_name(demographics[c], chapter.language)
                for c in chapter.settings.get("robustness_controls", []) if c in demographics]
    return w["variants"][name].format(
        n=n.get(name, ""), added=chapter.w["number"](facts.get("mahalanobis_records_added", 0)),
        fiml_added=chapter.w["number"](facts.get("incomplete_records_added", 0)), controls=chapter.w["join"](controls) if controls else "")


def _demographic_name(demographic, language):
    """A demographic's short name in running text ('gender', '性别')."""
    name = (demographic.short or {}).get(language) or getattr(demographic, language)
    return name.lower() if language == "en" else name


def _changes_sentence(chapter, facts):
    w = chapter.w["robustness"]
    changed = facts.get("changes", [])
    if not changed:
        return w["changes_none"].format(alpha=apa_number(facts.get("alpha", 0.05), 2))
    items = []
    for d in changed:
        key = d["key"].split(": ", 1)[-1].replace(" ~ ", " ← ")
        how = "sign" if d["sign_changes"] else "significant" if d["significant_variant"] else "not_significant"
        items.append(w["change"][how].format(key=key, variant=w["variant_names"][d["variant"]]))
    return w["changes_some"].format(changes=w["change_join"].join(items), alpha=apa_number(facts.get("alpha", 0.05), 2))


# ---------------------------------------------------------------- competing models
def _model_label(chapter, table, model, in_sentence=True):
    """The model's name in the chapter's language; inside an English sentence a capitalised
    word is lowered ('the one-factor model'), an acronym kept ('the CFA')."""
    row = table.loc[table["model"] == model]
    label = row[f"label_{chapter.language}"].iloc[0] if len(row) else model
    if in_sentence and chapter.language == "en" and label[:1].isupper() and not label[1:2].isupper():
        label = label[0].lower() + label[1:]
    return label


def _competing_paragraph(chapter, summary):
    w = chapter.w["robustness"]["competing"]
    table = chapter.table("robustness", "competing")
    facts = summary["competing"]
    _, outcomes = roles(chapter.model)
    structural = "partial_mediation" in set(table["model"]) and outcomes
    sentences = [w["intro"].format(outcome=chapter.w["join"](outcomes)) if structural else w["intro_measurement"]]
    kept = {}  # restricted model -> the less restricted models it fits no worse than: one sentence
    for test in facts["tests"]:
        values = dict(restricted=_model_label(chapter, table, test["restricted"]),
                      general=_model_label(chapter, table, test["general"]),
                      df=test["df_diff"], chisq=f"{test['chisq_diff']:.2f}", p=p_phrase(test["pvalue"]))
        if not test.get("admissible", True):
            sentences.append(w["inadmissible"].format(**values))
        elif test["preferred"] == test["general"]:
            sentences.append(w["general_better"].format(**values))
        else:
            if values["restricted"] not in kept:
                kept[values["restricted"]] = []
                sentences.append(values["restricted"])  # a place, filled below
            kept[values["restricted"]].append(w["kept_against"].format(**values))
    sentences = [w["restricted_kept"].format(restricted=s, generals=chapter.w["join"](kept[s])) if s in kept else s
                 for s in sentences]
    aic, bic = facts.get("smallest_aic"), facts.get("smallest_bic")
    if aic and aic == bic:
        sentences.append(w["aic_bic_same"].format(model=_model_label(chapter, table, aic)))
    elif aic and bic:
        sentences.append(w["aic_bic_differ"].format(aic=_model_label(chapter, table, aic),
                                                    bic=_model_label(chapter, table, bic)))
    if (summary.get("competing_wlsmv") or {}).get("tests"):
        sentences.append(_ordinal_sentence(chapter, table, facts, summary["competing_wlsmv"]))
    favoured = _favoured(facts)
    if favoured:
        sentences.append(w["verdict"].format(model=_model_label(chapter, table, favoured)))
    return "".join(sentences) if chapter.language == "zh" else " ".join(sentences)


def _favoured(facts):
    """The model the tests favour among the structural alternatives: the one preferred in the
    test of the hypothesised model against partial mediation (else in the last test)."""
    tests = facts["tests"]
    for test in tests:
        if {test["restricted"], test["general"]} == {"structural", "partial_mediation"}:
            return test["preferred"]
    return tests[-1]["preferred"] if tests else None


def competing_table(chapter, table):
    """One row per model, numbered M1, M2 … so that the nested tests (nested_table) can name
    them briefly."""
    w = chapter.w["robustness"]["competing"]
    columns = w["columns"]
    rows = []
    for k, r in enumerate(table.itertuples(), start=1):
        rows.append({
            columns[0]: w["numbered"].format(number=f"M{k}", model=getattr(r, f"label_{chapter.language}")),
            columns[1]: f"{r.chisq:.2f}", columns[2]: str(int(r.df)),
            columns[3]: apa_number(r.cfi, 3), columns[4]: apa_number(r.tli, 3),
            columns[5]: apa_number(r.rmsea, 3), columns[6]: apa_number(r.srmr, 3),
            columns[7]: f"{r.aic:.0f}", columns[8]: f"{r.bic:.0f}",  # whole: the table is wide
        })
    caption = w["caption"].format(estimator=chapter.w["estimator_short"][chapter.estimator])
    return markdown_table(pd.DataFrame(rows), caption, "tbl-competing", whole=(0,))


def nested_table(chapter, table, tests, ordinal_tests=()):
    """One row per nested test: the more restricted model against the less restricted one,
    under the primary estimator and (where it ran) WLSMV's DIFFTEST beside it."""
    w = chapter.w["robustness"]["competing"]
    columns = w["nested_columns"]
    number = {model: f"M{k}" for k, model in enumerate(table["model"], start=1)}
    ordinal = {(t["restricted"], t["general"]): t for t in ordinal_tests}
    rows = []
    for t in tests:
        o = ordinal.get((t["restricted"], t["general"]))
        rows.append({columns[0]: w["versus"].format(restricted=number[t["restricted"]], general=number[t["general"]]),
                     columns[1]: f"{t['chisq_diff']:.2f}", columns[2]: str(int(t["df_diff"])),
                     columns[3]: p_phrase(t["pvalue"]).removeprefix("= "),
                     columns[4]: f"{o['chisq_diff']:.2f}" if o else "—",
                     columns[5]: p_phrase(o["pvalue"]).removeprefix("= ") if o else "—",
                     columns[6]: number.get(t["preferred"], "—")})
    caption = w["nested_caption"].format(estimator=chapter.w["estimator_short"][chapter.estimator])
    return markdown_table(pd.DataFrame(rows), caption, "tbl-nested")


def _ordinal_sentence(chapter, table, facts, ordinal):
    """Whether WLSMV's DIFFTEST favours the models the primary tests favour."""
    w = chapter.w["robustness"]["competing"]
    primary = {(t["restricted"], t["general"]): t["preferred"] for t in facts["tests"]}
    differ = [t for t in ordinal["tests"] if primary.get((t["restricted"], t["general"])) not in (None, t["preferred"])]
    if not differ:
        return w["wlsmv_same"]
    return w["wlsmv_differs"].format(models=chapter.w["join"](
        [w["versus_preferred"].format(preferred=_model_label(chapter, table, t["preferred"]),
                                      other=_model_label(chapter, table, t["general"] if t["preferred"] == t["restricted"] else t["restricted"]))
         for t in differ]))


# ---------------------------------------------------------------- common-method bias
def _method_paragraph(chapter, bias):
    w = chapter.w["robustness"]["method"]
    single = bias["single_factor"]
    sentences = [w["single"].format(df=single["df_diff"], chisq=f"{single['chisq_diff']:.2f}",
                                    p=p_phrase(single["pvalue"]),
                                    cfi=apa_number(single["cfi_one_factor"], 3))]
    u = bias["ulmc"]
    loadings = w["loadings"][u["loadings"]]
    if not u["converged"]:
        sentences.append(w["ulmc_failed"].format(loadings=loadings))
    elif not u["admissible"]:
        sentences.append(w["ulmc_inadmissible"].format(loadings=loadings))
    else:
        share = u["method_variance_share"]
        sentences.append(w["ulmc"].format(
            loadings=loadings, improves=w["improves"][bool(u["improves_fit"])], df=u["df_diff"],
            chisq=f"{u['chisq_diff']:.2f}", p=p_phrase(u["pvalue"]), share=f"{100 * share:.1f}",
            against=w["against"][share < 0.25]))
        changed = u.get("paths_changed", [])
        if changed:
            sentences.append(w["paths_changed"].format(paths=chapter.w["join"]([p.replace(" ~ ", " ← ") for p in changed])))
        elif u.get("structural_converged"):
            sentences.append(w["paths_kept"].format(change=apa_number(u["max_abs_std_change"], 3)))
    return "".join(sentences) if chapter.language == "zh" else " ".join(sentences)


# ---------------------------------------------------------------- sensitivity
def sensitivity_table(chapter, table, facts, bootstrap=None):
    w = chapter.w["robustness"]
    rows = table[table["kind"].isin(SENSITIVITY_KINDS)]
    first = w["sensitivity_first_column"]
    frame = pd.DataFrame({first: [_row_label(chapter, r) for r in rows.itertuples()]})
    for name in facts["variants"]:
        frame[w["variant_labels"][name]] = [
            apa_number(b, 2) + significance_stars(p)  # "—" where a variant has no estimate
            for b, p in zip(rows[f"{name}_std_all"], rows[f"{name}_pvalue"])]
    ml = [w["variant_labels"][v] for v in facts["variants"] if v.startswith("ml_")]
    ml = w["ml_columns"].format(columns=chapter.w["join"](ml)) if ml else ""
    caption = w["sensitivity_caption"].format(ml=ml, n=w["variant_join"].join(
        w["sensitivity_n"].format(variant=w["variant_labels"][v], n=facts["n"][v]) for v in facts["variants"]))
    if "wlsmv" in facts["variants"] and not (bootstrap or {}).get("ran"):
        caption += w["wlsmv_delta_note"]
    return markdown_table(frame, caption, "tbl-sensitivity", whole=(0,))


def _wlsmv_bootstrap_sentence(chapter, facts, alpha):
    """Whether each indirect effect's WLSMV percentile interval excludes zero as its
    delta-method p says; '' when the bootstrap did not run or there is no indirect effect."""
    if not facts.get("ran") or not facts.get("indirect"):
        return ""
    w = chapter.w["robustness"]["wlsmv_bootstrap"]
    number = chapter.w["number"]
    values = dict(used=number(facts["admissible"]), draws=number(facts["draws"]),
                  level=f"{100 * facts['level']:g}", alpha=apa_number(alpha, 2),
                  agree=number(facts["indirect_agree"]), n=number(facts["indirect"]),
                  routes=chapter.w["join"](facts["indirect_disagree"]))
    return w["all_agree" if not facts["indirect_disagree"] else "some_disagree"].format(**values)


def _row_label(chapter, r):
    if r.kind == "path":
        return f"{r.rhs} → {r.lhs}"
    if r.kind == "total":
        return chapter.w["robustness"]["total_label"].format(cause=r.rhs, outcome=r.lhs)
    return r.route
