"""The study's hypotheses: one per regression between constructs and one per := indirect effect
of the model, numbered in the order the model writes them, each positive unless the study's
theory file (config study.theory) says otherwise. The theory file may also reword, renumber
(H1a, H1b …) or drop a hypothesis, and holds the theories the chapter frames them with.
"""

import ast
from dataclasses import dataclass, field

from govsurvey.errors import InputError
from govsurvey.schema import load_yaml


@dataclass(frozen=True)
class Hypothesis:
    """One hypothesis: a path (route of two constructs) or an indirect effect (route of three
    or more, through the mediators between its ends)."""

    id: str
    kind: str  # "path" | "indirect"
    target: str  # the path as "outcome ~ predictor", or the := effect's name
    route: tuple  # construct codes from predictor to outcome
    sign: int  # +1 or -1: the hypothesised direction
    text: dict = field(default_factory=dict, compare=False)  # {zh, en} from the theory file, else {}

    @property
    def predictor(self):
        return self.route[0]

    @property
    def outcome(self):
        return self.route[-1]

    @property
    def mediators(self):
        return self.route[1:-1]


@dataclass
class Theory:
    theories: list  # of {name: {zh, en}, text: {zh, en}}
    hypotheses: list  # the theory file's entries, as written


def load_theory(path):
    """The theory file (schemas/theory.schema.yaml); None gives an empty theory."""
    if path is None:
        return Theory([], [])
    data = load_yaml(path, "theory.schema.yaml")
    theory = Theory(data["theories"], data["hypotheses"])
    theory.source = str(path)
    return theory


def _product_names(expr):
    """The names multiplied in `expr` when it is a plain product (a*b*c), else None."""
    try:
        node = ast.parse(expr, mode="eval").body
    except SyntaxError:
        return None
    names = []

    def walk(n):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
            return walk(n.left) and walk(n.right)
        if isinstance(n, ast.Name):
            names.append(n.id)
            return True
        return False

    return names if walk(node) and len(names) >= 2 else None


def indirect_route(expr, model, constructs):
    """The construct route of a := effect that multiplies labelled paths end to end
    (a1*d1 with PL ~ a1*OB and GS ~ d1*PL gives OB, PL, GS); None for anything else (a total
    effect, a difference, a path outside the constructs)."""
    names = _product_names(expr)
    if not names:
        return None
    by_label = {s.label: (s.rhs, s.lhs) for s in model.statements if s.op == "~" and s.label}
    if any(n not in by_label for n in names) or len(set(names)) != len(names):
        return None
    steps = [by_label[n] for n in names]
    if any(a not in constructs or b not in constructs for a, b in steps):
        return None
    starts = [a for a, _ in steps if a not in {b for _, b in steps}]
    if len(starts) != 1:
        return None
    route, following = [starts[0]], dict(steps)
    while route[-1] in following and len(route) <= len(steps):
        route.append(following[route[-1]])
    return tuple(route) if len(route) == len(steps) + 1 else None


def _key(text):
    return "".join(text.split())


def study_hypotheses(model, instrument, theory=None):
    """[Hypothesis] of the study, in the order of the model file: paths first, then indirect
    effects; the theory file's entries applied. An entry naming a path or effect the model
    lacks, two entries for one target, or two hypotheses with one id is an InputError."""
    theory = theory or Theory([], [])
    source = getattr(theory, "source", "theory file")
    constructs = set(instrument.constructs)
    candidates = []  # (kind, target, route)
    for outcome, predictor in model.regressions:
        if outcome in constructs and predictor in constructs:
            candidates.append(("path", f"{outcome} ~ {predictor}", (predictor, outcome)))
    for name, expr in model.definitions:
        route = indirect_route(expr, model, constructs)
        if route:
            candidates.append(("indirect", name, route))
    entries = {}
    for entry in theory.hypotheses:
        target = _key(entry["path"]).replace("~", " ~ ") if "path" in entry else entry["effect"]
        if target in entries:
            raise InputError(source, f"two hypothesis entries for {target}.", "keep one entry per path or effect.")
        entries[target] = entry
    known = {target for _, target, _ in candidates}
    unknown = sorted(set(entries) - known)
    if unknown:
        paths = ", ".join(t for k, t, _ in candidates if k == "path")
        effects = ", ".join(t for k, t, _ in candidates if k == "indirect") or "none"
        raise InputError(
            source,
            f"the hypothesis entry for {unknown[0]} matches no path between constructs and no indirect "
            f"effect of the model.",
            f"name a path as 'outcome ~ predictor' ({paths}) or an indirect effect ({effects}).",
        )
    hypotheses, number = [], 0
    for kind, target, route in candidates:
        entry = entries.get(target, {})
        if entry.get("drop"):
            continue
        number += 1
        if "sign" in entry:
            sign = -1 if entry["sign"] == "-" else 1
        else:  # a path is positive; an indirect effect has the sign of its hypothesised paths' product
            signs = {h.route: h.sign for h in hypotheses if h.kind == "path"}
            sign = 1
            for step in zip(route, route[1:]):
                sign *= signs.get(step, 1)
        hypotheses.append(Hypothesis(entry.get("id", f"H{number}"), kind, target, route, sign, entry.get("text", {})))
    ids = [h.id for h in hypotheses]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise InputError(source, f"the hypothesis id {twice[0]} is used twice.", "give each hypothesis its own id.")
    return hypotheses
