"""The conceptual model: the hypothesised paths among the constructs, drawn before any fit.

Same layout as the path diagram (draw_paths: constructs in bands by role, predictors left of
what they predict); each arrow carries its hypothesis and expected sign, "H1 (+)", no estimate.
"""

import matplotlib
import pandas as pd

from govsurvey.errors import InputError
from govsurvey.figures.path_diagram import draw_paths
from govsurvey.figures.style import check_language, save, style

SIGNS = {1: "+", -1: "\u2212"}  # a true minus, as the other figures print negative numbers
KEYS = ("id", "predictor", "outcome", "sign")


def hypothesis_label(hypothesis):
    """'H1 (+)', 'H2a (−)': the text on a hypothesis's arrow."""
    return f"{hypothesis['id']} ({SIGNS[hypothesis['sign']]})"


def hypothesis_paths(hypotheses, instrument):
    """The hypotheses, checked against the instrument, as the table draw_paths takes: one row
    per hypothesis with predictor, outcome, label and dashed (never: nothing is tested yet)."""
    if not hypotheses:
        raise InputError("hypotheses", "there are no hypotheses to draw.",
                         "give at least one {id, predictor, outcome, sign} (a pure CFA has no conceptual paths).")
    seen_ids, seen_paths = set(), {}
    for h in hypotheses:
        missing = [k for k in KEYS if k not in h]
        name = h.get("id", "a hypothesis")
        if missing:
            raise InputError("hypotheses", f"{name} lacks {', '.join(missing)}.",
                             'write each as {"id": "H1", "predictor": "IN", "outcome": "PL", "sign": 1}.')
        unknown = [h[k] for k in ("predictor", "outcome") if h[k] not in instrument.constructs]
        if unknown:
            raise InputError("hypotheses", f"{name} names {', '.join(map(str, unknown))}, which is not a "
                             f"construct of instrument '{instrument.id}' ({instrument.source}).",
                             f"use one of its construct codes: {', '.join(instrument.constructs)}.")
        if h["predictor"] == h["outcome"]:
            raise InputError("hypotheses", f"{name} has {h['predictor']} predict itself.",
                             "give a predictor and an outcome that differ.")
        if isinstance(h["sign"], bool) or h["sign"] not in SIGNS:
            raise InputError("hypotheses", f"{name} has the sign {h['sign']!r}.",
                             "use 1 for an expected positive effect, -1 for a negative one.")
        if h["id"] in seen_ids:
            raise InputError("hypotheses", f"the id {h['id']} is used twice.", "give each hypothesis its own id.")
        path = (h["predictor"], h["outcome"])
        if path in seen_paths:  # two labels on one arrow would print on top of each other
            raise InputError("hypotheses", f"{seen_paths[path]} and {h['id']} are both the path "
                             f"{path[0]} → {path[1]}.", "state one hypothesis per path.")
        seen_ids.add(h["id"])
        seen_paths[path] = h["id"]
    return pd.DataFrame({
        "id": [h["id"] for h in hypotheses],
        "predictor": [h["predictor"] for h in hypotheses],
        "outcome": [h["outcome"] for h in hypotheses],
        "sign": [h["sign"] for h in hypotheses],
        "label": [hypothesis_label(h) for h in hypotheses],
        "dashed": False,
    })


def draw_conceptual_model(instrument, hypotheses, language, png_path, svg_path):
    """The conceptual model: the constructs the hypotheses name, in bands by the instrument's
    roles (or by the chain of paths without roles), one arrow per hypothesis labelled with its
    id and expected sign. Writes png_path (300 dpi) and svg_path; returns the drawn paths."""
    w = check_language(language, instrument)
    paths = hypothesis_paths(hypotheses, instrument)
    with matplotlib.rc_context(style(language)):
        fig, _ = draw_paths(paths, instrument, language, w["conceptual_note"])
        save(fig, png_path, svg_path)
    return paths
