"""The study's structural equation model, in lavaan syntax: the one parser of the model file.

Everything that reads the model file goes through `parse_model`: the SEM fit, the CFA (its
measurement part, `ParsedModel.measurement()`), the bootstrap, the figures' and the report's
view of which constructs are regressed on which, and the workflow's check, when the DAG is
built, that the instrument and the model agree (`check_against_instrument`).

Supported: =~, ~, ~~, labels (`a1*x`), fixed values (`1*x`, `0*x`), `NA*x` on a loading
other than the first, several left-hand variables (`y1 + y2 ~ x`), continuation lines (a line
ending in, or starting with, '+'), comments (#, !), `;` between statements and `:=`
definitions of new parameters. The defaults of lavaan's sem() that semopy does not share are
written out for semopy (`ParsedModel.semopy_text`): the first-loading markers, auto.cov.y and
random observed predictors; what semopy cannot hold is refused when the model is read.
"""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from govsurvey.errors import InputError

_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_UNSUPPORTED_OPS = ("<~", "=~~", "~*~", "|", "==", "<", ">")


@dataclass(frozen=True)
class Statement:
    """One `lhs op rhs` relation of the model, with its modifier (label or fixed value)."""

    lhs: str
    op: str
    rhs: str
    label: str = ""
    fixed: float | None = None

    def term(self):
        """The right-hand term as written: `x`, `a1*x` or `1*x`."""
        if self.label:
            return f"{self.label}*{self.rhs}"
        if self.fixed is not None:
            return f"{self.fixed:g}*{self.rhs}"
        return self.rhs


@dataclass
class ParsedModel:
    """A lavaan-syntax model: its relations in the order written and its `:=` definitions."""

    statements: list  # of Statement
    definitions: list  # of (name, expression), in the order written
    source: str = "model"

    @property
    def semopy_text(self):
        """The relations as semopy reads them (one statement per line, no definitions), with
        the defaults of lavaan's sem()/cfa() written out where semopy's own differ: the
        first loading of each latent variable fixed at 1 (semopy skips a labelled one and
        fixes none when another loading is fixed), and lavaan_defaults()."""
        markers = set(self.markers)
        return "\n".join(_written(self.statements + self.lavaan_defaults(),
                                   lambda s: f"1*{s.rhs}" if s in markers else s.term()))

    @property
    def markers(self):
        """The loadings lavaan fixes at 1 to scale the latent variables: each one's first,
        unless the model fixes it to a value (a label does not stop it)."""
        first = {}
        for s in self.statements:
            if s.op == "=~":
                first.setdefault(s.lhs, s)
        return [s for s in first.values() if s.fixed is None]

    def lavaan_defaults(self):
        """Free parameters lavaan adds that semopy does not, as ~~ statements:
        - auto.cov.y: residual covariances among the dependent variables (latent, then
          observed) that are neither indicators nor predictors;
        - variances of observed exogenous predictors the model names in a ~~ relation
          (lavaan then treats them as random, not as fixed.x)."""
        written = {frozenset((s.lhs, s.rhs)) for s in self.statements if s.op == "~~"}
        indicators, latent = self.indicators, list(self.factors)
        outcomes = list(dict.fromkeys(y for y, _ in self.regressions))
        predictors = {x for _, x in self.regressions}
        free = [y for y in outcomes if y not in indicators and y not in predictors]
        dependent = [y for y in free if y in latent] + [y for y in free if y not in latent]
        added = [Statement(a, "~~", b) for k, a in enumerate(dependent) for b in dependent[k + 1:]
                 if frozenset((a, b)) not in written]
        added += [Statement(x, "~~", x) for x in self.random_predictors if frozenset((x,)) not in written]
        return added

    @property
    def observed_predictors(self):
        """Observed exogenous predictors (lavaan's ov.x): regressors that are neither latent,
        nor indicators, nor outcomes."""
        outcomes = {y for y, _ in self.regressions}
        return [x for x in dict.fromkeys(x for _, x in self.regressions)
                if x not in self.factors and x not in self.indicators and x not in outcomes]

    @property
    def random_predictors(self):
        """Observed predictors the model names in a ~~ relation: lavaan treats them as random
        (free variances), the others as fixed (fixed.x)."""
        named = {v for s in self.statements if s.op == "~~" for v in (s.lhs, s.rhs)}
        return [x for x in self.observed_predictors if x in named]

    @property
    def factors(self):
        """{latent variable: [indicators]} from the =~ relations, in the order written."""
        out = {}
        for s in self.statements:
            if s.op == "=~":
                out.setdefault(s.lhs, []).append(s.rhs)
        return out

    @property
    def regressions(self):
        """The ~ relations as (outcome, predictor) pairs, in the order written."""
        return [(s.lhs, s.rhs) for s in self.statements if s.op == "~"]

    @property
    def structural(self):
        """Whether the model regresses anything on anything (else it is a pure CFA)."""
        return bool(self.regressions)

    def measurement(self):
        """The CFA of this model: its =~ relations only (factors then covary freely), labels
        and fixed values kept. Residual covariances among indicators (~~ between two observed
        variables) are kept too: they belong to the measurement model."""
        latent = set(self.factors)
        kept = [s for s in self.statements if s.op == "=~" or (
            s.op == "~~" and s.lhs not in latent and s.rhs not in latent and s.lhs != s.rhs
            and s.lhs in self.indicators and s.rhs in self.indicators)]
        return ParsedModel(kept, [], self.source)

    @property
    def indicators(self):
        return {i for items in self.factors.values() for i in items}

    def text(self):
        """The model written back as lavaan syntax (one statement per line)."""
        lines = _written(self.statements, Statement.term)
        lines += [f"{name} := {expr}" for name, expr in self.definitions]
        return "\n".join(lines) + "\n"


def _written(statements, term):
    """One `lhs op term + term …` line per left-hand side and operator, in the order written."""
    lines = {}
    for s in statements:
        lines.setdefault((s.lhs, s.op), []).append(term(s))
    return [f"{lhs} {op} " + " + ".join(terms) for (lhs, op), terms in lines.items()]


def _logical_lines(text):
    """Strip comments, split at ';' and join continuation lines (a line ending in, or the next
    starting with, '+', '*', '~', '=~' or ':=')."""
    lines = []
    for raw in text.splitlines():
        for part in raw.split("#", 1)[0].split("!", 1)[0].split(";"):
            line = part.strip()
            if not line:
                continue
            if lines and (lines[-1].endswith(("+", "*", "~", "=~", ":=")) or line.startswith("+")):
                lines[-1] += " " + line
            else:
                lines.append(line)
    return lines


def parse_model(text, source="model"):
    """Parse lavaan-syntax `text` into a ParsedModel; InputError naming `source` otherwise."""
    source = str(source)
    statements, definitions = [], []
    for line in _logical_lines(text):
        if ":=" in line:
            name, expr = (s.strip() for s in line.split(":=", 1))
            if not re.fullmatch(_NAME, name) or not expr:
                raise InputError(source, f"cannot read the definition '{line}'.",
                                 "write it as `name := expression`, e.g. `ind := a1*b1`.")
            definitions.append((name, expr))
            continue
        m = re.fullmatch(r"(.+?)\s*(=~|~~|~)\s*(.+)", line)
        if not m or any(op in line for op in _UNSUPPORTED_OPS):
            raise InputError(source, f"cannot read the line '{line}'.",
                             "use only =~ (measured by), ~ (regressed on), ~~ (covaries with) "
                             "and := (defined as); thresholds (|), formative indicators (<~) "
                             "and constraints (==, <, >) are not supported.")
        if m.group(2) == "~" and re.fullmatch(r"1|\w+\s*\*\s*1", m.group(3).strip()):
            raise InputError(source, f"'{line}' asks for an intercept or mean, which this model "
                             "does not have: like lavaan's sem() by default, it fits the "
                             "covariances only.",
                             "drop the line; latent means are compared across groups by the "
                             "comparison stage (scalar invariance), which adds intercepts itself.")
        lhs_part, op, rhs_part = m.groups()
        lhs_vars = [v.strip() for v in lhs_part.split("+")]
        terms = []
        for term in rhs_part.split("+"):
            parts = [t.strip() for t in term.split("*")]
            if len(parts) == 1 and re.fullmatch(_NAME, parts[0]):
                terms.append(("", None, parts[0]))
            elif len(parts) == 2 and re.fullmatch(_NAME, parts[1]) and parts[0] != "NA" and (
                    re.fullmatch(_NAME, parts[0]) or re.fullmatch(_NUMBER, parts[0])):
                if re.fullmatch(_NUMBER, parts[0]):
                    terms.append(("", float(parts[0]), parts[1]))
                else:
                    terms.append((parts[0], None, parts[1]))
            elif len(parts) == 2 and parts[0] == "NA" and re.fullmatch(_NAME, parts[1]):
                terms.append(("NA", None, parts[1]))  # free: the default, except for a marker
            else:
                raise InputError(source, f"cannot read the term '{term.strip()}' in '{line}'.",
                                 "write a variable, `label*variable` or `number*variable`.")
        for lhs in lhs_vars:
            if not re.fullmatch(_NAME, lhs):
                raise InputError(source, f"'{lhs}' in '{line}' is not a variable name.",
                                 "names start with a letter and hold letters, digits, _ or .")
            for label, fixed, rhs in terms:
                if label == "NA":
                    if op == "=~" and not any(s.lhs == lhs and s.op == "=~" for s in statements):
                        raise InputError(source, f"'NA*{rhs}' in '{line}' frees the first loading "
                                         f"of {lhs}, which is fixed at 1 to scale {lhs}; freeing "
                                         "it is not supported.",
                                         "drop NA*; the standardized solution (std.all) gives "
                                         "every loading on the scale of a unit-variance factor.")
                    label = ""
                statements.append(Statement(lhs, op, rhs, label, fixed))
    if not statements:
        raise InputError(source, "the model has no =~, ~ or ~~ relations.",
                         "give a lavaan-syntax model, e.g. `F =~ x1 + x2 + x3`.")
    labels = {s.label for s in statements if s.label}
    names = set()
    for name, expr in definitions:
        if name in labels or name in names:
            raise InputError(source, f"the defined parameter '{name}' reuses a name.",
                             "give each := definition a name not used as a label.")
        unknown = expression_names(expr, source) - labels - names
        if unknown:
            raise InputError(source, f"'{name} := {expr}' uses {sorted(unknown)}, which label "
                             "no parameter.", "label the paths, e.g. `PL ~ a1*OB`, and use "
                             "those labels in the definition.")
        names.add(name)
    parsed = ParsedModel(statements, definitions, source)
    _check_latent_observed_covariances(parsed)
    _check_random_predictors(parsed)
    for marker in parsed.markers:
        users = [s for s in statements if s.label == marker.label and s != marker]
        defining = [n for n, e in definitions if marker.label in expression_names(e, source)]
        if marker.label and (users or defining):
            raise InputError(source, f"the label '{marker.label}' is on the first loading of "
                             f"{marker.lhs} ({marker.rhs}), which is fixed at 1 to scale "
                             f"{marker.lhs} (as in lavaan), so it is not a free parameter.",
                             f"put another indicator first in `{marker.lhs} =~ …`, or label a "
                             "loading that is free.")
    return parsed


def _check_latent_observed_covariances(parsed):
    """semopy cannot hold a covariance between a latent and an observed variable (lavaan can):
    refuse it, whether written or one of lavaan's defaults, with what to write instead."""
    latent = set(parsed.factors)
    for s in [*parsed.statements, *parsed.lavaan_defaults()]:
        if s.op == "~~" and (s.lhs in latent) != (s.rhs in latent):
            factor, observed = (s.lhs, s.rhs) if s.lhs in latent else (s.rhs, s.lhs)
            why = ("the model asks for" if s in parsed.statements else
                   f"lavaan's sem() adds (auto.cov.y: both {factor} and {observed} are outcomes "
                   "that predict nothing)")
            raise InputError(parsed.source, f"{why} a covariance between the latent variable "
                             f"{factor} and the observed variable {observed}, which the SEM "
                             "engine (semopy) cannot hold.",
                             f"measure {observed} by a single-indicator factor (`F_{observed} =~ "
                             f"{observed}` with `{observed} ~~ 0*{observed}`) and use that factor "
                             "in its place.")


def _check_random_predictors(parsed):
    """An observed predictor named in a ~~ relation is random in lavaan, and its covariances
    with the other predictors are then fixed at 0 unless written (lavaan warns). Refuse that
    half-way model: every such covariance must be written."""
    written = {frozenset((s.lhs, s.rhs)) for s in parsed.statements if s.op == "~~"}
    predictors = parsed.observed_predictors
    for x in parsed.random_predictors:
        missing = [p for p in predictors if p != x and frozenset((x, p)) not in written]
        if missing:
            raise InputError(parsed.source, f"the observed predictor {x} is named in a ~~ relation, "
                             "so it is random, not fixed (lavaan's fixed.x), and its covariances "
                             f"with {', '.join(missing)} would be fixed at 0 (lavaan warns of this).",
                             f"write them (`{x} ~~ {' + '.join(missing)}`), or drop the ~~ relations "
                             f"that name {x}.")


def read_model(path):
    """Parse the model file at `path`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "the model file does not exist.", "check study.model in config.yaml.")
    return parse_model(path.read_text(encoding="utf-8"), path)


def as_parsed(model, source="model"):
    """A ParsedModel from model text or a ParsedModel (returned as is)."""
    return model if isinstance(model, ParsedModel) else parse_model(model, source)


def check_against_instrument(parsed, instrument):
    """The model's =~ relations must measure each of the instrument's constructs by exactly its
    items; InputError naming both files otherwise."""
    factors = parsed.factors
    where = f"{parsed.source} and {instrument.source}"
    for code, construct in instrument.constructs.items():
        items = [item.code for item in construct.items]
        if code not in factors:
            raise InputError(where, f"the instrument's construct {code} has no `{code} =~ …` line "
                             "in the model.", f"add `{code} =~ {' + '.join(items)}` to the model file "
                             "(or remove the construct from the instrument).")
        if sorted(factors[code]) != sorted(items):
            only = [f"only in the model: {', '.join(sorted(set(factors[code]) - set(items)))}",
                    f"only in the instrument: {', '.join(sorted(set(items) - set(factors[code])))}"]
            differ = "; ".join(part for part in only if not part.endswith(": "))
            raise InputError(where, f"construct {code} is measured by {' + '.join(factors[code])} in the model but "
                             f"by {' + '.join(items)} in the instrument ({differ}).",
                             "make the model's =~ line and the instrument's item list of the construct agree.")
    unknown = sorted(set(factors) - set(instrument.constructs))
    if unknown:
        raise InputError(where, f"the model measures {', '.join(unknown)}, which the instrument does not "
                         "define as constructs.", "use the instrument's construct codes as latent names.")


def check_streets_carry_the_model(streets, parsed):
    """A street whose export lacks an item (streets.<id>.items_absent) cannot be fitted with a
    model that measures a construct by it; InputError naming the street and the items."""
    used = parsed.indicators
    for sid, street in streets.items():
        lacking = sorted(set(street.get("items_absent", [])) & used)
        if lacking:
            raise InputError(f"config.yaml: streets.{sid}.items_absent", f"the street's export lacks {', '.join(lacking)}, "
                             f"which the model ({parsed.source}) uses to measure its constructs.",
                             "analyse the street with a model without those items (a study of its own), or find "
                             "the items' column in the export (column_map).")


# A tiny safe evaluator for := expressions: numbers, names, + - * / ** and parentheses.
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.Div,
            ast.Pow, ast.USub, ast.UAdd, ast.Name, ast.Load, ast.Constant, ast.Call)
# Functions a := expression may call, as R names them (numpy's work on draws too).
FUNCTIONS = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt}
_WHAT = "labels, numbers, + - * / ^, parentheses and exp(), log(), sqrt()"


def _syntax_tree(expr, source="model"):
    try:
        tree = ast.parse(expr.replace("^", "**"), mode="eval")
    except SyntaxError:
        raise InputError(source, f"cannot read the expression '{expr}'.", f"use {_WHAT}.") from None
    for node in ast.walk(tree):
        bad_call = isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
            and len(node.args) == 1 and not node.keywords)
        if bad_call or not isinstance(node, _ALLOWED) or (
                isinstance(node, ast.Constant) and not isinstance(node.value, (int, float))):
            raise InputError(source, f"the expression '{expr}' uses something other than {_WHAT}.",
                             "rewrite it with those only.")
    return tree


def expression_names(expr, source="model"):
    """The names a := expression uses."""
    tree = _syntax_tree(expr, source)
    called = {n.func for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n not in called}


def compile_expression(expr, source="model"):
    """A function {name: value} -> value for a := expression, built once from its syntax tree."""
    ops = {ast.Add: lambda u, v: u + v, ast.Sub: lambda u, v: u - v,
           ast.Mult: lambda u, v: u * v, ast.Div: lambda u, v: u / v,
           ast.Pow: lambda u, v: u ** v}

    def build(node):
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.Constant):
            return lambda values, c=float(node.value): c
        if isinstance(node, ast.Name):
            return lambda values, n=node.id: values[n]
        if isinstance(node, ast.Call):
            function, argument = FUNCTIONS[node.func.id], build(node.args[0])
            return lambda values: function(argument(values))
        if isinstance(node, ast.UnaryOp):
            inner = build(node.operand)
            if isinstance(node.op, ast.USub):
                return lambda values: -inner(values)
            return inner
        left, right, op = build(node.left), build(node.right), ops[type(node.op)]
        return lambda values: op(left(values), right(values))

    return build(_syntax_tree(expr, source))


def evaluate_expression(expr, values):
    """Value of a := expression given {name: value}."""
    return compile_expression(expr)(values)
