"""Workflow configuration: validated against src/govsurvey/schemas/config.schema.yaml."""

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
    # Key order carries no meaning, but Snakemake compares params as written: a reordered
    # config.yaml must not re-run the workflow. Streets keep their order (the first is the default).
    for key, value in list(config.items()):
        if key == "streets":
            config[key] = {sid: _canonical(street) for sid, street in value.items()}
        else:
            config[key] = _canonical(value)
    return config


def _canonical(value):
    """Mappings with their keys sorted, recursively."""
    if isinstance(value, dict):
        return {k: _canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value
