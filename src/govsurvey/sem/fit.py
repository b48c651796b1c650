"""Structural equation models: our layout (layout.py) builds the model, our ML fitter
estimates it, the results come in lavaan's shapes.

Computed as lavaan 0.6 does for `sem(model, data)` with its defaults (ML, likelihood =
"normal", expected information):

- Fisher scoring (ml.MLFitter) from lavaan-like start values (Layout.start_values), without a
  lower bound on variances, so Heywood cases show (negative variance) instead of hiding at a
  bound; where it does not converge, a bounded quasi-Newton fit (variances >= 0) gives it a
  second start (`fit_covariance`);
- one parameter table shaped like lavaan's parameterEstimates + standardizedSolution
  (PARAM_COLUMNS), std.all and its delta-method SE, `:=` parameters with delta-method SEs;
- R-squared, fit indices (indices.py) and a list of admissibility problems (admissibility.py).
"""

import logging
import math
import re
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from govsurvey.errors import InputError
from govsurvey.sem.admissibility import check_admissibility, sample_size_problems
from govsurvey.sem.indices import fit_indices
from govsurvey.sem.layout import Layout
from govsurvey.sem.ml import MLFitter, threadpool_limits
from govsurvey.study.model import as_parsed, compile_expression

PARAM_COLUMNS = ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue",
                 "ci_lower", "ci_upper", "std_all", "std_all_se"]
_Z975 = stats.norm.ppf(0.975)


@dataclass
class SemFit:
    """A fitted model. `params` has PARAM_COLUMNS (one lavaan-like row per parameter,
    `:=` rows last); `fit` has lavaan's fitMeasures names with '_' for '.'; `r2` maps each
    endogenous variable to its R-squared; `admissibility` lists problems as dicts with
    kind, where, value, message, severity (admissibility.py; empty when the solution is
    admissible and the sample large enough for the model). `layout` places the
    free parameters `x` in the model matrices; `data` holds the complete cases in the layout's
    observed order and `S` their covariance (divisor N). sample_cov, implied_cov (observed) and
    latent_cov (model-implied, latent) are DataFrames; vcov is the covariance of x."""
    parsed: object
    layout: Layout
    x: np.ndarray
    params: pd.DataFrame
    fit: dict
    r2: dict
    admissibility: list
    n: int
    converged: bool
    data: np.ndarray = field(repr=False)
    S: np.ndarray = field(repr=False)
    vcov: np.ndarray = field(repr=False)
    sample_cov: pd.DataFrame = field(repr=False)
    implied_cov: pd.DataFrame = field(repr=False)
    latent_cov: pd.DataFrame = field(repr=False)
    seconds: float = 0.0

    def r2_table(self):
        """R² as a table (variable, r2), in lavaan's order."""
        return pd.DataFrame({"variable": list(self.r2), "r2": list(self.r2.values())})


class Definitions:
    """The := parameters as a function of the rows' values (estimates or std.all)."""

    def __init__(self, parsed, layout):
        self.names = [name for name, _ in parsed.definitions]
        self.functions = [compile_expression(expr) for _, expr in parsed.definitions]
        first = {}
        for k, r in enumerate(layout.rows):  # lavaan uses the first row with each label
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



def numeric_columns(data, observed, source):
    """The model's columns of `data` as numbers (NaN where an answer is missing); InputError
    naming the columns that are absent or hold something other than numbers."""
    missing = [v for v in observed if v not in data.columns]
    if missing:
        raise InputError(source, f"the data has no column(s) {missing} that the model uses.",
                         "rename the columns or the model's variables so that they match.")
    frame = data[observed].apply(pd.to_numeric, errors="coerce")
    bad = [v for v in observed if frame[v].isna().sum() > data[v].isna().sum()]
    if bad:
        raise InputError(source, f"column(s) {bad} hold values that are not numbers.",
                         "recode the answers to numbers before fitting the model.")
    return frame


def _prepare_data(data, observed, log, source,
                  few_rows_fix="collect more responses or use fewer items."):
    frame = numeric_columns(data, observed, source)
    complete = frame.dropna()
    if len(complete) < len(frame):
        log(f"SEM: {len(frame) - len(complete)} of {len(frame)} rows have missing answers and are "
            "left out (listwise, as lavaan's default)")
    if len(complete) <= len(observed):
        raise InputError(source, f"only {len(complete)} complete rows for {len(observed)} "
                         "observed variables.", few_rows_fix)
    complete = complete.astype(float)
    check_item_variation(complete, source)
    return complete


# Items count as linearly dependent when the smallest eigenvalue of their correlation matrix is
# below this: the matrix is then singular to working precision (condition number >= ~1e10), and
# its inverse (KMO, the ML fit's information) fails or returns noise.
COLLINEAR_EIGENVALUE = 1e-10
# |r| at or above this is a perfect correlation: one item is the other, or its mirror image
PERFECT_CORRELATION = 1 - 1e-10


def check_item_variation(frame, source):
    """Stop, naming the items and the fix, when the complete cases `frame` (numeric columns)
    have an item without variance, two perfectly correlated items, or items that are linearly
    dependent otherwise (a singular correlation matrix). Any of these makes the covariance
    matrix singular: the ML fit then has no start, KMO fails with "Singular matrix"."""
    values = frame.to_numpy(dtype=float)
    names = list(frame.columns)
    sd = values.std(axis=0)
    constant = [v for v, s in zip(names, sd) if s <= 1e-12 * max(1.0, float(np.abs(values).max()))]
    if constant:
        answers = ", ".join(f"{v} = {frame[v].iloc[0]:g}" for v in constant)
        raise InputError(source, f"item(s) {', '.join(constant)} have no variance: all "
                         f"{len(frame)} complete rows give the same answer ({answers}), so their "
                         "correlations are undefined and the covariance matrix is singular.",
                         "check that the export and the instrument code these answers correctly "
                         "(a constant column is often a mapping mistake); if the answers are "
                         "right, remove the item(s) from the instrument and the model file.")
    if len(names) < 2:
        return
    R = np.corrcoef(values, rowvar=False)
    pairs = [(names[i], names[j], R[i, j]) for i in range(len(names))
             for j in range(i + 1, len(names)) if abs(R[i, j]) >= PERFECT_CORRELATION]
    if pairs:
        listed = "; ".join(f"{a} and {b} (r = {r:+.0f})" for a, b, r in pairs)
        raise InputError(source, f"items that are perfectly correlated: {listed}. One of each "
                         "pair is the other (or its mirror image), so the covariance matrix is "
                         "singular.",
                         "check the export's columns and the column map: the same question "
                         "exported twice, or two columns mapped to one another's item, give "
                         "identical answers; if they are truly two questions, keep one of them "
                         "in the instrument and the model file.")
    eigenvalues, vectors = np.linalg.eigh(R)
    if eigenvalues[0] < COLLINEAR_EIGENVALUE:
        weights = np.abs(vectors[:, 0])
        involved = [v for v, w in zip(names, weights) if w >= 0.05]
        raise InputError(source, f"items {', '.join(involved)} are linearly dependent: one is "
                         "(almost exactly) a weighted sum of the others (smallest eigenvalue of "
                         f"their correlation matrix {eigenvalues[0]:.2g}), so the covariance "
                         "matrix is singular.",
                         "look for a column that is a total or an average of other items, or "
                         "items copied from one another, and remove it from the instrument and "
                         "the model file.")



def load_model(model, data, log=None, source="model", data_source=None):
    """The Layout of `model` (text or ParsedModel) with the complete cases of `data`:
    (parsed, S, Layout, complete-case frame in the layout's order); S is their covariance
    (divisor N), the layout's fixed.x moments set from it. `data_source` names the data in
    errors about them (default: `source`)."""
    log = log or logging.getLogger(__name__).info
    parsed = as_parsed(model, source)
    layout = Layout(parsed)
    frame = _prepare_data(data, layout.obs, log, data_source or source)
    S = np.cov(frame.to_numpy(dtype=float), rowvar=False, bias=True).reshape(len(layout.obs), -1)
    layout.set_sample(S)
    return parsed, S, layout, frame[layout.obs]


def fit_covariance(layout, S, start=None):
    """The ML estimate x of `layout` at sample covariance S (layout's fixed.x moments set
    from S). Fisher scoring from `start`, then (where that does not converge) from
    Layout.start_values, then from a quasi-Newton fit with variances bounded at 0 (slow but
    hard to derail: what semopy's SLSQP start used to give). Returns (x, converged, expected
    information at x, or None where Sigma is not positive definite at any start, how)."""
    fitter = MLFitter(layout)
    own = layout.start_values(S)
    starts = [("start values", lambda: own),
              ("a bounded quasi-Newton start", lambda: _bounded_fit(fitter, S, own))]
    if start is not None:
        starts.insert(0, ("the given start", lambda: np.asarray(start, dtype=float)))
    first = None
    for how, x0 in starts:
        x, converged, info = fitter.scoring(S, x0())
        if converged:
            return x, converged, info, f"Fisher scoring from {how}"
        if first is None or (first[2] is None and info is not None):
            first = (x, converged, info, f"Fisher scoring from {how} (not converged)")
    return first


def _bounded_fit(fitter, S, start):
    """F_ML minimised by L-BFGS-B with (residual) variances >= 0: slow but hard to derail, a
    start for Fisher scoring where the plain start diverges."""
    from scipy.optimize import minimize  # only for hard cases: keeps the import off the job path

    S2 = fitter.fold(S)
    variance = {k for kind, i, j, k in fitter.layout.locations if kind in ("psi", "theta") and i == j}
    bounds = [(0.0, None) if k in variance else (None, None) for k in range(len(start))]
    x0 = np.array([max(v, 1e-3) if k in variance else v for k, v in enumerate(start)])

    def objective(x):
        f, cache = fitter.evaluate(x, S2)
        if cache is None:
            return 1e10, np.zeros_like(x)
        return f, fitter.gradient(cache, S)

    try:
        result = minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                          options=dict(maxiter=2000))
    except (ValueError, np.linalg.LinAlgError):
        return start
    return result.x if np.all(np.isfinite(result.x)) else start


ESTIMATORS = ("ML", "MLR")


def fit_sem(model, data, log=None, source="model", data_source=None, estimator="ML"):
    """Fit a lavaan-syntax model (text or ParsedModel) to `data` by ML, as lavaan's
    `sem(model, data)` would; with estimator="MLR" as `sem(model, data, estimator = "MLR")`:
    the same estimates with sandwich SEs (also of std_all and the := rows), the Yuan-Bentler
    scaled chi-square and the scaled and robust indices in `fit` (robust.py).
    fit["estimator"] records which.

    `log` is a callable taking one line of progress text (default: this module's logger).
    Raises InputError for a model or data that cannot be fitted (`source` names the model,
    `data_source` the data; an item without variance or items that are collinear are named);
    an inadmissible solution is returned with its problems listed in `admissibility`, not
    raised. Returns a SemFit.
    """
    name = str(estimator).upper()
    if name not in ESTIMATORS:
        raise InputError(source, f"unknown estimator {estimator!r}.",
                         f"use one of {', '.join(ESTIMATORS)}.")
    log = log or logging.getLogger(__name__).info
    with threadpool_limits(1):
        fit = _fit_sem(model, data, log, source, data_source)
        fit.fit["estimator"] = "ML"
        if name == "MLR":
            from govsurvey.sem.robust import apply_mlr  # robust.py builds on this module
            fit = apply_mlr(fit, log, source, data_source)
        return fit


def _fit_sem(model, data, log, source, data_source=None):
    started = time.perf_counter()
    parsed, S, layout, frame = load_model(model, data, log, source, data_source)
    n = len(frame)
    x, converged, info, how = fit_covariance(layout, S)
    if info is None:
        raise InputError(source, "the model-implied covariance matrix is not positive definite at "
                         "the start values, so the model cannot be fitted.",
                         "check the model for variables without variance or duplicated items.")
    fit = _finish(parsed, layout, x, S, n, frame, converged, info)
    fit.seconds = time.perf_counter() - started
    state = "converged" if converged else "NOT converged"
    log(f"SEM: N={n}, {len(x)} free parameters, chisq={fit.fit['chisq']:.3f} df={fit.fit['df']}, "
        f"{state} by {how} in {fit.seconds:.2f} s")
    for p in fit.admissibility:
        log(f"SEM {'warning' if p['severity'] == 'warning' else 'admissibility'}: {p['message']}")
    return fit


def restore_fit(model, data, params, log=None, source="model"):
    """The SemFit of `model` on `data` at the estimates of `params` (the table fit_sem wrote),
    without fitting again: what the bootstrap shards start from. InputError when the table is
    not this model's or its estimates are not the optimum for this data (a stale file)."""
    log = log or logging.getLogger(__name__).info
    with threadpool_limits(1):
        parsed, S, layout, frame = load_model(model, data, log, source)
        x = layout.free_vector(params)
        fitter = MLFitter(layout)
        cache = None if x is None else fitter.evaluate(x, fitter.fold(S))[1]
        if cache is None or np.max(np.abs(fitter.gradient(cache, S))) > 1e-6:
            raise InputError(source, "the parameter table does not hold the ML estimates of this "
                             "model on this data (written by another model or another sample).",
                             "rerun the workflow, so that the SEM step and its readers see the "
                             "same model and data.")
        return _finish(parsed, layout, x, S, len(frame), frame, True,
                       fitter.information(cache))


def moment_frames(layout, table, S, sigma, phi):
    """(sample_cov, implied_cov, latent_cov) as a SemFit holds them: the observed variables in
    lavaan's order, the latent ones in the parameter table's."""
    order = layout.obs_ordered
    sample_cov = pd.DataFrame(S, index=layout.obs, columns=layout.obs).loc[order, order]
    implied_cov = pd.DataFrame(sigma, index=layout.obs, columns=layout.obs).loc[order, order]
    latent = [v for v in dict.fromkeys(table["lhs"]) if v in layout.latent]
    at = [layout.inner.index(v) for v in latent]
    return sample_cov, implied_cov, pd.DataFrame(phi[np.ix_(at, at)], index=latent, columns=latent)


def _finish(parsed, layout, x, S, n, frame, converged, info):
    """Everything fit_sem reports at estimate x with expected information `info`."""
    sigma, phi = layout.implied(x)
    # Parameter covariance: inverse expected information, N/2 * tr(V G_i V G_j).
    fisher = n / 2 * info
    identified = np.linalg.cond(fisher) < 1e12
    vcov = np.linalg.inv(fisher) if identified else np.linalg.pinv(fisher)
    table = parameter_table(parsed, layout, x, vcov)
    fit = fit_indices(S, sigma, n, len(x), layout.fixed_x())
    r2 = _r_squared(layout, x, table)
    sample_cov, implied_cov, latent_cov = moment_frames(layout, table, S, sigma, phi)
    problems = check_admissibility(table, latent_cov, implied_cov, converged, identified,
                                   float(np.mean(np.diag(S)))) + sample_size_problems(n, len(x))
    return SemFit(parsed=parsed, layout=layout, x=x, params=table, fit=fit, r2=r2,
                  admissibility=problems, n=n, converged=converged,
                  data=frame.to_numpy(dtype=float), S=S, vcov=vcov, sample_cov=sample_cov,
                  implied_cov=implied_cov, latent_cov=latent_cov)


def delta_se(J, vcov):
    """Delta-method standard errors of functions with Jacobian J (rows) of parameters with
    covariance vcov. A matrix product, then a row sum: numpy's three-operand einsum does not
    use BLAS and was a quarter of the compare job."""
    return np.sqrt(np.clip(((J @ vcov) * J).sum(axis=1), 0, None))


def add_tests(table):
    """z, p (two-sided) and the 95% Wald CI of every row with an SE; NaN z and p where the
    parameter is fixed (SE 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        free = table["se"] > 0
        table["z"] = np.where(free, table["est"] / table["se"], np.nan)
        table["pvalue"] = np.where(free, 2 * stats.norm.sf(np.abs(table["z"])), np.nan)
    table["ci_lower"] = table["est"] - _Z975 * table["se"]
    table["ci_upper"] = table["est"] + _Z975 * table["se"]
    return table


def parameter_table(parsed, layout, x, vcov):
    """The lavaan-shaped table (PARAM_COLUMNS) at estimate x with parameter covariance vcov:
    estimates, SEs, z, p, 95% CIs, std.all with delta-method SEs, then the := rows."""
    est = layout.estimates(x)
    J_est = np.zeros((len(est), len(x)))
    free_rows = np.flatnonzero(layout.row_free >= 0)
    J_est[free_rows, layout.row_free[free_rows]] = 1.0
    std = layout.standardized(x)
    J_std = _jacobian(layout.standardized, x)
    table = pd.DataFrame([{k: r[k] for k in ("lhs", "op", "rhs", "label")} for r in layout.rows])
    table["est"], table["se"] = est, delta_se(J_est, vcov)
    table["std_all"], table["std_all_se"] = std, delta_se(J_std, vcov)

    if parsed.definitions:
        defs = Definitions(parsed, layout)
        d_est, dJ_est = defs.value_and_jacobian(est, J_est)
        d_std, dJ_std = defs.value_and_jacobian(std, J_std)
        d_rows = pd.DataFrame({
            "lhs": defs.names, "op": ":=",
            "rhs": [re.sub(r"\s+", "", e) for _, e in parsed.definitions],
            "label": defs.names, "est": d_est, "se": delta_se(dJ_est, vcov),
            "std_all": d_std, "std_all_se": delta_se(dJ_std, vcov)})
        table = pd.concat([table, d_rows], ignore_index=True)
    return add_tests(table)[PARAM_COLUMNS]


def _r_squared(layout, x, table):
    """R-squared of each endogenous variable as lavaan's inspect(fit, "r2"): indicators and
    variables with regressions on them, observed first, in the order of the model text.
    NaN where a negative residual variance would make it exceed 1 (lavaan gives NA)."""
    total, resid = layout.variances(x)
    endo = set(table.loc[table["op"] == "=~", "rhs"]) | set(table.loc[table["op"] == "~", "lhs"])
    ordered = [v for v in layout.obs_ordered if v in endo] + \
              [v for v in dict.fromkeys(table["lhs"]) if v in endo and v not in layout.obs]
    k = layout.var_index
    r2 = {v: float(1 - resid[k[v]] / total[k[v]]) for v in ordered}
    # Above 1 means a negative residual variance; lavaan reports NA then.
    return {v: (math.nan if r > 1 else r) for v, r in r2.items()}

