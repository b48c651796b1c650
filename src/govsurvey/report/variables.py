"""The values the chapter reads with {{< var … >}} (written to _variables.yml), and the flags
that switch its conditional sections (structural model, mediation, bootstrap …)."""

import math

from govsurvey.formatting import apa_number
from govsurvey.report.structure import r2_text, structural_paths
from govsurvey.report.tables import p_phrase


def flags(chapter):
    """Which optional parts the chapter has, from the model, the settings and the results."""
    structural = bool(len(structural_paths(chapter.table("sem", "params"), chapter.instrument)))
    # the model implies indirect routes (the sem step's effects table has them), whether or not := names them
    mediation = structural and bool((chapter.table("sem", "effects")["kind"] == "indirect").any())
    qualitative = chapter.settings.get("qualitative") or {}
    return {
        "structural": structural,
        "mediation": mediation,
        "bootstrap": structural and chapter.bootstrapped,
        "discriminant": len(chapter.instrument.constructs) > 1,
        "modindices": len(chapter.table("measure", "modindices")) > 0,
        "demographics": any(d.code in chapter.table("clean", "kept") for d in chapter.instrument.demographics),
        "comparison": chapter.compared,
        # the theory-and-hypotheses section: theories declared, or hypotheses to state
        "theory": bool(chapter.theory and chapter.theory.theories) or bool(structural and chapter.hypotheses),
        "hypotheses": bool(structural and chapter.hypotheses),
        # the qualitative sections: interviews of this street, it is the focal case, the joint display
        "interviews": bool(qualitative.get("interviews")),
        "cases": bool(qualitative.get("cases")),
        "synthesis": bool(qualitative.get("interviews") or qualitative.get("cases")),
        # the sample-size justification: the power study ran for this street (a report input)
        "power": structural and "power_summary" in chapter.files.inputs,
    }


def path_caption(chapter):
    """The path diagram's caption: the full diagram's also says what its shapes are."""
    full = chapter.settings.get("path_diagram") == "full"
    return chapter.w["figures"]["path_caption_full" if full else "path_caption"]


def _fit_values(fit_table):
    """The fit sentence's figures from a stage's fit table: the figures its estimator reports
    (under MLR the scaled chi-square and the robust indices, sem.indices.reported_fit)."""
    fit = dict(zip(fit_table["index"], fit_table["value"]))
    return {
        "chisq": f"{fit['chisq']:.2f}",
        "df": str(int(fit["df"])),
        "p": p_phrase(fit["pvalue"]),  # "= .360" or "< .001": the chapter writes "p {{< var … >}}"
        "chisq_df": f"{fit['chisq_df']:.2f}" if math.isfinite(fit.get("chisq_df", math.nan)) else "—",
        "cfi": apa_number(fit["cfi"], 3),
        "tli": apa_number(fit["tli"], 3),
        "rmsea": apa_number(fit["rmsea"], 3),
        "rmsea_lo": apa_number(fit["rmsea_ci_lower"], 3),
        "rmsea_hi": apa_number(fit["rmsea_ci_upper"], 3),
        "srmr": apa_number(fit["srmr"], 3),
    }


def _problem_phrase(w, model, problem):
    """One admissibility problem (sem/admissibility.py's dict) in the chapter's words."""
    lhs, op, rhs = (problem["where"].split(" ", 2) + ["", ""])[:3]
    value = problem.get("value")
    return w["admissibility"]["kinds"][problem["kind"]].format(
        model=w["admissibility"]["model"][model], variable=lhs, item=rhs,
        value=apa_number(value, 3, leading_zero=True) if isinstance(value, (int, float)) else "",
        n=problem.get("n", ""), q=problem.get("q", ""),
        ratio=f"{problem['n'] / problem['q']:.1f}" if problem.get("q") else "")


def admissibility_text(w, problems):
    """The chapter's admissibility check: the inadmissible problems of each model ({model:
    problem list}, 'cfa' and 'structural'), or that none was found, then the warnings (small
    sample, a latent variance not distinguishable from zero). The sample's size against 200
    is said once."""
    inadmissible, warnings, said = [], [], set()
    for model, found in problems.items():
        for problem in found:
            if problem["kind"] == "n_below_200":
                if problem["kind"] in said:
                    continue
                said.add(problem["kind"])
            phrase = _problem_phrase(w, model, problem)
            (warnings if problem.get("severity") == "warning" else inadmissible).append(phrase)
    return w["admissibility"]["join"].join((inadmissible or [w["admissible"]]) + warnings)


def build_variables(chapter, on):
    """{{< var >}} values; `on` are the flags (parts that are off get no values)."""
    w, instrument, street = chapter.w, chapter.instrument, chapter.street
    screening = chapter.json("clean", "summary")
    reliability = chapter.table("measure", "reliability")
    bartlett = chapter.json("measure", "bartlett")
    harman = chapter.json("measure", "harman")
    fornell = chapter.table("measure", "fornell_larcker")
    problems = {"cfa": chapter.json("measure", "admissibility")}
    if on["structural"]:  # without structural paths the sem step fits the CFA again
        problems["structural"] = chapter.json("sem", "admissibility")
    title = chapter.local(chapter.settings.get("title")) or instrument.title[chapter.language]
    n_constructs = len(instrument.constructs)
    values = {
        "study": {
            "title": title,
            "subtitle": w["subtitle"],
            "street": street["name"][chapter.language],
            "n_items": len(instrument.items),
            "n_constructs": n_constructs,
        },
        "sample": {"n_kept": screening["n_kept"], "n_excluded": screening["n_excluded"]},
        "reliability": {
            "alpha_min": apa_number(reliability["alpha"].min(), 3),
            "alpha_max": apa_number(reliability["alpha"].max(), 3),
            "below_70": chapter.count(int((reliability["alpha"] < 0.70).sum()), "construct_word"),
            "omega_min": apa_number(reliability["omega"].min(), 3),
            "ave_min": apa_number(reliability["ave_semtools"].min(), 3),
            "cr_fl_min": apa_number(reliability["cr"].min(), 3),
        },
        "validity": {
            "kmo": apa_number(bartlett["kmo_overall"], 3),
            "bartlett_chisq": f"{bartlett['chisq']:.2f}",
            "bartlett_df": bartlett["df"],
            "bartlett_p": p_phrase(bartlett["pvalue"]),
            "harman_pct": f"{100 * harman['first_component_share']:.1f}",
            "harman_verdict": w["harman_verdict"][bool(harman["below_50_percent"])],
            "fl_pass": chapter.count(int(fornell["sqrt_ave_exceeds_correlations"].sum()), "construct_word"),
        },
        "estimation": {"text": w["estimation"][chapter.estimator]},
        "cfa": {**_fit_values(chapter.table("measure", "fit_table")),
                "constructs": chapter.count(n_constructs, "cfa_constructs")},
        "figures": {"path_caption": path_caption(chapter)},
        "admissibility": {
            "n_problems": sum(len(found) for found in problems.values()),
            "text": admissibility_text(w, problems),
        },
    }
    # Parts that are off keep their keys (a dash), so that both engines find every {{< var >}}
    # whether or not they drop the hidden section before resolving it.
    off = "—"
    values["validity"]["htmt_max"] = off
    values["sem"] = dict.fromkeys([*_fit_values(chapter.table("measure", "fit_table")), "r2_text"], off)
    values["bootstrap"] = dict.fromkeys(["draws", "admissible", "not_converged", "inadmissible", "level", "seed"], off)
    if on["discriminant"]:
        values["validity"]["htmt_max"] = apa_number(chapter.table("measure", "htmt")["htmt2"].max(), 3)
    if on["structural"]:
        values["sem"] = {**_fit_values(chapter.table("sem", "fit_table")), "r2_text": r2_text(chapter, chapter.table("sem", "r2"))}
    if on["bootstrap"]:
        summary = chapter.json("bootstrap", "summary")
        values["bootstrap"] = {
            "draws": summary["draws"],
            "admissible": summary["admissible"],
            "not_converged": summary["not_converged"],
            "inadmissible": summary["inadmissible"],
            "level": f"{100 * summary['level']:g}",
            "seed": summary["seed"],
        }
    return values
