"""The synthesis section of config checked when the workflow is read."""

from pathlib import Path

from govsurvey.errors import InputError
from govsurvey.synthesis.recommendations import load_recommendations


def check_settings(synthesis, instrument, source="config.yaml"):
    """min_interviewees a positive whole number; the recommendations file, when named, valid."""
    key = f"{source}: synthesis"
    m = synthesis.get("min_interviewees", 3)
    if not isinstance(m, int) or isinstance(m, bool) or m < 1:
        raise InputError(f"{key}.min_interviewees", f"is {m!r}; it must be a whole number of at least 1.",
                         "give how many interviewees make interview evidence, e.g. 3.")
    path = synthesis.get("recommendations")
    if path:
        if not Path(path).is_file():
            raise InputError(f"{key}.recommendations", f"the file {path} does not exist.",
                             "correct the path (relative to the project folder), or remove the key to use "
                             "the instrument's implications.")
        load_recommendations(path, instrument)
