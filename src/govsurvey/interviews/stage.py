"""The interviews stage of one street: read the folder and its coding, mask personal data, and
build every table the chapter draws on. Nothing leaves this module unmasked: the study and its
segments are masked (privacy.mask_study) right after they are read, and every table below is
made from the masked copies, so no later step can write a register name or a phone number.
"""

from pathlib import Path

import pandas as pd

from govsurvey.errors import InputError
from govsurvey.interviews.agreement import agreement, unit_table
from govsurvey.interviews.coding import read_coding, read_coding_table, read_qdpx
from govsurvey.interviews.inputs import read_study
from govsurvey.interviews.outputs import (
    code_role_matrix,
    evidence,
    interviewee_table,
    saturation,
    select_quotes,
    word_frequencies,
)
from govsurvey.interviews.privacy import mask_study, with_quotes


def read_segments(folder, coding, study):
    """The coded segments of the files `coding` names (paths relative to `folder`; .csv tables
    or .qdpx projects), or of every such file under folder/coding/ when `coding` is empty."""
    if not coding:
        return read_coding(Path(folder) / "coding", study)
    parts = []
    for name in coding:
        path = Path(folder) / name
        if not path.is_file():
            raise InputError(path, "the coding file does not exist.",
                             f"correct interviews.<street>.coding (paths relative to {folder}).")
        parts.append(read_qdpx(path, study) if path.suffix.lower() == ".qdpx" else read_coding_table(path, study))
    return pd.concat(parts, ignore_index=True)


def _agreement_summary(table):
    """The overall row of the agreement table, as the chapter states it."""
    overall = table[table["code"] == "(all)"].iloc[0]
    coders = [c[len("coded_"):] for c in table.columns if c.startswith("coded_")]

    def number(x):
        return None if pd.isna(x) else float(x)

    return {"coders": coders, "units": int(overall["units"]),
            "percent_agreement": number(overall["percent_agreement"]),
            "kappa": number(overall["kappa"]), "kappa_band": overall["kappa_band"],
            "alpha": number(overall["alpha"]), "alpha_band": overall["alpha_band"],
            "kappa_bands": "Landis & Koch (1977)", "alpha_bands": "Krippendorff (2004): ≥ .800 reliable, "
            ".667–.800 tentative conclusions only, below unreliable",
            "codes_unreliable": table.loc[(table["code"] != "(all)") & (table["alpha_band"] == "unreliable"),
                                               "code"].tolist()}  # fmt: skip


def interview_results(folder, coding=(), names=(), constructs=None, per_code=3, top_words=30, log=print):
    """{name: DataFrame or dict} of one street's interviews (see paths.STAGES["interviews"]);
    `names`: further names to mask beside the register's; `constructs`: the instrument's
    construct codes, which codebook links must name."""
    study = read_study(folder, constructs)
    segments = read_segments(folder, list(coding), study)
    log(f"interviews: {len(study.transcripts)} transcripts, {len(study.codebook)} codes, "
        f"{len(segments)} segments by {segments['coder'].nunique()} coder(s)")
    # Masked before anything else is computed: every table below sees only the masked copies.
    study, segments = mask_study(study, segments, names)
    log("interviews: personal data masked (register names, configured names, phones, ID numbers, e-mail, addresses)")
    quotes, rule = select_quotes(segments, study.transcripts, study.register, study.codebook, per_code)
    log(f"interviews: {len(quotes)} quotations for {quotes['code'].nunique()} linked code(s)")
    units = unit_table(study, segments)
    table = agreement(units)
    summary = _agreement_summary(table)
    log(f"interviews: agreement over {summary['units']} sentence units: κ = {summary['kappa']:.3f} "
        f"({summary['kappa_band']}), α = {summary['alpha']:.3f} ({summary['alpha_band']})")
    matrix = code_role_matrix(segments, study.register, study.codebook).reset_index()
    return {
        "interviewees": interviewee_table(study.register),
        "segments": with_quotes(study, segments),
        "code_role_matrix": matrix,
        "evidence": evidence(segments, study.register, study.codebook),
        "saturation": saturation(segments, study.register),
        "quotes": quotes,
        "quote_rule": {**rule, "per_code": per_code},
        "word_frequencies": word_frequencies(study.transcripts, top_words),
        "agreement": table,
        "agreement_summary": summary,
    }
