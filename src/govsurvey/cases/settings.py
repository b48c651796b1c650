"""The cases section of config checked when the workflow is read (light: paths and the focal
case's street read with a YAML parser; the full check of the case files is the job's)."""

from pathlib import Path

import yaml

from govsurvey.errors import InputError


def check_settings(cases, source="config.yaml"):
    """The dimensions file, the case files and the bibliography must exist; focal must be the id
    of one of the case files. Returns the focal case's survey street (None when it has none)."""
    key = f"{source}: cases"
    for name, paths in [("dimensions", [cases["dimensions"]]), ("files", cases["files"]),
                        ("bibliography", cases["bibliography"])]:
        for path in paths:
            if not Path(path).is_file():
                raise InputError(f"{key}.{name}", f"the file {path} does not exist.",
                                 "correct the path (relative to the project folder), e.g. data/cases/<case>.yaml.")
    ids = {}
    for path in cases["files"]:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise InputError(path, f"not valid YAML ({exc}).", "correct the case file.") from None
        ids[data.get("id")] = data.get("street")
    if cases["focal"] not in ids:
        raise InputError(f"{key}.focal", f"'{cases['focal']}' is not the id of a case file.",
                         f"name one of: {', '.join(str(i) for i in ids)}.")
    return ids[cases["focal"]]
