"""Case files and the dimensions they are compared on, from YAML, checked against the study.

A case file (schemas/case.schema.yaml) describes one place; the dimensions file
(schemas/dimensions.schema.yaml) lists the dimensions of the comparison and the instrument's
constructs each relates to. Beyond the schemas, the loaders check what only the study knows:
that dimensions and constructs exist, that every source is a key of the bibliography, that
every practice has a source or is marked illustrative, and that a case with survey data names
a street of config.yaml whose export exists.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from govsurvey.errors import InputError
from govsurvey.schema import load_yaml


@dataclass(frozen=True)
class Dimension:
    code: str
    name: dict  # {"zh", "en"}
    constructs: tuple  # construct codes of the instrument
    problems: tuple = ()  # problems its practices address (the joint display; not ranked)

    def speaks_to(self, construct):
        return construct in self.constructs or construct in self.problems


@dataclass(frozen=True)
class Practice:
    dimension: str
    zh: str
    en: str
    source: str | None = None  # a bibliography key, or None when illustrative
    illustrative: bool = False

    def text(self, language):
        return self.zh if language == "zh" else self.en


@dataclass(frozen=True)
class Case:
    id: str
    place: dict
    short: dict
    admin: dict
    kind: str  # documentary | documentary_and_survey
    street: str | None
    sources: tuple
    practices: tuple  # of Practice, in file order
    summary: dict | None = None
    source_file: str = ""

    @property
    def surveyed(self):
        return self.kind == "documentary_and_survey"

    def on(self, dimension):
        """The case's practices on one dimension (a code)."""
        return [p for p in self.practices if p.dimension == dimension]


def load_dimensions(path, instrument=None):
    """The dimensions in file order; with `instrument`, their constructs must be its constructs."""
    data = load_yaml(path, "dimensions.schema.yaml")
    seen, dimensions = set(), []
    for n, spec in enumerate(data["dimensions"]):
        where = f"dimensions/{n} ({spec['code']})"
        if spec["code"] in seen:
            raise InputError(path, f"at {where}: the code {spec['code']!r} is used twice.", "give every dimension its own code.")
        seen.add(spec["code"])
        for key in ("constructs", "problems"):
            unknown = [c for c in spec.get(key, []) if instrument is not None and c not in instrument.constructs]
            if unknown:
                raise InputError(
                    path, f"at {where}/{key}: {', '.join(unknown)} is not a construct of the instrument.",
                    f"use construct codes of {instrument.source or 'the instrument'}: {', '.join(instrument.constructs)}.",
                )  # fmt: skip
        dimensions.append(Dimension(spec["code"], spec["name"], tuple(spec["constructs"]), tuple(spec.get("problems", []))))
    return tuple(dimensions)


# An entry's opening line in BibTeX/BibLaTeX: @type{key, (comments, @string and @preamble are not entries)
_BIB_ENTRY = re.compile(r"^\s*@(?!(?:comment|string|preamble)\b)\w+\s*[{(]\s*([^,\s]+)\s*,", re.I | re.M)


def bibliography_keys(paths):
    """The entry keys of BibTeX/BibLaTeX files. The report step checks citations again with
    pandoc's own reader; this is the light check a case file gets where it is loaded."""
    keys = set()
    for path in map(Path, paths):
        if not path.is_file():
            raise InputError(path, "the bibliography file does not exist.", "correct its path.")
        keys |= set(_BIB_ENTRY.findall(path.read_text(encoding="utf-8")))
    return keys


def _check_street(case, source, streets, root):
    if streets is None:
        return
    if case.street not in streets:
        raise InputError(
            source, f"at street: {case.street!r} is not a street of config.yaml (kind documentary_and_survey).",
            f"name one of: {', '.join(streets) or 'none declared'}; or set kind: documentary and remove street.",
        )  # fmt: skip
    export = streets[case.street].get("raw_export")
    if not export or not (Path(root) / export).exists():
        raise InputError(
            source, f"at street: the survey export of street {case.street!r} ({export}) does not exist.",
            "put the export where streets.<id>.raw_export says, or set kind: documentary and remove street.",
        )  # fmt: skip


def load_case(path, dimensions, known_keys, streets=None, root="."):
    """One case file, checked against the dimensions (Dimension tuple), the bibliography keys
    (`known_keys`, e.g. from bibliography_keys) and, for a case with survey data, the streets
    of config.yaml (`streets`: the config's streets mapping; None skips that check; export
    paths are relative to `root`)."""
    data = load_yaml(path, "case.schema.yaml")
    source = str(path)
    codes = [d.code for d in dimensions]
    for key in data["sources"]:
        if key not in known_keys:
            raise InputError(source, f"at sources: {key!r} is not a key of the bibliography.",
                             "add the entry to the study's .bib file, or correct the key.")
    practices = []
    for n, spec in enumerate(data["practices"]):
        where = f"practices/{n}"
        if spec["dimension"] not in codes:
            raise InputError(source, f"at {where}/dimension: {spec['dimension']!r} is not a dimension of the study.",
                             f"use one of: {', '.join(codes)} (or declare it in the dimensions file).")
        has_source = "source" in spec
        if has_source == spec["illustrative"]:
            problem = ("has both a source and illustrative: true" if has_source
                       else "has neither a source nor illustrative: true")
            raise InputError(source, f"at {where} ({spec['zh']}): the practice {problem}.",
                             "give the bibliography key it comes from under source, or mark it illustrative: true "
                             "(not both); the chapter marks illustrative practices as such.")  # fmt: skip
        if has_source and spec["source"] not in data["sources"]:
            known = "is not a key of the bibliography" if spec["source"] not in known_keys else "is not listed under sources"
            raise InputError(source, f"at {where}/source: {spec['source']!r} {known}.",
                             "list the key under the case's sources (and in the study's .bib file), or correct it.")
        practices.append(Practice(spec["dimension"], spec["zh"], spec["en"], spec.get("source"), spec["illustrative"]))
    if data["kind"] == "documentary" and "street" in data:
        raise InputError(source, "at street: a documentary case has no survey street.",
                         "set kind: documentary_and_survey to use the street's survey, or remove street.")
    case = Case(
        id=data["id"], place=data["place"], short=data.get("short", data["place"]), admin=data["admin"],
        kind=data["kind"], street=data.get("street"), sources=tuple(data["sources"]), practices=tuple(practices),
        summary=data.get("summary"), source_file=source,
    )  # fmt: skip
    if case.surveyed:
        _check_street(case, source, streets, root)
    return case


def load_cases(paths, dimensions, known_keys, streets=None, root="."):
    """{case id: Case} in the order given; ids and surveyed streets must be unique."""
    cases, by_street = {}, {}
    for path in paths:
        case = load_case(path, dimensions, known_keys, streets, root)
        if case.id in cases:
            raise InputError(path, f"at id: {case.id!r} is also the id of {cases[case.id].source_file}.",
                             "give every case its own id.")
        if case.street and case.street in by_street:
            raise InputError(path, f"at street: street {case.street!r} is also the street of {by_street[case.street]}.",
                             "let one case stand for each surveyed street.")
        cases[case.id] = case
        if case.street:
            by_street[case.street] = case.source_file
    return cases


def case_of_street(cases, street):
    """The case that stands for a surveyed street (e.g. config comparison.focal), or None."""
    return next((c for c in cases.values() if c.street == street), None)
