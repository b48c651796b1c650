"""The synthesis stage: the joint display and the optimisation path of one street, from its survey
results, its interviews' evidence and the case analysis (joint.py states the rules).

Inputs a study may lack: without interviews the display has no interview reading and no verdict;
without cases no practice; without a comparison the survey reading rests on the midpoint tests
and the path is ordered by the total effect alone.
"""

import pandas as pd

from govsurvey.cases.files import load_dimensions
from govsurvey.io import read_effects
from govsurvey.study.instrument import load_instrument
from govsurvey.synthesis.joint import direct_paths, interview_facts, joint_display, optimisation_path, survey_facts
from govsurvey.synthesis.recommendations import load_recommendations


def outcome_of(instrument, effects):
    """The model's outcome: the one construct total effects lead to and that leads nowhere."""
    totals = effects[effects["kind"] == "total"]
    ends = sorted(set(totals["outcome"]) - set(totals["cause"]))
    return ends[0] if len(ends) == 1 else None


def synthesis_results(instrument, effects, midpoint, alpha, *, params=None, boot=None, ipma=None, focal_street=None, evidence=None,
                      quotes=None, dimensions_file=None, practices=None, focal_case=None,
                      recommendations_file=None, min_interviewees=3, log=print):
    """{joint, optimisation: DataFrame, summary: dict}. `params`: the structural model's parameter
    table and `boot` the bootstrap's (ci_of std_all rows) give the direct paths into the outcome.
    optimisation: one row per construct with a
    recommendation, the recommended ones first in the path's order (rank), then those with a
    significant total effect that no source shows as weak, then those whose total effect is not
    significant (supported false)."""
    outcome = outcome_of(instrument, effects)
    recommendations = load_recommendations(recommendations_file, instrument, outcome)
    direct = direct_paths(params, outcome, boot) if params is not None else None
    survey = survey_facts(effects, midpoint, outcome, alpha, ipma, focal_street, direct)
    interviews = interview_facts(evidence, quotes, min_interviewees) if evidence is not None else None
    dimensions = load_dimensions(dimensions_file, instrument) if dimensions_file else ()
    joint = joint_display(instrument, outcome, survey, interviews, dimensions, practices, focal_case, recommendations)
    recommended, others = optimisation_path(joint, recommendations)
    unsupported = joint[joint["construct"].isin(recommendations) & ~joint["supported"].astype(bool)]
    rows = []
    for table, chosen in ((recommended, True), (others, False), (unsupported, False)):
        for _, r in table.iterrows():
            rec = recommendations[r["construct"]]
            rows.append({"rank": r.get("rank") if chosen else pd.NA, "construct": r["construct"],
                         "recommended": chosen, "supported": bool(r["supported"]),
                         "evidence": r["evidence"] if chosen else pd.NA,
                         "verdict": r["verdict"], "total": r["total"], "total_lo": r["total_lo"],
                         "total_hi": r["total_hi"], "gap": r["gap"], "best_street": r["best_street"],
                         "priority": r["priority"], "dimension": r["dimension"],
                         "from_instrument": rec.title is None,
                         "title_zh": (rec.title or {}).get("zh"), "title_en": (rec.title or {}).get("en"),
                         "text_zh": rec.text["zh"], "text_en": rec.text["en"]})  # fmt: skip
    optimisation = pd.DataFrame(rows, columns=[
        "rank", "construct", "recommended", "supported", "evidence", "verdict", "total", "total_lo", "total_hi", "gap",
        "best_street", "priority", "dimension", "from_instrument", "title_zh", "title_en", "text_zh", "text_en"])
    counts = joint["verdict"].value_counts().to_dict() if len(joint) else {}
    log(f"synthesis: {len(joint)} constructs in the joint display; verdicts {counts or 'none (no interviews)'}; "
        f"{len(recommended)} recommended ({', '.join(recommended['construct'])})")
    summary = {"outcome": outcome, "alpha": alpha, "min_interviewees": min_interviewees,
               "interviews": evidence is not None, "cases": practices is not None, "compared": ipma is not None,
               "verdicts": {k: int(v) for k, v in counts.items()}}  # fmt: skip
    return {"joint": joint, "optimisation": optimisation, "summary": summary}


def synthesis_from_files(files, settings, street, log=print):
    """synthesis_results from the rule's input files ({key: path}: instrument, effects, midpoint,
    params, and where the study has them boot, ipma, evidence, quotes, dimensions, practices,
    recommendations) and its settings (alpha, focal_case, min_interviewees)."""
    def table(key, **kw):
        return pd.read_csv(files[key], **kw) if key in files else None

    return synthesis_results(
        load_instrument(files["instrument"]), read_effects(files["effects"]), table("midpoint"), settings["alpha"],
        params=table("params"), boot=table("boot"), ipma=table("ipma"), focal_street=street,
        evidence=table("evidence", keep_default_na=False), quotes=table("quotes"),
        dimensions_file=files.get("dimensions"), practices=table("practices"), focal_case=settings["focal_case"],
        recommendations_file=files.get("recommendations"), min_interviewees=settings["min_interviewees"], log=log)
