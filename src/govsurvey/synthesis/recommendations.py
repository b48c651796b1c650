"""The optimisation path's recommendation texts: editable data, one entry per cause.

A cause of the instrument without an entry falls back to its `implication` there, so a study
that writes none still gets a path; an entry for a construct the instrument does not have, or
that is its outcome, is an error naming the file and the key.
"""

from dataclasses import dataclass

from govsurvey.errors import InputError
from govsurvey.schema import load_yaml


@dataclass(frozen=True)
class Recommendation:
    construct: str
    title: dict | None  # {"zh", "en"}, None when it comes from the instrument's implication
    text: dict  # {"zh", "en"}
    dimension: str | None = None  # the case dimension whose practices show it can work


def load_recommendations(path, instrument, outcome=None):
    """{construct: Recommendation}: the file's entries (path None: none), then the instrument's
    implications for the constructs the file leaves out."""
    found = {}
    if path:
        data = load_yaml(path, "recommendations.schema.yaml")
        for code, spec in data["recommendations"].items():
            if code not in instrument.constructs:
                raise InputError(path, f"at recommendations/{code}: {code} is not a construct of the instrument.",
                                 f"key each recommendation by a construct code: {', '.join(instrument.constructs)}.")
            if code == outcome:
                raise InputError(path, f"at recommendations/{code}: {code} is the model's outcome, which no "
                                 "recommendation can target.", "remove the entry, or key it by a cause.")
            found[code] = Recommendation(code, spec["title"], spec["text"], spec.get("dimension"))
    for code, construct in instrument.constructs.items():
        if code not in found and construct.implication and code != outcome:
            found[code] = Recommendation(code, None, construct.implication)
    return found
