"""Direct, indirect and total effects of a structural model, generated from its regression paths.

The model's `~` relations form a directed graph (predictor → outcome). Its *outcomes* are the
variables that are regressed on others but predict nothing (the final endogenous constructs), its
*causes* those that predict but are never regressed (the exogenous constructs), its
*intermediates* the rest. For each outcome, every cause and every intermediate with at least one
route of two or more paths to it (`sources`) gets these effects, in this order:

- `direct`: the path source → outcome. Where the model has no such path, the row is kept with
  `direct_in_model` False: the direct effect is fixed at zero by the model, not estimated;
- `indirect`: one row per route through one or more mediators (simple and serial alike:
  OB → PL → GS, OB → PL → PW → GS …), the product of the route's path coefficients;
- `total_indirect`: the sum of the source's indirect routes to the outcome;
- `total`: direct + total indirect (lavaan's total effect; (I − B)⁻¹ − I of the paths).

The model file's own `:=` definitions stay valid: one that multiplies the labels of a generated
route (or sums the routes of a total or total indirect effect) is that effect and lends it its
name (`label`); one that is no generated effect (a contrast, a route to an intermediate) is kept
as a row of kind `defined` with its own values.

The effects table (`EFFECT_COLUMNS`; results/<street>/sem/effects.csv with delta-method
intervals, results/<street>/bootstrap/effects.csv with bootstrap intervals):

    cause, outcome      the effect's source and outcome (construct codes)
    kind                direct | indirect | total_indirect | total | defined
    route               'OB → PL → GS' for direct and indirect rows ('OB → GS' for a direct
                        one), 'OB ⇒ GS' for the totals; a defined effect's own route when it is
                        a product of paths end to end, else empty
    label               the := name of the model file that defines the same effect, or ''
    definition          the effect as a lavaan := expression of the path labels ('' where a path
                        is unlabelled)
    direct_in_model     False on a direct row the model has no path for (value fixed at 0)
    est, std_all        estimate and standardized estimate (std.all: product of the routes'
                        standardized paths, as lavaan's standardizedSolution of a := product)
    se, pvalue          delta-method SE and two-sided z test of est (as lavaan's := rows)
    std_se              delta-method SE of std_all
    ci_lower, ci_upper  the interval the chapter judges by: bootstrap percentile when the
                        bootstrap ran (ci_method 'bootstrap_percentile'), else est ± z·se at
                        `level` (ci_method 'delta')
    ci_method           bootstrap_percentile | delta
    boot_se, ci_lower_perc, ci_upper_perc, ci_lower_bc, ci_upper_bc
                        bootstrap SE, percentile and bias-corrected interval of est (NaN
                        without the bootstrap)
    std_boot_se, std_ci_lower_perc, std_ci_upper_perc, std_ci_lower_bc, std_ci_upper_bc
                        the same of std_all (to rank causes on one scale)
    nonzero             whether [ci_lower, ci_upper] excludes 0 (False where fixed at 0)
    proportion          est / the total effect of the same cause and outcome: an indirect
                        route's (or the total indirect effect's) share of the total, i.e. the
                        proportion mediated; the direct effect's share on its row; NaN when
                        the total is 0. Above 1 or below 0 when direct and indirect effects
                        have opposite signs (then it is no share)
    mediation           per cause and outcome, on every row of the group (MEDIATION_RULE):
                        full | partial | none ('' for kind defined)
    mediation_detail    after Zhao, Lynch & Chen (2010): indirect_only | complementary |
                        competitive | direct_only | no_effect
"""

import ast
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from govsurvey.errors import InputError
from govsurvey.io import EFFECT_COLUMNS, read_effects  # noqa: F401 (the effects table's shape)

KINDS = ("direct", "indirect", "total_indirect", "total", "defined")
# The table's columns and its reader live with the other files that pass between stages
# (govsurvey.io), so that the figure job reads it without this package's dependencies.
# How a cause's effect on an outcome is classified (stated in the chapter in the same words):
MEDIATION_RULE = (
    "mediated when the interval of its total indirect effect excludes zero: fully when the "
    "interval of its direct effect includes zero or the model fixes the direct effect at zero "
    "(then full by specification), partially when both exclude zero; not mediated otherwise"
)
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


class EffectValues:
    """The generated effects as functions of the parameter rows' values (estimates or std.all)."""

    def __init__(self, effects, layout):
        rows = {(r["lhs"], r["rhs"]): k for k, r in enumerate(layout.rows) if r["op"] == "~"}
        self.effects = [e for e in effects if e.kind != "defined" and e.direct_in_model]
        self.terms = [[[rows[(y, x)] for x, y in zip(r, r[1:])] for r in e.terms] for e in self.effects]
        self.n_rows = len(layout.rows)

    def values(self, row_values):
        return np.array([sum(np.prod(row_values[t]) for t in terms) for terms in self.terms], float)

    def jacobian(self, row_values):
        """d value / d row value (effects × rows)."""
        D = np.zeros((len(self.terms), self.n_rows))
        for i, terms in enumerate(self.terms):
            for t in terms:
                for k, row in enumerate(t):
                    D[i, row] += np.prod(row_values[[r for j, r in enumerate(t) if j != k]])
        return D


def effects_table(fit, level=0.95):
    """The effects of a SemFit with delta-method SEs and intervals (EFFECT_COLUMNS; no bootstrap
    columns yet), classified by mediation type on those intervals."""
    from govsurvey.sem.fit import _jacobian, delta_se

    effects = model_effects(fit.parsed)
    layout, x, vcov = fit.layout, fit.x, fit.vcov
    values = EffectValues(effects, layout)
    est_rows, std_rows = layout.estimates(x), layout.standardized(x)
    J_est = np.zeros((len(est_rows), len(x)))
    free = np.flatnonzero(layout.row_free >= 0)
    J_est[free, layout.row_free[free]] = 1.0
    J_std = _jacobian(layout.standardized, x) if values.effects else None
    computed = {}
    if values.effects:
        est, std = values.values(est_rows), values.values(std_rows)
        se = delta_se(values.jacobian(est_rows) @ J_est, vcov)
        std_se = delta_se(values.jacobian(std_rows) @ J_std, vcov)
        computed = {e: (est[i], std[i], se[i], std_se[i]) for i, e in enumerate(values.effects)}
    defined = fit.params[fit.params["op"] == ":="].set_index("lhs")
    rows = []
    for e in effects:
        if e in computed:
            est, std, se, std_se = computed[e]
        elif e.kind == "defined":
            d = defined.loc[e.label]
            est, std, se, std_se = d["est"], d["std_all"], d["se"], d["std_all_se"]
        else:  # a direct effect the model fixes at zero
            est, std, se, std_se = 0.0, 0.0, math.nan, math.nan
        rows.append({"cause": e.cause, "outcome": e.outcome, "kind": e.kind, "route": e.route,
                     "label": e.label, "definition": e.definition,
                     "direct_in_model": e.direct_in_model, "est": est, "std_all": std, "se": se,
                     "std_se": std_se})
    table = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    numbers = [c for c in EFFECT_COLUMNS[7:] if c not in ("ci_method", "nonzero", "mediation", "mediation_detail")]
    table[numbers] = table[numbers].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = table["est"] / table["se"]
    table["pvalue"] = np.where(table["se"] > 0, 2 * stats.norm.sf(np.abs(z)), np.nan)
    half = stats.norm.ppf(0.5 + level / 2) * table["se"]
    table["ci_lower"], table["ci_upper"] = table["est"] - half, table["est"] + half
    table["ci_method"] = "delta"
    return classify(table)


def effect_keys(effects):
    """The bootstrapped columns of the generated effects: each one's est key, then its std key."""
    keys = [e.key for e in effects if e.kind != "defined" and e.direct_in_model]
    return keys + ["std:" + k for k in keys]


def add_bootstrap(table, draws, level):
    """The effects table with the bootstrap's columns from the admissible draws (run_draws frames
    with the effect_keys columns, and the := columns for kind `defined`); ci_lower/ci_upper become
    the percentile interval; classified again on it."""
    from govsurvey.sem.bootstrap import bc_ci, percentile_ci

    table = table.copy()
    ok = draws[draws["status"] == "admissible"]
    for i, r in table.iterrows():
        key = f"effect:{r['kind']}:{r['route']}"
        pairs = [(key, "", "est"), ("std:" + key, "std_", "std_all")]
        if r["kind"] == "defined":
            pairs = [(r["label"], "", "est")]
        for column, prefix, of in pairs:
            if column not in ok.columns:
                continue
            t = ok[column].to_numpy(dtype=float)
            t = t[np.isfinite(t)]
            perc, bc = percentile_ci(t, level), bc_ci(t, r[of], level)
            table.loc[i, f"{prefix}boot_se"] = np.std(t, ddof=1) if len(t) > 1 else math.nan
            table.loc[i, [f"{prefix}ci_lower_perc", f"{prefix}ci_upper_perc"]] = perc
            table.loc[i, [f"{prefix}ci_lower_bc", f"{prefix}ci_upper_bc"]] = bc
    fixed = ~table["direct_in_model"].astype(bool)
    table["ci_lower"] = np.where(fixed, np.nan, table["ci_lower_perc"])
    table["ci_upper"] = np.where(fixed, np.nan, table["ci_upper_perc"])
    table["ci_method"] = "bootstrap_percentile"
    return classify(table)


def classify(table):
    """Add nonzero, proportion, mediation and mediation_detail (MEDIATION_RULE) to an effects
    table whose ci_lower/ci_upper hold the intervals to judge by."""
    table = table.copy()
    table["nonzero"] = ((table["ci_lower"] > 0) | (table["ci_upper"] < 0)).fillna(False).astype(bool)
    table["proportion"] = np.nan
    table["mediation"] = table["mediation_detail"] = ""
    generated = table["kind"] != "defined"
    for (cause, outcome), group in table[generated].groupby(["cause", "outcome"], sort=False):
        by_kind = {k: group[group["kind"] == k] for k in KINDS}
        total = float(by_kind["total"]["est"].iloc[0])
        table.loc[group.index, "proportion"] = group["est"] / total if total != 0 else np.nan
        direct = by_kind["direct"].iloc[0]
        indirect = by_kind["total_indirect"]
        direct_on = bool(direct["direct_in_model"] and direct["nonzero"])
        indirect_on = bool(len(indirect) and indirect["nonzero"].iloc[0])
        if indirect_on:
            kind = "partial" if direct_on else "full"
            same = direct_on and np.sign(direct["est"]) == np.sign(indirect["est"].iloc[0])
            detail = ("complementary" if same else "competitive") if direct_on else "indirect_only"
        else:
            kind, detail = "none", "direct_only" if direct_on else "no_effect"
        table.loc[group.index, "mediation"] = kind
        table.loc[group.index, "mediation_detail"] = detail
    return table[EFFECT_COLUMNS]
