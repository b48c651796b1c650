"""Workflow configuration: validated against src/govsurvey/schemas/config.schema.yaml."""

import copy

from govsurvey.errors import InputError
from govsurvey.schema import validate

# A street's config entry holds what ingest reads and what only the chapter shows; the latter
# must not make ingest (and all that follows) run again when it changes.
DISPLAY_KEYS = ("name", "short_name", "city", "fieldwork", "synthetic", "screening")


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
    comparison = config.get("comparison")
    if comparison is not None:
        comparison.setdefault("focal", report["street"])
        for sid in [comparison["focal"], *comparison["streets"]]:
            if sid not in config["streets"]:
                raise InputError(source, f"comparison names the street '{sid}', which is not under 'streets'.",
                                 f"use one of: {', '.join(streets)}.")
        if comparison["focal"] in comparison["streets"]:
            raise InputError(source, f"comparison.streets lists the focal street '{comparison['focal']}'.",
                             "list only the benchmark streets there.")
    for settings in (config.get("interviews") or {}).values():
        if isinstance(settings.get("coding"), str):  # one .qdpx project may be named on its own
            settings["coding"] = [settings["coding"]]
    if config.get("cases") is not None:
        config["cases"].setdefault("focal", report["street"])
    for sid, street in config["streets"].items():
        # A street's screening: the global rules, overridden where the street says otherwise.
        street["screening"] = merge(config["screening"], street.get("screening", {}))
        validate(street["screening"], "config.schema.yaml", f"{source}: streets.{sid}.screening", part="screening")
    # Key order carries no meaning, but Snakemake compares params as written: a reordered
    # config.yaml must not re-run the workflow. Streets and the comparison's groupings keep their
    # order (the first street is the default; groupings appear in the chapter as listed).
    for key, value in list(config.items()):
        if key == "streets":
            config[key] = {sid: _canonical(street) for sid, street in value.items()}
        else:
            config[key] = _canonical(value)
    if comparison is not None:
        groups = comparison["groups"]
        config["comparison"]["groups"] = {name: _canonical(spec) for name, spec in groups.items()}
    return config


def merge(base, override):
    """`base` with `override`'s keys replacing it, mappings merged recursively (copies)."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def ingest_settings(street):
    """The part of a street's entry that ingest reads (everything but what only the chapter shows)."""
    return {k: v for k, v in street.items() if k not in DISPLAY_KEYS and k != "raw_export"}


def _canonical(value):
    """Mappings with their keys sorted, recursively."""
    if isinstance(value, dict):
        return {k: _canonical(value[k]) for k in sorted(value, key=str)}  # code maps mix int and str keys
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value
