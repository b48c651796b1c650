"""Structural equation models: semopy estimates, lavaan-shaped results.

semopy (ML, "MLW" objective) gives the model matrices and the optimiser. On top of it this
module adds what semopy lacks or gets wrong, each computed as lavaan 0.6 does for
`sem(model, data)` with its defaults (ML, likelihood = "normal", expected information):

- the estimate is polished by Fisher scoring without semopy's lower bound of 0 on variances,
  so Heywood cases show (negative variance) instead of hiding at the bound;
- one parameter table shaped like lavaan's parameterEstimates + standardizedSolution;
- std.all and its delta-method SE, `:=` defined parameters with delta-method SEs;
- R-squared, fit indices (see fit_indices.py) and a list of admissibility problems;
- modification indices of the measurement part (modification_indices).
"""

import ast
import logging
import math
import re
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import semopy
from scipy import stats

try:  # pinned via scikit-learn; BLAS threads only slow these small matrices down
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    from contextlib import nullcontext as threadpool_limits

from .errors import InputError
from .fit_indices import fit_indices, ml_discrepancy

PARAM_COLUMNS = ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue",
                 "ci_lower", "ci_upper", "std_all", "std_all_se"]
_Z975 = stats.norm.ppf(0.975)
_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_UNSUPPORTED_OPS = ("<~", "=~~", "~*~", "|", "==", "<", ">")


# --------------------------------------------------------------------------- model text

@dataclass(frozen=True)
class Statement:
    """One `lhs op rhs` relation of the model, with its modifier (label or fixed value)."""
    lhs: str
    op: str
    rhs: str
    label: str = ""
    fixed: float | None = None


@dataclass
class ParsedModel:
    """A lavaan-syntax model split into the part semopy fits and the `:=` definitions."""
    semopy_text: str
    statements: list[Statement]
    definitions: list[tuple[str, str]]  # (name, expression) in the order written


def _logical_lines(text):
    """Strip comments and join continuation lines (a line ending in, or next starting with, '+')."""
    lines = []
    for raw in text.replace(";", "\n").splitlines():
        line = raw.split("#", 1)[0].split("!", 1)[0].strip()
        if not line:
            continue
        if lines and (lines[-1].endswith(("+", "*", "~", "=~", ":=")) or line.startswith("+")):
            lines[-1] += " " + line
        else:
            lines.append(line)
    return lines


def parse_model(text, source="model"):
    """Split lavaan-syntax `text` into semopy's part and the `:=` definitions.

    Supports =~, ~, ~~, labels (`a1*x`), fixed values (`1*x`, `0*x`), several left-hand
    variables (`y1 + y2 ~ x`), comments (#, !) and `;`. Returns a ParsedModel.
    """
    statements, definitions, semopy_lines = [], [], []
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
            semopy_lines.append(f"{lhs} {op} " + " + ".join(
                (f"{lab}*{var}" if lab else f"{fix:g}*{var}" if fix is not None else var)
                for lab, fix, var in terms))
    if not statements:
        raise InputError(source, "the model has no =~, ~ or ~~ relations.",
                         "give a lavaan-syntax model, e.g. `F =~ x1 + x2 + x3`.")
    labels = {s.label for s in statements if s.label}
    names = set()
    for name, expr in definitions:
        if name in labels or name in names:
            raise InputError(source, f"the defined parameter '{name}' reuses a name.",
                             "give each := definition a name not used as a label.")
        unknown = _expression_names(expr, source) - labels - names
        if unknown:
            raise InputError(source, f"'{name} := {expr}' uses {sorted(unknown)}, which label "
                             "no parameter.", "label the paths, e.g. `PL ~ a1*OB`, and use "
                             "those labels in the definition.")
        names.add(name)
    return ParsedModel("\n".join(semopy_lines), statements, definitions)


# A tiny safe evaluator for := expressions: numbers, names, + - * / ** and parentheses.
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.Div,
            ast.Pow, ast.USub, ast.UAdd, ast.Name, ast.Load, ast.Constant)


def _compile_expression(expr, source="model"):
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


def _expression_names(expr, source="model"):
    tree = _compile_expression(expr, source)
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

    return build(_compile_expression(expr, source))


def evaluate_expression(expr, values):
    """Value of a := expression given {name: value}."""
    return compile_expression(expr)(values)


# --------------------------------------------------------------------------- the fit

@dataclass
class SemFit:
    """A fitted model. `params` has PARAM_COLUMNS (one lavaan-like row per parameter,
    `:=` rows last); `fit` has lavaan's fitMeasures names with '_' for '.'; `r2` maps each
    endogenous variable to its R-squared; `admissibility` lists problems as dicts with
    kind, where, value, message (empty when the solution is admissible). sample_cov,
    implied_cov (observed) and latent_cov (model-implied, latent) are DataFrames; vcov is the
    covariance of the free parameters (semopy's order)."""
    model: semopy.Model
    parsed: ParsedModel
    params: pd.DataFrame
    fit: dict
    r2: dict
    admissibility: list
    n: int
    converged: bool
    vcov: np.ndarray = field(repr=False)
    sample_cov: pd.DataFrame = field(repr=False)
    implied_cov: pd.DataFrame = field(repr=False)
    latent_cov: pd.DataFrame = field(repr=False)
    seconds: float = 0.0

    def r2_table(self):
        """R² as a table (variable, r2), in lavaan's order."""
        return pd.DataFrame({"variable": list(self.r2), "r2": list(self.r2.values())})


class _Structure:
    """Where each semopy parameter sits in the model matrices, and functions of the free
    parameter vector x that the delta method differentiates."""

    def __init__(self, model, parsed):
        self.model = model
        mats = {"lambda": model.mx_lambda, "beta": model.mx_beta,
                "psi": model.mx_psi, "theta": model.mx_theta}
        self.obs = list(model.names_lambda[0])
        self.inner = list(model.names_beta[0])
        self.latent = set(model.vars["latent"])
        self.free_names = [n for n, p in model.parameters.items() if p.active]
        free_index = {n: k for k, n in enumerate(self.free_names)}
        user = {(s.lhs, s.op, s.rhs): s for s in parsed.statements}
        # Order of first appearance, to put rows and variables in the order the user wrote.
        order = {}
        for s in parsed.statements:
            order.setdefault(s.lhs, len(order))
            order.setdefault(s.rhs, len(order))
        rows = []
        for name, p in model.parameters.items():
            for loc in p.locations:
                key = next(k for k, mx in mats.items() if loc.matrix is mx)
                i, j = loc.indices
                if key == "lambda":
                    lhs, op, rhs = self.inner[j], "=~", self.obs[i]
                elif key == "beta":
                    lhs, op, rhs = self.inner[i], "~", self.inner[j]
                    if (rhs, "=~", lhs) in user:  # second-order loading: semopy keeps it in beta
                        lhs, op, rhs = rhs, "=~", lhs
                else:
                    names = self.inner if key == "psi" else self.obs
                    lhs, op, rhs = names[i], "~~", names[j]
                    if (rhs, op, lhs) in user or ((lhs, op, rhs) not in user
                                                 and order.get(lhs, 1e9) > order.get(rhs, 1e9)):
                        lhs, rhs = rhs, lhs
                st = user.get((lhs, op, rhs))
                rows.append(dict(lhs=lhs, op=op, rhs=rhs, label=st.label if st else "",
                                 free=free_index.get(name), fixed=p.start, key=key))
        user_pos = {k: n for n, k in enumerate(user)}

        def sort_key(r):
            k = (r["lhs"], r["op"], r["rhs"])
            if k in user_pos:
                return (0, user_pos[k], 0)
            # lavaan's order for what it adds: observed variances, latent variances, covariances
            group = 1 if r["lhs"] == r["rhs"] and r["lhs"] not in self.latent else (
                2 if r["lhs"] == r["rhs"] else 3)
            return (group, order.get(r["lhs"], 1e9), order.get(r["rhs"], 1e9))

        self.rows = sorted(rows, key=sort_key)
        self.row_free = np.array([-1 if r["free"] is None else r["free"] for r in self.rows])
        self.row_fixed = np.array([np.nan if r["free"] is not None else float(r["fixed"])
                                   for r in self.rows])
        # Variables indexed as [observed (semopy order)..., inner (semopy order)...]; a
        # variable both observed and inner (observed in a regression) is found in both, and
        # its residual variance is the inner (psi) one.
        self.var_names = self.obs + self.inner
        index = {v: k for k, v in enumerate(self.obs)}
        index.update({v: len(self.obs) + k for k, v in enumerate(self.inner)})
        self.var_index = index
        self.row_lhs_var = np.array([index[r["lhs"]] for r in self.rows], dtype=int)
        self.row_rhs_var = np.array([index[r["rhs"]] for r in self.rows], dtype=int)
        self.row_op = np.array([r["op"] for r in self.rows])
        self.obs_ordered = sorted(self.obs, key=lambda v: order.get(v, 1e9))

    def fixed_x(self):
        """Positions (in S) of observed exogenous predictors whose variance semopy fixed."""
        fixed_var = {r["lhs"] for r in self.rows
                     if r["op"] == "~~" and r["lhs"] == r["rhs"] and r["free"] is None}
        predicted = {r["lhs"] for r in self.rows if r["op"] in ("~", "=~")} | \
                    {r["rhs"] for r in self.rows if r["op"] == "=~"}
        return [k for k, v in enumerate(self.obs)
                if v in fixed_var and v in self.inner and v not in predicted]

    def set(self, x):
        self.model.update_matrices(np.asarray(x, dtype=float))

    def matrices(self, x):
        """Implied Sigma (observed) and Phi (total covariance of the inner variables)."""
        self.set(x)
        m = self.model
        c = np.linalg.inv(np.eye(len(self.inner)) - m.mx_beta)
        phi = c @ m.mx_psi @ c.T
        sigma = m.mx_lambda @ phi @ m.mx_lambda.T + m.mx_theta
        return sigma, phi

    def estimates(self, x):
        return np.where(self.row_free >= 0, np.asarray(x)[np.maximum(self.row_free, 0)],
                        self.row_fixed)

    def variances(self, x):
        """Total and residual variance of every variable, in the order of self.var_names."""
        sigma, phi = self.matrices(x)
        m = self.model
        total = np.concatenate([np.diag(sigma), np.diag(phi)])
        resid = np.concatenate([np.diag(m.mx_theta), np.diag(m.mx_psi)])
        return total, resid

    def standardized(self, x):
        """lavaan's std.all for every row (lav_standardize_all with cov.std = TRUE)."""
        est = self.estimates(x)
        total, resid = self.variances(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            sd = np.sqrt(np.where(total > 0, total, np.nan))
            a, b = self.row_lhs_var, self.row_rhs_var
            loading = est * sd[a] / sd[b]                  # =~ : lambda * sd(f) / sd(item)
            regression = est * sd[b] / sd[a]               # ~  : beta * sd(x) / sd(y)
            variance = est / total[a]                      # ~~ on itself: share of total
            # other ~~ rows: residual correlation (lavaan's cov.std = TRUE)
            covariance = est / np.sqrt(np.abs(resid[a]) * np.abs(resid[b]))
        return np.select([self.row_op == "=~", self.row_op == "~", a == b],
                         [loading, regression, variance], covariance)


class _Definitions:
    """The := parameters as a function of the rows' values (estimates or std.all)."""

    def __init__(self, parsed, struct):
        self.names = [name for name, _ in parsed.definitions]
        self.functions = [compile_expression(expr) for _, expr in parsed.definitions]
        first = {}
        for k, r in enumerate(struct.rows):  # lavaan uses the first row with each label
            if r["label"]:
                first.setdefault(r["label"], k)
        self.labels = list(first)
        self.label_rows = np.array([first[lab] for lab in self.labels], dtype=int)

    def from_labels(self, label_values):
        values = dict(zip(self.labels, label_values))
        out = []
        for name, fun in zip(self.names, self.functions):
            values[name] = fun(values)  # later definitions may use earlier ones
            out.append(values[name])
        return np.array(out, dtype=float)

    def value_and_jacobian(self, row_values, row_jacobian):
        """Values of the definitions and their Jacobian w.r.t. the free parameters (chain rule
        through the labelled rows)."""
        lab = row_values[self.label_rows]
        J = _jacobian(self.from_labels, lab) @ row_jacobian[self.label_rows]
        return self.from_labels(lab), J


def _jacobian(f, x, h=1e-6):
    """Central-difference Jacobian of vector function f at x."""
    x = np.asarray(x, dtype=float)
    cols = []
    for k in range(len(x)):
        step = h * max(1.0, abs(x[k]))
        xp, xm = x.copy(), x.copy()
        xp[k] += step
        xm[k] -= step
        cols.append((f(xp) - f(xm)) / (2 * step))
    return np.column_stack(cols) if cols else np.zeros((len(f(x)), 0))


def _fisher_scoring(struct, x, S, max_iter=200, tol=1e-10):
    """Minimise F_ML by Fisher scoring with step halving, without bounds on variances (lavaan
    has none either), from x (semopy's starting values or its SLSQP solution).

    Returns (x, converged, information matrix per observation times 2, i.e. tr(V G_i V G_j)).
    """
    model = struct.model

    def objective(x):
        sigma, _ = struct.matrices(x)
        return ml_discrepancy(S, sigma)

    def grad_info(x):
        struct.set(x)
        sigma, (m, c) = model.calc_sigma()
        G = np.array(model.calc_sigma_grad(m, c))  # dSigma/dx_k, shape (k, p, p)
        V = np.linalg.inv(sigma)
        k = len(G)
        A = (V @ G).reshape(k, -1)                  # V G_k, flattened
        At = (G @ V).reshape(k, -1)                 # (V G_k)^T = G_k V, as G_k and V are symmetric
        info = A @ At.T                             # tr(V G_i V G_j)
        g = G.reshape(k, -1) @ (V - V @ S @ V).ravel()
        return g, info

    f = objective(x)
    converged = False
    for _ in range(max_iter):
        g, info = grad_info(x)
        if np.max(np.abs(g)) < tol:
            converged = True
            break
        try:
            step = -np.linalg.solve(info, g)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(info, g, rcond=None)[0]
        t = 1.0
        while t > 1e-8:
            f_new = objective(x + t * step)
            if f_new <= f + 1e-14:
                break
            t /= 2
        else:
            break  # no descent possible: keep x, report by the gradient test below
        x, f = x + t * step, f_new
        if np.max(np.abs(t * step)) < 1e-12:
            converged = np.max(np.abs(grad_info(x)[0])) < 1e-6
            break
    g, info = grad_info(x)
    converged = converged or np.max(np.abs(g)) < 1e-6
    return x, converged, info


def _prepare_data(data, observed, log, source):
    missing = [v for v in observed if v not in data.columns]
    if missing:
        raise InputError(source, f"the data has no column(s) {missing} that the model uses.",
                         "rename the columns or the model's variables so that they match.")
    frame = data[observed].apply(pd.to_numeric, errors="coerce")
    bad = [v for v in observed if frame[v].isna().sum() > data[v].isna().sum()]
    if bad:
        raise InputError(source, f"column(s) {bad} hold values that are not numbers.",
                         "recode the answers to numbers before fitting the model.")
    complete = frame.dropna()
    if len(complete) < len(frame):
        log(f"SEM: {len(frame) - len(complete)} of {len(frame)} rows have missing answers and are "
            "left out (listwise, as lavaan's default)")
    if len(complete) <= len(observed):
        raise InputError(source, f"only {len(complete)} complete rows for {len(observed)} "
                         "observed variables.", "collect more responses or use fewer items.")
    return complete.astype(float)


def fit_sem(model_text, data, log=None, source="model"):
    """Fit a lavaan-syntax model to `data` by ML, as lavaan's `sem(model, data)` would.

    `log` is a callable taking one line of progress text (default: this module's logger). Raises InputError for a model or data
    that cannot be fitted; an inadmissible solution is returned with its problems listed in
    `admissibility`, not raised. Returns a SemFit.
    """
    with threadpool_limits(1):
        return _fit_sem(model_text, data, log, source)


def _fit_sem(model_text, data, log, source):
    log = log or logging.getLogger(__name__).info
    started = time.perf_counter()
    parsed = parse_model(model_text, source)
    try:
        model = semopy.Model(parsed.semopy_text)
    except Exception as exc:  # semopy raises bare SyntaxError/KeyError etc.
        raise InputError(source, f"semopy cannot build the model: {exc}.",
                         "check the model syntax.") from exc
    observed = list(model.vars["observed"])
    frame = _prepare_data(data, observed, log, source)
    # semopy's SLSQP fit (variances bounded at 0), then Fisher scoring without bounds to
    # lavaan's precision and to lavaan's (possibly negative, Heywood) variances. Should that
    # not converge, Fisher scoring from semopy's starting values is the second try.
    model.load(frame)
    start = np.array(model.param_vals, dtype=float)
    struct = _Structure(model, parsed)
    S = model.mx_cov
    n = int(model.n_samples)
    try:
        result = model.fit(frame, obj="MLW", solver="SLSQP")
        how = f"semopy SLSQP ({result.message}) + Fisher scoring"
    except (ValueError, np.linalg.LinAlgError) as exc:
        model.param_vals = start.copy()
        how = f"semopy SLSQP failed ({exc}) + Fisher scoring"
    x, converged, info = _fisher_scoring(struct, np.array(model.param_vals, dtype=float), S)
    if not converged:
        x2, converged2, info2 = _fisher_scoring(struct, start, S)
        if converged2:
            x, converged, info, how = x2, converged2, info2, "Fisher scoring from start values"
    model.param_vals = x
    sigma, phi = struct.matrices(x)

    # Parameter covariance: inverse expected information, N/2 * tr(V G_i V G_j).
    fisher = n / 2 * info
    identified = np.linalg.cond(fisher) < 1e12
    vcov = np.linalg.inv(fisher) if identified else np.linalg.pinv(fisher)

    def delta_se(J):
        return np.sqrt(np.clip(np.einsum("ij,jk,ik->i", J, vcov, J), 0, None))

    est = struct.estimates(x)
    J_est = np.zeros((len(est), len(x)))
    free_rows = np.flatnonzero(struct.row_free >= 0)
    J_est[free_rows, struct.row_free[free_rows]] = 1.0
    std = struct.standardized(x)
    J_std = _jacobian(struct.standardized, x)
    table = pd.DataFrame([{k: r[k] for k in ("lhs", "op", "rhs", "label")} for r in struct.rows])
    table["est"], table["se"] = est, delta_se(J_est)
    table["std_all"], table["std_all_se"] = std, delta_se(J_std)

    if parsed.definitions:
        defs = _Definitions(parsed, struct)
        d_est, dJ_est = defs.value_and_jacobian(est, J_est)
        d_std, dJ_std = defs.value_and_jacobian(std, J_std)
        d_rows = pd.DataFrame({
            "lhs": defs.names, "op": ":=",
            "rhs": [re.sub(r"\s+", "", e) for _, e in parsed.definitions],
            "label": defs.names, "est": d_est, "se": delta_se(dJ_est),
            "std_all": d_std, "std_all_se": delta_se(dJ_std)})
        table = pd.concat([table, d_rows], ignore_index=True)
    struct.set(x)  # leave the semopy model at the final estimate

    with np.errstate(divide="ignore", invalid="ignore"):
        free = table["se"] > 0
        table["z"] = np.where(free, table["est"] / table["se"], np.nan)
        table["pvalue"] = np.where(free, 2 * stats.norm.sf(np.abs(table["z"])), np.nan)
    table["ci_lower"] = table["est"] - _Z975 * table["se"]
    table["ci_upper"] = table["est"] + _Z975 * table["se"]
    table = table[PARAM_COLUMNS]

    fit = fit_indices(S, sigma, n, len(x), struct.fixed_x())
    r2 = _r_squared(struct, x, table)
    order = struct.obs_ordered
    sample_cov = pd.DataFrame(S, index=struct.obs, columns=struct.obs).loc[order, order]
    implied_cov = pd.DataFrame(sigma, index=struct.obs, columns=struct.obs).loc[order, order]
    lat = [v for v in dict.fromkeys(table["lhs"]) if v in struct.latent]
    lat_pos = [struct.inner.index(v) for v in lat]
    latent_cov = pd.DataFrame(phi[np.ix_(lat_pos, lat_pos)], index=lat, columns=lat)
    problems = check_admissibility(table, latent_cov, implied_cov, converged, identified,
                                   float(np.mean(np.diag(S))))
    seconds = time.perf_counter() - started
    state = "converged" if converged else "NOT converged"
    log(f"SEM: N={n}, {len(x)} free parameters, chisq={fit['chisq']:.3f} df={fit['df']}, "
        f"{state} by {how} in {seconds:.2f} s")
    for p in problems:
        log(f"SEM admissibility: {p['message']}")
    return SemFit(model=model, parsed=parsed, params=table, fit=fit, r2=r2,
                  admissibility=problems, n=n, converged=converged, vcov=vcov,
                  sample_cov=sample_cov, implied_cov=implied_cov, latent_cov=latent_cov,
                  seconds=seconds)


def _r_squared(struct, x, table):
    """R-squared of each endogenous variable as lavaan's inspect(fit, "r2"): indicators and
    variables with regressions on them, observed first, in the order of the model text.
    NaN where a negative residual variance would make it exceed 1 (lavaan gives NA)."""
    total, resid = struct.variances(x)
    endo = set(table.loc[table["op"] == "=~", "rhs"]) | set(table.loc[table["op"] == "~", "lhs"])
    ordered = [v for v in struct.obs_ordered if v in endo] + \
              [v for v in dict.fromkeys(table["lhs"]) if v in endo and v not in struct.obs]
    k = struct.var_index
    r2 = {v: float(1 - resid[k[v]] / total[k[v]]) for v in ordered}
    # Above 1 means a negative residual variance; lavaan reports NA then.
    return {v: (math.nan if r > 1 else r) for v, r in r2.items()}


def check_admissibility(params, latent_cov, implied_cov, converged=True, identified=True,
                        scale=1.0):
    """Problems that make a solution inadmissible or doubtful, as dicts with kind, where,
    value, message. params: the parameter table; latent_cov: model-implied covariance of the
    latent variables (DataFrame); implied_cov: model-implied covariance of the observed ones;
    scale: typical observed variance, to judge a variance as zero."""
    latent = set(latent_cov.index)
    problems = []

    def add(kind, where, value, message):
        problems.append(dict(kind=kind, where=where, value=value, message=message))

    if not converged:
        add("not_converged", "model", None,
            "the estimation did not converge; the estimates cannot be trusted.")
    if not identified:
        add("not_identified", "model", None,
            "the information matrix is singular: the model is not identified, standard "
            "errors are not valid.")
    var_rows = params[(params["op"] == "~~") & (params["lhs"] == params["rhs"])]
    regressed = set(params.loc[params["op"] == "~", "lhs"])
    for r in var_rows.itertuples():
        where = f"{r.lhs} ~~ {r.rhs}"
        what = "latent variable" if r.lhs in latent else "residual of"
        if r.est < 0:
            add("negative_variance", where, float(r.est),
                f"the variance of {what} {r.lhs} is negative ({r.est:.4g}): a Heywood case.")
        elif r.est <= 1e-6 * scale:
            add("zero_variance", where, float(r.est),
                f"the variance of {what} {r.lhs} is (near) zero ({r.est:.3g}).")
        elif r.lhs in latent and r.lhs not in regressed and r.pvalue > 0.05:
            # An exogenous construct whose variance may be zero: its items share almost nothing.
            add("latent_variance_not_significant", where, float(r.est),
                f"the variance of latent variable {r.lhs} ({r.est:.3g}, p = {r.pvalue:.3f}) "
                "is not distinguishable from zero: its items hardly measure a common factor.")
    for r in params[params["op"] == "=~"].itertuples():
        if abs(r.std_all) > 1:
            add("std_loading_above_one", f"{r.lhs} =~ {r.rhs}", float(r.std_all),
                f"the standardized loading of {r.rhs} on {r.lhs} is {r.std_all:.3f}, "
                "beyond 1.")
    if len(latent):
        eig = np.linalg.eigvalsh(np.asarray(latent_cov, dtype=float))
        if eig.min() <= 1e-10 * max(1.0, abs(eig).max()):
            add("latent_cov_not_pd", "latent covariance", float(eig.min()),
                "the covariance matrix of the latent variables is not positive definite "
                f"(smallest eigenvalue {eig.min():.3g}); correlations may be at or beyond 1.")
    eig = np.linalg.eigvalsh(np.asarray(implied_cov, dtype=float))
    if eig.min() <= 0:
        add("implied_cov_not_pd", "implied covariance", float(eig.min()),
            "the model-implied covariance matrix is not positive definite.")
    return problems


# --------------------------------------------------------------------------- modification indices

def modification_indices(fit, top=None):
    """lavaan's modindices() for the parameters a measurement model leaves out: cross-loadings
    (factor =~ item) and residual covariances of the observed variables (item ~~ item).

    Score test of each single omitted parameter at the ML estimate, with lavaan's expected
    information: per observation, score s = -1/2 dF/dtheta and information
    I = 1/2 tr(V G_i V G_j); mi = N s^2 / (I_jj - I_jf I_ff^-1 I_fj), epc = s / (that
    denominator); sepc.all standardizes epc as std.all does (loadings by sd(factor)/sd(item),
    residual covariances by the residual standard deviations). Returns a DataFrame lhs, op,
    rhs, mi, epc, sepc_all, sorted by mi (largest first); `top` keeps the first rows.
    Structural candidates (~ among latents) are not computed.
    """
    with threadpool_limits(1):
        return _modification_indices(fit, top)


def _modification_indices(fit, top):
    model = fit.model
    struct = _Structure(model, fit.parsed)
    x = np.array(model.param_vals, dtype=float)
    sigma, phi = struct.matrices(x)
    _, (m, c) = model.calc_sigma()
    G_free = np.array(model.calc_sigma_grad(m, c))
    S = model.mx_cov
    V = np.linalg.inv(sigma)
    obs, inner = struct.obs, struct.inner
    lam, theta = model.mx_lambda, model.mx_theta
    have = {(r["lhs"], r["op"], r["rhs"]) for r in struct.rows if r["free"] is not None}
    have |= {(b, op, a) for a, op, b in have if op == "~~"}
    latent = [v for v in inner if v in struct.latent]
    lam_phi = lam @ phi
    candidates, G_new = [], []
    for f in latent:  # cross-loadings
        j = inner.index(f)
        for i, item in enumerate(obs):
            if (f, "=~", item) not in have and lam[i, j] == 0:
                M = np.zeros_like(sigma)
                M[i, :] = lam_phi[:, j]
                candidates.append((f, "=~", item, "loading", i, j))
                G_new.append(M + M.T)
    order = {v: k for k, v in enumerate(struct.obs_ordered)}
    for a in range(len(obs)):  # residual covariances of the observed variables
        for b in range(a + 1, len(obs)):
            if (obs[a], "~~", obs[b]) in have or theta[a, b] != 0:
                continue
            lhs, rhs = sorted((a, b), key=lambda k: order[obs[k]])
            M = np.zeros_like(sigma)
            M[a, b] = M[b, a] = 1.0
            candidates.append((obs[lhs], "~~", obs[rhs], "residual", lhs, rhs))
            G_new.append(M)
    if not candidates:
        return pd.DataFrame(columns=["lhs", "op", "rhs", "mi", "epc", "sepc_all"])
    G = np.concatenate([G_free, np.array(G_new)])
    k = len(G_free)
    A = (V @ G).reshape(len(G), -1)
    At = (G @ V).reshape(len(G), -1)
    info = 0.5 * (A @ At.T)
    score = -0.5 * (G.reshape(len(G), -1) @ (V - V @ S @ V).ravel())
    I_ff_inv = np.linalg.pinv(info[:k, :k])
    I_nf = info[k:, :k]
    denom = np.diag(info[k:, k:]) - np.einsum("ij,jk,ik->i", I_nf, I_ff_inv, I_nf)
    denom = np.where(denom < np.sqrt(np.finfo(float).eps), np.nan, denom)  # as lavaan
    s = score[k:]
    mi = fit.n * s**2 / denom
    epc = s / denom
    with np.errstate(invalid="ignore"):  # a negative variance: NaN, flagged elsewhere
        sd_obs, sd_inner = np.sqrt(np.diag(sigma)), np.sqrt(np.diag(phi))
    sepc = []
    for (_, _, _, kind, a, b), e in zip(candidates, epc):
        if kind == "loading":
            sepc.append(e * sd_inner[b] / sd_obs[a])
        else:
            sepc.append(e / np.sqrt(abs(theta[a, a]) * abs(theta[b, b])))
    out = pd.DataFrame({"lhs": [c[0] for c in candidates], "op": [c[1] for c in candidates],
                        "rhs": [c[2] for c in candidates], "mi": mi, "epc": epc,
                        "sepc_all": sepc})
    out = out.sort_values("mi", ascending=False, kind="stable", na_position="last")
    out = out.reset_index(drop=True)
    return out.head(top) if top else out
