"""JSON-schema (draft 2020-12) validation with defaults filled and readable errors."""

from pathlib import Path

import jsonschema
import yaml

from govsurvey.errors import InputError

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"  # package data (pyproject.toml)


def _with_defaults(validator_class):
    """Extend a validator so that it fills `default` values into the instance."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = _copy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def _copy(value):
    return yaml.safe_load(yaml.safe_dump(value))


DefaultFillingValidator = _with_defaults(jsonschema.Draft202012Validator)


def load_schema(name):
    return yaml.safe_load((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def _describe(error):
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        if extra and error.schema.get("properties"):
            allowed = ", ".join(sorted(error.schema["properties"]))
            return (
                f"unknown key {', '.join(repr(e) for e in extra)} at {where}.",
                f"remove or rename it; keys allowed there: {allowed}.",
            )
    if error.validator == "required":
        return f"at {where}: {error.message}.", "add the missing key."
    return f"at {where}: {error.message}.", None


def validate(data, schema_name, source, part=None):
    """Validate `data` (filling defaults in place) or raise InputError naming `source`. `part`
    names a property of the schema's top level to validate against instead of the whole."""
    schema = load_schema(schema_name)
    if part:
        schema = {**schema["properties"][part], "$defs": schema.get("$defs", {})}
    validator = DefaultFillingValidator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        # The deepest error is the most specific one for the reader.
        error = max(errors, key=lambda e: len(e.absolute_path))
        problem, fix = _describe(error)
        raise InputError(source, problem, fix)
    return data


def load_yaml(path, schema_name):
    """Read a YAML file and validate it against a schema in govsurvey/schemas/."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found.", "check the path in config.yaml.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(path, f"not valid YAML ({exc}).".replace("\n", " ")) from None
    return validate(data if data is not None else {}, schema_name, path)
