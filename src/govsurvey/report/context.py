"""What every generated part of the chapter needs: the study (instrument, model), the street,
the chapter's settings and language, and the street's result files."""

import functools
from dataclasses import dataclass, field

import pandas as pd

from govsurvey.io import read_json
from govsurvey.paths import ResultFiles
from govsurvey.words import words


@dataclass
class Chapter:
    """One chapter: `settings` are the report rule's params (title, aim, author, alpha,
    bootstrap draws and level, street id); `street` is the street's config entry."""

    instrument: object
    model: object  # ParsedModel
    street: dict
    settings: dict
    language: str
    files: ResultFiles
    theory: object = None  # the study's theory file (study.hypotheses.Theory), or None
    hypotheses: list = field(default_factory=list)  # of study.hypotheses.Hypothesis
    w: dict = field(init=False)

    def __post_init__(self):
        self.w = words(self.language)

    # ---- results
    @functools.cache
    def table(self, stage, name):
        path = self.files.path(stage, name)
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)

    @functools.cache
    def json(self, stage, name):
        return read_json(self.files.path(stage, name))

    @functools.cache
    def csv_file(self, path):
        return pd.read_csv(path)

    @functools.cache
    def json_file(self, path):
        return read_json(path)

    def __hash__(self):  # functools.cache keys on self; one Chapter is one set of results
        return id(self)

    @property
    def compared(self):
        """Whether this chapter's street is the focal street of a configured comparison."""
        comparison = self.settings.get("comparison")
        return bool(comparison) and comparison["focal"] == self.settings.get("street_id")

    @property
    def estimator(self):
        """The estimator of the CFA and the structural model (analysis.estimator, in the report
        rule's settings)."""
        return self.settings.get("estimator", "ML")

    @property
    def bootstrapped(self):
        return self.settings["bootstrap"]["draws"] > 0 and self.model.structural

    # ---- study
    def name(self, code):
        return self.instrument.constructs[code].name[self.language]

    def named(self, code):
        """'Depth of integration … (IN)'."""
        return self.w["construct_named"].format(name=self.name(code), code=code)

    def local(self, entry):
        """The chapter's language of a {zh, en} entry of config, or None."""
        return entry.get(self.language) if entry else None

    def count(self, n, word):
        one, many = self.w[word]
        return self.w["count"](n, one, many)
