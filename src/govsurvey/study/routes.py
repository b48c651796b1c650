"""The routes a structural model implies, read from its regression paths alone (no data): for
each outcome, every cause and intermediate with a route to it gets its direct effect, each
indirect route (simple and serial), the total indirect and the total effect, and the model
file's := definitions are matched to them (see govsurvey.sem.effects, which estimates them).

Here, not in govsurvey.sem, because the workflow (which sections and figures a study has), the
report and the figures need the routes without the SEM engine.
"""

import ast
from collections import Counter
from dataclasses import dataclass

from govsurvey.errors import InputError

ARROW, TOTAL_ARROW = " → ", " ⇒ "


@dataclass(frozen=True)
class Effect:
    """One effect of `cause` on `outcome`: the sum over `terms` (routes, each a tuple of
    variables from cause to outcome) of the product of the route's path coefficients."""

    cause: str
    outcome: str
    kind: str
    terms: tuple
    label: str = ""
    definition: str = ""
    direct_in_model: bool = True

    @property
    def route(self):
        if self.kind in ("direct", "indirect"):
            return ARROW.join(self.terms[0])
        if self.kind == "defined":
            return ARROW.join(self.terms[0]) if len(self.terms) == 1 else ""
        return f"{self.cause}{TOTAL_ARROW}{self.outcome}"

    @property
    def key(self):
        """The column of this effect in the bootstrap draws (its standardized value: 'std:' + key)."""
        return f"effect:{self.kind}:{self.route}"


def _graph(parsed):
    """{predictor: [outcomes]} of the regressions, in the order written; InputError on a cycle."""
    edges = {}
    for y, x in parsed.regressions:
        edges.setdefault(x, [])
        if y not in edges[x]:
            edges[x].append(y)
        edges.setdefault(y, [])
    state = {}

    def visit(v, trail):
        state[v] = "open"
        for w in edges[v]:
            if state.get(w) == "open":
                loop = trail[trail.index(w):] + [w] if w in trail else [v, w]
                raise InputError(parsed.source, "the regressions form a loop ("
                                 + " → ".join(loop) + "), so effects cannot be split into routes.",
                                 "write a recursive model (no variable may, through its "
                                 "outcomes, predict itself).")
            if w not in state:
                visit(w, trail + [w])
        state[v] = "done"

    for v in list(edges):
        if v not in state:
            visit(v, [v])
    return edges


def _routes(edges, source, target):
    """Every directed route from source to target (tuples of variables), depth first in the
    order the model writes its regressions."""
    out = []

    def walk(route):
        for w in edges[route[-1]]:
            if w == target:
                out.append(route + (w,))
            else:
                walk(route + (w,))

    walk((source,))
    return out


def model_effects(parsed):
    """The effects (Effect) of a ParsedModel: generated routes and totals per outcome and source,
    then the := definitions that are none of them (kind `defined`). Empty without regressions."""
    if not parsed.regressions:
        return []
    edges = _graph(parsed)
    predicted = {y for y, _ in parsed.regressions}
    predictors = {x for _, x in parsed.regressions}
    order = list(dict.fromkeys(v for s in parsed.statements for v in (s.lhs, s.rhs)))
    variables = sorted(edges, key=order.index)
    outcomes = [v for v in variables if v in predicted and v not in predictors]
    causes = [v for v in variables if v in predictors and v not in predicted]
    intermediates = [v for v in variables if v in predictors and v in predicted]
    labels = {(s.lhs, s.rhs): s.label for s in parsed.statements if s.op == "~"}
    effects = []
    for outcome in outcomes:
        for source in causes + intermediates:
            routes = _routes(edges, source, outcome)
            indirect = sorted((r for r in routes if len(r) > 2), key=len)  # simple routes first
            if not routes or (source in intermediates and not indirect):
                continue
            direct = (source, outcome)
            group = [Effect(source, outcome, "direct", (direct,), direct_in_model=direct in routes)]
            group += [Effect(source, outcome, "indirect", (r,)) for r in indirect]
            if indirect:
                group.append(Effect(source, outcome, "total_indirect", tuple(indirect)))
            group.append(Effect(source, outcome, "total", tuple(routes)))
            effects += [_with_definition(e, labels) for e in group]
    return _named(effects, parsed, labels, edges)


def _with_definition(effect, labels):
    """The effect with its lavaan := expression of path labels ('' when a path is unlabelled or
    the direct effect is fixed at zero)."""
    names = [[labels.get((y, x), "") for x, y in zip(r, r[1:])] for r in effect.terms]
    if not effect.direct_in_model or any(not n for term in names for n in term):
        return effect
    text = " + ".join("*".join(term) for term in names)
    return Effect(**{**effect.__dict__, "definition": text})


def _signature(expr):
    """A := expression that is a sum of products of names, as a multiset of sorted name tuples;
    None for anything else (a difference, a number, a function)."""
    try:
        tree = ast.parse(expr.replace("^", "**"), mode="eval").body
    except SyntaxError:
        return None

    def terms(node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = terms(node.left), terms(node.right)
            return None if left is None or right is None else left + right
        names = product(node)
        return None if names is None else [tuple(sorted(names))]

    def product(node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            left, right = product(node.left), product(node.right)
            return None if left is None or right is None else left + right
        return [node.id] if isinstance(node, ast.Name) else None

    found = terms(tree)
    return None if found is None else Counter(found)


def _named(effects, parsed, labels, edges):
    """Give each generated effect the name of the := definition of the same sum of products
    (the first effect of a group that matches it), and append the definitions that match none."""
    out, taken = list(effects), set()
    for name, expr in parsed.definitions:
        signature = _signature(expr)
        match = next((k for k, e in enumerate(out) if signature and e.definition and k not in taken
                      and e.kind != "defined" and _signature(e.definition) == signature), None)
        if match is not None:
            taken.add(match)
            out[match] = Effect(**{**out[match].__dict__, "label": name})
            continue
        route = _defined_route(signature, labels, edges)
        cause, outcome = (route[0], route[-1]) if route else ("", "")
        out.append(Effect(cause, outcome, "defined", (route,) if route else (), label=name,
                          definition=expr.replace(" ", "")))
    return out


def _defined_route(signature, labels, edges):
    """The route of a definition that is one product of labelled paths end to end, else None."""
    if not signature or sum(signature.values()) != 1:
        return None
    names = Counter(next(iter(signature)))
    by_label = [(x, y) for (y, x), lab in labels.items() if lab in names]
    for start in edges:
        for end in edges:
            for route in (_routes(edges, start, end) if start != end else []):
                steps = list(zip(route, route[1:]))
                if Counter(labels.get((y, x), "") for x, y in steps) == names and \
                        all(s in by_label for s in steps):
                    return route
    return None
