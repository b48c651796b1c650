"""The study's structural equation model, in lavaan syntax: the one parser of the model file.

Everything that reads the model file goes through `parse_model`: the SEM fit, the CFA (its
measurement part, `ParsedModel.measurement()`), the bootstrap, the figures' and the report's
view of which constructs are regressed on which, and the workflow's check, when the DAG is
built, that the instrument and the model agree (`check_against_instrument`).

Supported: =~, ~, ~~, labels (`a1*x`), fixed values (`1*x`, `0*x`), several left-hand
variables (`y1 + y2 ~ x`), continuation lines (a line ending in, or starting with, '+'),
comments (#, !), `;` between statements and `:=` definitions of new parameters.
"""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

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
        """The relations as semopy reads them (one statement per line, no definitions)."""
        lines = {}
        for s in self.statements:
            lines.setdefault((s.lhs, s.op), []).append(s.term())
        return "\n".join(f"{lhs} {op} " + " + ".join(terms) for (lhs, op), terms in lines.items())

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
        lines = [self.semopy_text] if self.statements else []
        lines += [f"{name} := {expr}" for name, expr in self.definitions]
        return "\n".join(lines) + "\n"


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
                             "and := (defined as); ordinal, multi-group and constraint "
                             "syntax is not supported.")
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
            else:
                raise InputError(source, f"cannot read the term '{term.strip()}' in '{line}'.",
                                 "write a variable, `label*variable` or `number*variable`.")
        for lhs in lhs_vars:
            if not re.fullmatch(_NAME, lhs):
                raise InputError(source, f"'{lhs}' in '{line}' is not a variable name.",
                                 "names start with a letter and hold letters, digits, _ or .")
            for label, fixed, rhs in terms:
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
    return ParsedModel(statements, definitions, source)


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
            ast.Pow, ast.USub, ast.UAdd, ast.Name, ast.Load, ast.Constant)


def _syntax_tree(expr, source="model"):
    try:
        tree = ast.parse(expr.replace("^", "**"), mode="eval")
    except SyntaxError:
        raise InputError(source, f"cannot read the expression '{expr}'.",
                         "use labels, numbers, + - * / ^ and parentheses.") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED) or (
                isinstance(node, ast.Constant) and not isinstance(node.value, (int, float))):
            raise InputError(source, f"the expression '{expr}' uses something other than "
                             "labels, numbers, + - * / ^ and parentheses.",
                             "rewrite it with those only.")
    return tree


def expression_names(expr, source="model"):
    """The names a := expression uses."""
    tree = _syntax_tree(expr, source)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


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
