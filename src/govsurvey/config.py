"""Workflow configuration: validated against workflow/schemas/config.schema.yaml."""

from govsurvey.errors import InputError
from govsurvey.schema import validate


def check_config(config, source="config.yaml"):
    """Validate (filling defaults in place) and apply the cross-field rules the schema cannot."""
    validate(config, "config.schema.yaml", source)
    streets = list(config["streets"])
    report = config["report"]
    report.setdefault("street", streets[0])
    if report["street"] not in config["streets"]:
        raise InputError(
            source,
            f"report.street is '{report['street']}', which is not a street in 'streets'.",
            f"use one of: {', '.join(streets)}.",
        )
    return config
