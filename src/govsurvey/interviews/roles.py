"""Interviewee roles in English: the zh -> en names shipped in interviews/data/roles.yaml (its own
module, so that the chapter names roles without loading the stage's text tools)."""

from functools import cache
from importlib import resources

import yaml


@cache
def role_names():
    """{zh role: en role} shipped in interviews/data/roles.yaml."""
    path = resources.files("govsurvey").joinpath("interviews", "data", "roles.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))
