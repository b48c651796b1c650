"""The model syntax each robustness check fits, generated from the study's model (a
ParsedModel, govsurvey.study.model) so that another questionnaire needs no code:

- `one_factor`: every item on one factor (the single-factor CFA; Harman's test as a CFA);
- `cfa`: the measurement part, all latent variables correlated (ParsedModel.measurement());
- `structural`: the model as specified;
- `partial_mediation`: the structural model plus a direct path from every cause (a latent that
  predicts but is not predicted) to every outcome (a latent that is predicted but predicts
  nothing) the model does not already have;
- alternatives a study lists in config (`robustness.alternatives`: lavaan syntax or a file);
- `method_factor`: the unmeasured latent method construct (ULMC; Podsakoff et al. 2003): every
  item also loads on one method factor, uncorrelated with the traits;
- `marker`: the CFA marker technique (Williams, Hartman & Cavazotte 2010): the marker's items on
  their own factor, and every substantive item also on it, orthogonal to the traits; only when
  the instrument declares a marker (`marker:` in the instrument file).

Every generator returns a ParsedModel; `.text()` gives the lavaan syntax.
"""

from dataclasses import dataclass
from pathlib import Path

from govsurvey.errors import InputError
from govsurvey.study.model import ParsedModel, Statement, parse_model

ONE_FACTOR = "G"  # the one factor's name (made unique when a model uses it)
METHOD = "METHOD"  # the method factor's name
MARKER = "MARKER"  # the marker factor's name


@dataclass(frozen=True)
class CompetingModel:
    """One model of the comparison: its name (a code), display name {zh, en}, kind (one_factor,
    cfa, structural, partial_mediation, alternative) and the model."""

    name: str
    label: dict
    kind: str
    model: ParsedModel


def _unique(name, parsed):
    taken = {v for s in parsed.statements for v in (s.lhs, s.rhs)}
    out, k = name, 1
    while out in taken:
        k += 1
        out = f"{name}{k}"
    return out


def _items_in_order(parsed):
    """Every indicator once, in the order the model writes them."""
    return list(dict.fromkeys(i for items in parsed.factors.values() for i in items))


def one_factor(parsed):
    """All items on one factor; residual covariances among items kept (as in the CFA)."""
    g = _unique(ONE_FACTOR, parsed)
    cfa = parsed.measurement()
    loadings = [Statement(g, "=~", i) for i in _items_in_order(parsed)]
    kept = [s for s in cfa.statements if s.op == "~~"]
    return ParsedModel(loadings + kept, [], f"{parsed.source} (one factor)")


def cfa(parsed):
    """The measurement model: the =~ relations (with labels and fixed values) and residual
    covariances among items; the factors covary freely."""
    out = parsed.measurement()
    out.source = f"{parsed.source} (CFA)"
    return out


def roles(parsed):
    """(causes, outcomes) among the latent variables of the regressions: causes predict and are
    not predicted, outcomes are predicted and predict nothing (as govsurvey.study.routes)."""
    latent = set(parsed.factors)
    predicted = {y for y, _ in parsed.regressions}
    predictors = {x for _, x in parsed.regressions}
    order = list(dict.fromkeys(v for s in parsed.statements for v in (s.lhs, s.rhs)))
    causes = [v for v in order if v in latent and v in predictors and v not in predicted]
    outcomes = [v for v in order if v in latent and v in predicted and v not in predictors]
    return causes, outcomes


def partial_mediation(parsed):
    """The structural model with a direct path from every cause to every outcome; the paths
    added (outcome, cause) are in `.added` of the returned model (empty when none was missing)."""
    causes, outcomes = roles(parsed)
    present = set(parsed.regressions)
    added = [(y, x) for y in outcomes for x in causes if (y, x) not in present]
    statements = list(parsed.statements)
    for y, x in added:  # after the outcome's last regression, so it reads as one line
        last = max(k for k, s in enumerate(statements) if s.op == "~" and s.lhs == y)
        statements.insert(last + 1, Statement(y, "~", x))
    out = ParsedModel(statements, list(parsed.definitions), f"{parsed.source} (partial mediation)")
    out.added = added
    return out


def method_factor(parsed, loadings="equal", name=METHOD):
    """The ULMC model: `parsed` plus a method factor that every item loads on, and zero
    covariances between the method factor and every exogenous latent variable (the endogenous
    ones covary with it only through their predictors, so it is orthogonal to the traits).

    `loadings`: `equal` (every method loading fixed at 1, the method variance free: the
    constrained ULMC, one parameter) or `free` (the first loading fixed at 1 to scale the
    factor, the others free). The free form is empirically under-identified when the method
    variance is small: on the shipped L Street data it does not converge (nor does lavaan's on
    the reference data), which is why `equal` is the default."""
    if loadings not in ("equal", "free"):
        raise ValueError(f"loadings must be 'equal' or 'free', not {loadings!r}")
    m = _unique(name, parsed)
    fixed = 1.0 if loadings == "equal" else None
    statements = list(parsed.statements) + [Statement(m, "=~", i, fixed=fixed)
                                            for i in _items_in_order(parsed)]
    predicted = {y for y, _ in parsed.regressions}
    statements += [Statement(m, "~~", f, fixed=0.0) for f in parsed.factors if f not in predicted]
    out = ParsedModel(statements, list(parsed.definitions), f"{parsed.source} (method factor)")
    out.method = m
    return out


def marker_model(parsed, marker_items, name=MARKER):
    """The CFA marker model: `parsed` (normally the CFA), the marker's items on a marker factor
    and every substantive item also on it, the marker factor orthogonal to the traits."""
    if len(marker_items) < 1:
        raise ValueError("a marker model needs at least one marker item")
    m = _unique(name, parsed)
    items = _items_in_order(parsed)
    statements = list(parsed.statements)
    statements += [Statement(m, "=~", i) for i in [*marker_items, *items]]
    predicted = {y for y, _ in parsed.regressions}
    statements += [Statement(m, "~~", f, fixed=0.0) for f in parsed.factors if f not in predicted]
    if len(marker_items) == 1:  # one marker item: its residual variance fixed at 0
        statements.append(Statement(marker_items[0], "~~", marker_items[0], fixed=0.0))
    out = ParsedModel(statements, list(parsed.definitions), f"{parsed.source} (marker)")
    out.method = m
    return out


def alternative(name, spec, source="config.yaml", base=None):
    """A study's own alternative model from config: `spec["model"]` is lavaan syntax or a path to
    a model file (relative to the working directory, or to `base`)."""
    text = spec["model"]
    where = f"{source}: robustness.alternatives.{name}"
    if "~" not in text and "\n" not in text:  # a file name
        path = Path(text)
        if not path.is_file() and base is not None:
            path = Path(base) / text
        if not path.is_file():
            raise InputError(where, f"the model file '{text}' does not exist.",
                             "give lavaan syntax or the path of a model file (as study.model).")
        return parse_model(path.read_text(encoding="utf-8"), path)
    return parse_model(text, where)


LABELS = {
    "one_factor": {"zh": "单因子模型", "en": "One-factor model"},
    "cfa": {"zh": "验证性因子模型", "en": "CFA with correlated factors"},
    "structural": {"zh": "假设结构模型", "en": "Hypothesised structural model"},
    "partial_mediation": {"zh": "部分中介模型", "en": "Partial mediation model"},
}


def competing_models(parsed, alternatives=None, source="config.yaml"):
    """The competing models in table order: one-factor, CFA, and for a model with regressions
    the structural model and (when it adds a path) the partial-mediation model; then the
    alternatives ({name: {zh, en, model}}) from config."""
    out = [CompetingModel("one_factor", LABELS["one_factor"], "one_factor", one_factor(parsed)),
           CompetingModel("cfa", LABELS["cfa"], "cfa", cfa(parsed))]
    if parsed.structural:
        out.append(CompetingModel("structural", LABELS["structural"], "structural", parsed))
        partial = partial_mediation(parsed)
        if partial.added:
            out.append(CompetingModel("partial_mediation", LABELS["partial_mediation"],
                                      "partial_mediation", partial))
    for name, spec in (alternatives or {}).items():
        if name in {m.name for m in out}:
            raise InputError(f"{source}: robustness.alternatives.{name}",
                             f"'{name}' is the name of a generated model.", "choose another name.")
        label = {k: spec.get(k, name) for k in ("zh", "en")}
        out.append(CompetingModel(name, label, "alternative", alternative(name, spec, source)))
    return out
