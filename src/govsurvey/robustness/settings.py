"""The stage's settings checked against the instrument when the workflow is read (light: no
SEM engine imported, so the DAG builds fast)."""

from govsurvey.errors import InputError


def check_settings(settings, instrument, source="config.yaml"):
    """The controls must be demographics of the instrument."""
    known = [d.code for d in instrument.demographics]
    for code in settings.get("controls", []):
        if code not in known:
            fix = (f"use some of: {', '.join(known)}." if known else
                   "this instrument declares no demographics: set robustness.controls to [].")
            raise InputError(f"{source}: robustness.controls", f"'{code}' is not a demographic of "
                             f"the instrument ({instrument.source}).", fix)
