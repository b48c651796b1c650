"""The questionnaire instrument: items, constructs, wording, keys and labels, from YAML."""

from dataclasses import dataclass, field

from govsurvey.errors import InputError
from govsurvey.schema import load_yaml


@dataclass(frozen=True)
class Item:
    code: str
    construct: str
    zh: str
    en: str
    reverse: bool = False


@dataclass(frozen=True)
class Construct:
    code: str
    role: str | None  # a code of Instrument.roles, or None when the instrument declares none
    name: dict  # {"zh": ..., "en": ...}
    items: tuple
    implication: dict | None = None  # the optimisation path proposed when the evidence supports it


@dataclass(frozen=True)
class AttentionCheck:
    code: str
    zh: str
    en: str
    expected: int


@dataclass(frozen=True)
class Demographic:
    code: str
    zh: str
    en: str
    options: tuple = ()  # of {"zh", "en"}; empty when the street supplies them
    options_from: str | None = None
    kind: str = "options"  # options | numeric
    minimum: float | None = None  # numeric: valid range and whether answers are whole numbers
    maximum: float | None = None
    integer: bool = False
    unit: dict | None = None  # numeric: {"zh": "岁", "en": "years"}
    short: dict | None = None  # {"zh": "性别", "en": "Gender"}: the name in tables and text

    @property
    def numeric(self):
        return self.kind == "numeric"

    def label(self, language):
        """The demographic's short name in tables and text ("性别"), not the question as asked
        ("您的性别"); without `short`, the English field (a name already) or the question."""
        return (self.short or {}).get(language) or (self.en if language == "en" else self.zh)


@dataclass
class Instrument:
    id: str
    title: dict
    language: str
    scale_min: int
    scale_max: int
    labels: dict  # scale point -> {"zh", "en"}
    constructs: dict  # code -> Construct
    attention_checks: tuple
    matrices: tuple  # of {"stem": {...}, "rows": [codes]}
    demographics: tuple
    personal_questions: tuple
    metadata: dict  # role -> {"header", "personal"}
    roles: dict = field(default_factory=dict)  # role code -> {"zh", "en"} plural name, in order
    source: str = ""
    items: dict = field(default_factory=dict)  # code -> Item, in questionnaire order
    intro: dict | None = None  # {"zh", "en"}: the questionnaire's opening text, when given
    marker: tuple = ()  # Items of the marker variable (construct "marker"), also in `items`
    marker_name: dict | None = None

    @property
    def item_codes(self):
        return list(self.items)

    @property
    def reverse_items(self):
        return [c for c, item in self.items.items() if item.reverse]

    def constructs_by_role(self):
        """[(role code or None, [constructs])] in the instrument's role order; one group with
        role None when the instrument declares no roles."""
        if not self.roles:
            return [(None, list(self.constructs.values()))]
        return [(role, [c for c in self.constructs.values() if c.role == role]) for role in self.roles]

    @property
    def scale_points(self):
        return list(range(self.scale_min, self.scale_max + 1))

    def reverse_score(self, values):
        """Reverse-key on this instrument's scale: max + min - x."""
        return self.scale_max + self.scale_min - values

    def demographic_options(self, demographic, street=None):
        """Answer options of a demographic question; the street supplies community names."""
        if demographic.numeric:
            raise ValueError(f"demographic '{demographic.code}' is numeric: it has no options (check .numeric first)")
        if demographic.options_from == "street.communities":
            if not street or not street.get("communities"):
                raise InputError(
                    self.source,
                    f"demographic '{demographic.code}' takes its options from the street's "
                    "communities, but the street has none.",
                    "list the street's communities under streets.<id>.communities in config.yaml.",
                )
            return tuple({"zh": c["zh"], "en": c["en"]} for c in street["communities"])
        return demographic.options


_NUMERIC_ONLY = ("min", "max", "integer", "unit")


def _demographic(spec, source):
    """One demographic question, checked for what its kind needs (options, or a number's range)."""
    code, kind = spec["code"], spec.get("kind", "options")
    listed = [key for key in ("options", "options_from") if key in spec]
    if kind == "numeric" and listed:
        raise InputError(
            source,
            f"demographic {code} is numeric (kind: numeric) but lists {' and '.join(listed)}.",
            f"remove {' and '.join(listed)}, or drop kind: numeric to make it an option question.",
        )
    if kind == "options":
        if len(listed) != 1:
            raise InputError(
                source,
                f"demographic {code} needs either options or options_from"
                + (", not both." if listed else " (or kind: numeric)."),
                "list its options, or set options_from: street.communities, or kind: numeric for a number.",
            )
        numeric_only = [key for key in _NUMERIC_ONLY if key in spec and not (key == "integer" and not spec[key])]
        if numeric_only:
            raise InputError(
                source,
                f"demographic {code} has options, so min, max, integer and unit do not apply "
                "(they are for kind: numeric).",
                f"remove {', '.join(numeric_only)}, or make it kind: numeric without options.",
            )
    if spec.get("min") is not None and spec.get("max") is not None and spec["min"] > spec["max"]:
        raise InputError(source, f"demographic {code} has min {spec['min']} above max {spec['max']}.", "swap them.")
    return Demographic(
        code, spec["zh"], spec["en"], tuple(spec.get("options", ())), spec.get("options_from"), kind,
        spec.get("min"), spec.get("max"), spec.get("integer", False), spec.get("unit"), spec.get("short"),
    )  # fmt: skip


def load_instrument(path):
    """Load and check an instrument file; errors name the file and the fix."""
    data = load_yaml(path, "instrument.schema.yaml")
    source = str(path)
    labels = {int(k): v for k, v in data["scale"]["labels"].items()}
    scale_min, scale_max = data["scale"]["min"], data["scale"]["max"]
    if sorted(labels) != list(range(scale_min, scale_max + 1)):
        raise InputError(
            source,
            f"scale labels are given for points {sorted(labels)}, "
            f"but the scale runs from {scale_min} to {scale_max}.",
            "give exactly one label per scale point.",
        )
    roles = {r["code"]: r["name"] for r in data["roles"]}
    constructs, items = {}, {}
    for code, spec in data["constructs"].items():
        if roles and spec.get("role") not in roles:
            raise InputError(
                source,
                f"construct {code} has role {spec.get('role')!r}, which is not one of the declared roles "
                f"({', '.join(roles)}).",
                "give every construct one of the roles listed under 'roles', or remove 'roles' altogether.",
            )
        if not roles and spec.get("role"):
            raise InputError(
                source,
                f"construct {code} has role {spec['role']!r}, but the instrument declares no roles.",
                f"list the roles under 'roles' (e.g. - {{code: {spec['role']}, name: {{zh: …, en: …}}}}).",
            )
        construct_items = []
        for raw in spec["items"]:
            if raw["code"] in items:
                raise InputError(source, f"item code {raw['code']} is used twice.", "make item codes unique.")
            item = Item(raw["code"], code, raw["zh"], raw["en"], raw.get("reverse", False))
            items[item.code] = item
            construct_items.append(item)
        constructs[code] = Construct(code, spec.get("role"), spec["name"], tuple(construct_items), spec.get("implication"))
    marker = []
    for raw in data.get("marker", {}).get("items", []):
        if raw["code"] in items:
            raise InputError(source, f"item code {raw['code']} is used twice (marker and items).",
                             "give the marker's questions codes of their own.")
        items[raw["code"]] = Item(raw["code"], "marker", raw["zh"], raw["en"], raw.get("reverse", False))
        marker.append(items[raw["code"]])
    checks = tuple(AttentionCheck(**c) for c in data["attention_checks"])
    for check in checks:
        if check.expected not in labels:
            raise InputError(
                source,
                f"attention check {check.code} expects {check.expected}, which is not on the scale.",
                f"use a value from {scale_min} to {scale_max}.",
            )
    known = set(items) | {c.code for c in checks}
    placed = [row for m in data["matrices"] for row in m["rows"]]
    unknown = [r for r in placed if r not in known]
    missing = [c for c in known if c not in placed]
    if unknown or missing or len(placed) != len(set(placed)):
        raise InputError(
            source,
            "matrices must place every item and attention check exactly once "
            f"(unknown: {unknown or 'none'}; not placed: {sorted(missing) or 'none'}).",
            "fix the rows lists under 'matrices'.",
        )
    ordered = {code: items[code] for code in placed if code in items}
    demographics = tuple(_demographic(d, source) for d in data["demographics"])
    return Instrument(
        id=data["id"],
        title=data["title"],
        language=data["language"],
        scale_min=scale_min,
        scale_max=scale_max,
        labels=labels,
        constructs=constructs,
        attention_checks=checks,
        matrices=tuple(data["matrices"]),
        demographics=demographics,
        personal_questions=tuple(data["personal_questions"]),
        metadata=data["metadata"],
        roles=roles,
        source=source,
        items=ordered,
        intro=data.get("intro"),
        marker=tuple(marker),
        marker_name=data.get("marker", {}).get("name"),
    )
