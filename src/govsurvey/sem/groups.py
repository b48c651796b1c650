"""Multi-group ML with a mean structure and equality constraints across groups, as lavaan's
`cfa(model, data, group = , group.equal = , group.partial = )` (ML, likelihood = "normal",
expected information).

One Layout (layout.py) serves every group: the groups share the model and differ only in the
values of its parameters. Each group adds intercepts nu (observed variables) and means alpha
(latent variables; the intercept of an observed variable that the layout keeps among the inner
variables, such as an outcome of a regression, is its alpha): mu = nu + Lambda (I-B)^-1 alpha.
The free-parameter vector x holds each group's parameters once, or once for all groups where
an equality constraint ties them (a group.equal family, a user label, `equal_parameters`):
group g's parameters are x taken through `take[g]`. F = sum_g n_g/N F_g, chi-square = N F;
gradient and expected information are the n_g/N weighted sums of each group's (ml.MLFitter
with means), so Fisher scoring, SEs and score tests all come from the one fitter.

lavaan's identification in several groups: the first loading of each factor is 1 in every
group; latent means are 0 in every group, unless intercepts are equal across groups: then
they are free in all groups but the first.
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
from govsurvey.sem.admissibility import check_admissibility
from govsurvey.sem.fit import (PARAM_COLUMNS, _jacobian, _prepare_data, add_tests, delta_se,
                              fit_covariance, load_model)
from govsurvey.sem.indices import multigroup_fit_indices
from govsurvey.sem.ml import MLFitter, fisher_scoring, threadpool_limits
from govsurvey.study.model import ParsedModel, as_parsed

# lavaan's group.equal families, in its order
FAMILIES = ("loadings", "intercepts", "residuals", "residual.covariances", "lv.variances",
            "lv.covariances", "regressions", "means")
GROUP_COLUMNS = PARAM_COLUMNS[:3] + ["group"] + PARAM_COLUMNS[3:]


def parameter_key(text, source="model"):
    """("lhs", "op", "rhs") of a parameter written as lavaan does: `visual =~ x2`,
    `x3 ~1` (intercept or mean), `textual ~ visual`, `x1 ~~ x2`."""
    m = re.fullmatch(r"\s*([A-Za-z_][\w.]*)\s*(=~|~~|~\s*1|~)\s*([A-Za-z_][\w.]*)?\s*",
                     str(text))
    op = m and re.sub(r"\s", "", m.group(2))
    if not m or (op == "~1") != (m.group(3) is None):
        raise InputError(source, f"cannot read the parameter '{text}'.",
                         "write it as lavaan does: `visual =~ x2`, `x3 ~1`, `y ~ x`, `x1 ~~ x2`.")
    return m.group(1), op, m.group(3) or ""


def parameter_name(lhs, op, rhs):
    return f"{lhs} {op}" if op == "~1" else f"{lhs} {op} {rhs}"


class GroupModel:
    """The parameters of one model in G groups: each group's local vector (the layout's free
    parameters, then the mean-structure slots) and where each sits in x.

    `slots`: one dict per local parameter (lhs, op, rhs, name, family, label); `take[g, k]`:
    index into x of group g's local parameter k, or -1 where it is fixed at 0 (latent means);
    `tied[k]`: whether slot k is one parameter for all groups; K[g]: the 0/1 matrix with
    group g's local vector = K[g] @ x."""

    def __init__(self, layout, n_groups, group_equal=(), group_partial=(), equal_parameters=(),
                 source="model"):
        unknown = sorted(set(group_equal) - set(FAMILIES))
        if unknown:
            raise InputError(source, f"unknown group.equal family {unknown}.",
                             f"use some of {list(FAMILIES)}.")
        self.layout, self.n_groups, self.group_equal = layout, n_groups, tuple(group_equal)
        self.slots, means = self._layout_slots(), []
        for i, v in enumerate(layout.obs):  # intercepts; an inner observed variable's is alpha
            means.append(("alpha", layout.inner.index(v)) if v in layout.inner else ("nu", i))
            self.slots.append(dict(lhs=v, op="~1", rhs="", family="intercepts", label=""))
        for j, v in enumerate(layout.inner):
            if v in layout.latent:
                means.append(("alpha", j))
                self.slots.append(dict(lhs=v, op="~1", rhs="", family="means", label=""))
        for s in self.slots:
            s["name"] = parameter_name(s["lhs"], s["op"], s["rhs"])
        self.fitter = MLFitter(layout, means=means)
        self.n_local = len(self.slots)
        partial = self._names(group_partial, "group.partial", source)
        pinned = self._names(equal_parameters, "equal_parameters", source)
        self.tied = np.array([bool(s["label"]) or bool(self._aliases(s) & pinned) or (
            s["family"] in self.group_equal and not self._aliases(s) & partial)
            for s in self.slots])
        # Latent means: 0 in every group, free in groups 2.. once intercepts are equal (and
        # 0 everywhere when also tied to group 1's).
        means_free = "intercepts" in self.group_equal
        index = {}
        self.take = np.full((n_groups, self.n_local), -1)
        for g in range(n_groups):
            for k, s in enumerate(self.slots):
                if s["family"] == "means" and (g == 0 or not means_free or self.tied[k]):
                    continue
                self.take[g, k] = index.setdefault(("all", k) if self.tied[k] else (g, k),
                                                   len(index))
        self.n_free = len(index)
        self.K = np.zeros((n_groups, self.n_local, self.n_free))
        for g in range(n_groups):
            k = np.flatnonzero(self.take[g] >= 0)
            self.K[g, k, self.take[g, k]] = 1.0

    @staticmethod
    def _aliases(slot):
        """The names a slot goes by: a covariance either way round."""
        names = {slot["name"]}
        if slot["op"] == "~~":
            names.add(parameter_name(slot["rhs"], "~~", slot["lhs"]))
        return names

    def _names(self, entries, what, source):
        """Canonical names of the parameters in `entries`; InputError for one not in the model."""
        known = set().union(*(self._aliases(s) for s in self.slots))
        names = {parameter_name(*parameter_key(e, source)) for e in entries}
        for entry in entries:
            if parameter_name(*parameter_key(entry, source)) not in known:
                raise InputError(source, f"{what} names '{entry}', which is no free "
                                 "parameter of the model.",
                                 "name a parameter as in the parameter table, e.g. `x3 ~1`.")
        return names

    def _layout_slots(self):
        layout = self.layout
        slots = [None] * layout.n_free
        for r in layout.rows:
            if r["free"] is None or slots[r["free"]] is not None:
                continue
            lhs, op, rhs = r["lhs"], r["op"], r["rhs"]
            if op == "=~":
                family = "loadings"
            elif op == "~":
                family = "regressions"
            elif lhs == rhs:
                family = "lv.variances" if lhs in layout.latent else "residuals"
            else:
                family = ("lv.covariances" if lhs in layout.latent and rhs in layout.latent
                          else "residual.covariances")
            slots[r["free"]] = dict(lhs=lhs, op=op, rhs=rhs, family=family, label=r["label"])
        return slots

    def local(self, x, g):
        """Group g's local parameter vector at x."""
        return self.K[g] @ x

    def start(self, base, means):
        """x from `base` (the layout's free parameters, the same in all groups) and each
        group's sample means as intercepts; latent means 0."""
        local = []
        for m in means:
            v = np.zeros(self.n_local)
            v[:self.layout.n_free] = base
            v[self.layout.n_free:self.layout.n_free + len(m)] = m  # intercept slots come first
            local.append(v)
        return self.pool(local)

    def pool(self, local):
        """x from one local vector per group (tied parameters: their mean over groups)."""
        total, count = np.zeros(self.n_free), np.zeros(self.n_free)
        for g, v in enumerate(local):
            free = self.take[g] >= 0
            np.add.at(total, self.take[g, free], v[free])
            np.add.at(count, self.take[g, free], 1)
        return total / count


@dataclass
class GroupSample:
    """A model and the data it is fitted to, prepared once for every fit of a ladder: the
    parsed model, its Layout and start values (Layout.start_values at the covariance of all
    complete cases), and per group (in order of first appearance, as lavaan) its label,
    complete cases n, covariance S (divisor n) and means."""
    parsed: ParsedModel
    layout: object
    start: np.ndarray
    group: str
    labels: list
    n: np.ndarray
    S: list
    means: list
    source: str = "model"


@dataclass
class GroupFit:
    """A fitted multi-group model. `params` has GROUP_COLUMNS (PARAM_COLUMNS with `group`,
    1-based as lavaan, after rhs; intercepts and latent means as op "~1"); `fit` has
    lavaan's fitMeasures names with '_' for '.'; `admissibility` lists each group's problems
    (admissibility.py's dicts, `where` prefixed by the group's label). `sample` holds the
    groups' labels (`group_labels[g - 1]` names group g), sizes and moments; `model`
    (GroupModel) places x in each group's matrices; vcov is the covariance of x, `info` the
    expected information of F (per N)."""
    sample: GroupSample
    model: GroupModel
    x: np.ndarray
    params: pd.DataFrame
    fit: dict
    admissibility: list
    converged: bool
    vcov: np.ndarray = field(repr=False)
    info: np.ndarray = field(repr=False)
    group_equal: tuple = ()
    group_partial: tuple = ()
    equal_parameters: tuple = ()
    seconds: float = 0.0

    @property
    def layout(self):
        return self.model.layout

    @property
    def group_labels(self):
        return self.sample.labels

    @property
    def n(self):
        return self.sample.n


def group_sample(model, data, group, log=None, source="model"):
    """Prepare `model` (lavaan syntax or ParsedModel) and `data` for fits by group
    `data[group]`: a GroupSample. InputError for what cannot be fitted by group: no such
    column, fewer than two groups, a group with no more complete cases than observed
    variables, := definitions, fixed observed predictors (fixed.x; a random one is fine)."""
    log = log or logging.getLogger(__name__).info
    parsed = as_parsed(model, source)
    if parsed.definitions:
        raise InputError(source, "a multi-group model cannot have := definitions (their labels "
                         "would hold paths equal across groups).",
                         "drop the := lines, e.g. with ParsedModel.measurement() for a CFA.")
    if group not in data.columns:
        raise InputError(source, f"the data has no group column '{group}'.",
                         "name the column that says which group each case belongs to.")
    _, S_all, layout, _ = load_model(parsed, data.drop(columns=group), lambda line: None, source)
    if layout.fixed_x():
        raise InputError(source, "observed exogenous predictors (lavaan's fixed.x) are not "
                         "supported in multi-group models.",
                         "name the predictor in a ~~ line (`x ~~ x`) so that it is random, as "
                         "lavaan then treats it, or leave it out.")
    known = data[data[group].notna()]
    if len(known) < len(data):
        log(f"groups: {len(data) - len(known)} rows without a value in '{group}' are left out")
    labels = list(pd.unique(known[group]))
    if len(labels) < 2:
        raise InputError(source, f"the group column '{group}' has {len(labels)} group(s).",
                         "a multi-group model needs at least two groups.")
    values = []
    for label in labels:
        frame = _prepare_data(known[known[group] == label], layout.obs, log,
                              f"{source}, group {group} = {label}",
                              "merge the group with another, leave it out, or use fewer items.")
        values.append(frame.to_numpy(float))
    return GroupSample(parsed=parsed, layout=layout, start=layout.start_values(S_all),
                       group=group, labels=[str(v) for v in labels],
                       n=np.array([len(v) for v in values]),
                       S=[np.cov(v, rowvar=False, bias=True) for v in values],
                       means=[v.mean(axis=0) for v in values], source=source)


def fit_groups(model, data, group, group_equal=(), group_partial=(), equal_parameters=(),
               start=None, log=None, source="model"):
    """Fit `model` (lavaan syntax or ParsedModel) in every group of `data[group]` by ML with a
    mean structure, as lavaan's sem(model, data, group = group, group.equal = group_equal,
    group.partial = group_partial).

    group_equal: families of FAMILIES held equal across groups; group_partial: parameters
    ("x3 ~1", "visual =~ x2") exempt from them; equal_parameters: single parameters held equal
    across groups besides (what lavaan does with labels c(b, b)); a label in the model ties
    its parameter across groups too, as in lavaan. start: a GroupFit of the same model to
    start from (the next step of an invariance ladder). Returns a GroupFit; InputError for
    a model or data that cannot be fitted.
    """
    sample = group_sample(model, data, group, log, source)
    return fit_sample(sample, group_equal, group_partial, equal_parameters, start, log)


def fit_sample(sample, group_equal=(), group_partial=(), equal_parameters=(), start=None,
               log=None):
    """fit_groups on a prepared GroupSample (several fits of one model and data)."""
    with threadpool_limits(1):
        return _fit_sample(sample, tuple(group_equal), tuple(group_partial),
                           tuple(equal_parameters), start,
                           log or logging.getLogger(__name__).info)


def _fit_sample(sample, group_equal, group_partial, equal_parameters, start, log):
    started = time.perf_counter()
    gm = GroupModel(sample.layout, len(sample.n), group_equal, group_partial, equal_parameters,
                    sample.source)
    n, S, means = sample.n, sample.S, sample.means
    weights = n / n.sum()
    S2 = [gm.fitter.fold(s) for s in S]

    def evaluate(x):
        f, caches = 0.0, []
        for g in range(gm.n_groups):
            fg, cache = gm.fitter.evaluate(gm.local(x, g), S2[g], means[g])
            if cache is None:
                return math.inf, None
            f += weights[g] * fg
            caches.append(cache)
        return f, caches

    def derivatives(caches):
        grad, info = np.zeros(gm.n_free), np.zeros((gm.n_free, gm.n_free))
        for g, cache in enumerate(caches):
            K = gm.K[g]
            grad += weights[g] * (K.T @ gm.fitter.gradient(cache, S[g]))
            info += weights[g] * (K.T @ gm.fitter.information(cache) @ K)
        return grad, info

    # Starts, until one converges: the previous model's estimates, lavaan-like start values,
    # the single-group fit of the pooled within-group covariance (fit_covariance, whose
    # bounded second start handles hard cases).
    starts = [("start values", lambda: gm.start(sample.start, means)),
              ("the fit of the pooled covariance",
               lambda: gm.start(_pooled_fit(sample), means))]
    if start is not None and (start.model.n_local, start.model.n_groups) == (gm.n_local,
                                                                              gm.n_groups):
        starts.insert(0, ("the previous model", lambda: gm.pool(
            [start.model.local(start.x, g) for g in range(gm.n_groups)])))
    for how, x0 in starts:
        x, converged, info = fisher_scoring(evaluate, derivatives, x0())
        if converged:
            break
    if info is None:
        raise InputError(sample.source, "the model-implied covariance matrix is not positive "
                         "definite at the start values, so the model cannot be fitted.",
                         "check the model for variables without variance or duplicated items.")
    fisher = n.sum() / 2 * info
    identified = np.linalg.cond(fisher) < 1e12
    vcov = np.linalg.inv(fisher) if identified else np.linalg.pinv(fisher)
    implied = [_implied(gm, x, g) for g in range(gm.n_groups)]
    params = _parameter_table(gm, x, vcov)
    result = GroupFit(sample=sample, model=gm, x=x, params=params,
                      fit=multigroup_fit_indices(list(zip(S, means, n)), implied, gm.n_free),
                      admissibility=_admissibility(sample, gm, x, params, converged, identified),
                      converged=converged, vcov=vcov, info=info, group_equal=group_equal,
                      group_partial=group_partial, equal_parameters=equal_parameters)
    result.seconds = time.perf_counter() - started
    fit = result.fit
    sizes = ", ".join(f"{label}: {k}" for label, k in zip(sample.labels, n))
    log(f"groups: G={gm.n_groups} ({sizes}), {gm.n_free} free parameters, equal: "
        f"{', '.join(group_equal) or 'none'}, chisq={fit['chisq']:.3f} df={fit['df']}, "
        f"{'converged' if converged else 'NOT converged'} "
        f"by Fisher scoring from {how} in {result.seconds:.2f} s")
    for problem in result.admissibility:
        log(f"groups admissibility: {problem['message']}")
    return result


def _pooled_fit(sample):
    """The layout's free parameters fitted to the pooled within-group covariance (one-group
    ML, fit_covariance): a start that does not diverge where raw starts do."""
    S = sum(n * S for n, S in zip(sample.n, sample.S)) / sample.n.sum()
    x, _, info, _ = fit_covariance(sample.layout, S)
    return x if info is not None and np.all(np.isfinite(x)) else sample.start


def _admissibility(sample, gm, x, params, converged, identified):
    """admissibility.py's checks in every group (model-level problems once)."""
    layout, problems = gm.layout, []
    latent = [v for v in dict.fromkeys(r["lhs"] for r in layout.rows) if v in layout.latent]
    lat_pos = [layout.inner.index(v) for v in latent]
    for g, label in enumerate(sample.labels):
        sigma, phi = layout.implied(gm.local(x, g)[:layout.n_free])
        found = check_admissibility(
            params[params["group"] == g + 1],
            pd.DataFrame(phi[np.ix_(lat_pos, lat_pos)], index=latent, columns=latent),
            pd.DataFrame(sigma, index=layout.obs, columns=layout.obs),
            converged=converged or g > 0, identified=identified or g > 0,
            scale=float(np.mean(np.diag(sample.S[g]))))
        for problem in found:
            if problem["where"] != "model":
                problem["where"] = f"{label}: {problem['where']}"
                problem["message"] = f"group {label}: {problem['message']}"
            problems.append(dict(problem, group=g + 1))
    return problems


def _implied(gm, x, g):
    """Model-implied (Sigma, mu) of group g."""
    theta = gm.local(x, g)
    mx = gm.fitter.matrices(theta)
    sigma, _ = gm.layout.implied(theta[:gm.layout.n_free])
    C = np.linalg.inv(np.eye(len(gm.layout.inner)) - mx["beta"])
    return sigma, mx["nu"] + mx["lambda"] @ C @ mx["alpha"]


def _group_rows(gm):
    """Row descriptions of one group's table: the layout's rows, then intercepts and means;
    each with the local slot it shows (or None: fixed in the layout)."""
    rows = [dict(lhs=r["lhs"], op=r["op"], rhs=r["rhs"], label=r["label"], slot=r["free"])
            for r in gm.layout.rows]
    first = gm.layout.n_free
    mean_slots = [first + n for n in range(gm.n_local - first)]
    order = {v: k for k, v in enumerate(gm.layout.obs_ordered)}
    order.update({v: k for k, v in enumerate(dict.fromkeys(r["lhs"] for r in gm.layout.rows))
                  if v in gm.layout.latent})
    # lavaan: observed intercepts in the model's order, then latent means
    mean_slots.sort(key=lambda k: (gm.slots[k]["family"] == "means", order[gm.slots[k]["lhs"]]))
    rows += [dict(lhs=gm.slots[k]["lhs"], op="~1", rhs="", label="", slot=k) for k in mean_slots]
    return rows


def _standardized(gm, theta, rows):
    """std.all of one group's rows at its local vector theta: the layout's rows as layout.py
    standardizes them, intercepts and means divided by the variable's model-implied SD."""
    layout = gm.layout
    x_cov = theta[:layout.n_free]
    variances = layout.variances(x_cov)
    with np.errstate(invalid="ignore"):
        sd = np.sqrt(np.where(variances[0] > 0, variances[0], np.nan))
    mean_sd = sd[[layout.var_index[r["lhs"]] for r in rows[len(layout.rows):]]]
    slots = [r["slot"] for r in rows[len(layout.rows):]]
    return np.r_[layout.standardized(x_cov, variances), theta[slots] / mean_sd], mean_sd


def _parameter_table(gm, x, vcov):
    """The lavaan-shaped table of every group (GROUP_COLUMNS): estimates, SEs, z, p, 95% CIs,
    std.all with delta-method SEs (numerical in the (co)variance parameters; intercepts and
    means enter std.all linearly)."""
    rows = _group_rows(gm)
    n_layout, n_cov = len(gm.layout.rows), gm.layout.n_free
    mean_rows = np.arange(n_layout, len(rows))
    mean_slots = np.array([r["slot"] for r in rows[n_layout:]], dtype=int)
    tables = []
    for g in range(gm.n_groups):
        theta = gm.local(x, g)
        K = gm.K[g]
        est = np.r_[gm.layout.estimates(theta[:n_cov]), theta[mean_slots]]
        J_est = np.zeros((len(rows), gm.n_free))
        for i, r in enumerate(rows):
            if r["slot"] is not None and gm.take[g, r["slot"]] >= 0:
                J_est[i, gm.take[g, r["slot"]]] = 1.0
        std, mean_sd = _standardized(gm, theta, rows)
        free_cov = np.flatnonzero(gm.take[g, :n_cov] >= 0)

        def std_of(v, free=free_cov, theta=theta):
            t = theta.copy()
            t[free] = v
            return _standardized(gm, t, rows)[0]

        J_local = np.zeros((len(rows), gm.n_local))
        J_local[:, free_cov] = _jacobian(std_of, theta[free_cov])
        J_local[mean_rows, mean_slots] = 1 / mean_sd
        J_std = J_local @ K
        table = pd.DataFrame([{k: r[k] for k in ("lhs", "op", "rhs", "label")} for r in rows])
        table.insert(3, "group", g + 1)
        table["est"], table["se"] = est, delta_se(J_est, vcov)
        table["std_all"], table["std_all_se"] = std, delta_se(J_std, vcov)
        tables.append(table)
    return add_tests(pd.concat(tables, ignore_index=True))[GROUP_COLUMNS]


def _group_derivatives(fit):
    """Each group's local F-gradient and expected information at the estimate."""
    gm, out = fit.model, []
    for g in range(gm.n_groups):
        S, mean = fit.sample.S[g], fit.sample.means[g]
        _, cache = gm.fitter.evaluate(gm.local(fit.x, g), gm.fitter.fold(S), mean)
        out.append((gm.fitter.gradient(cache, S), gm.fitter.information(cache)))
    return out


def score_tests(fit, families=None):
    """lavaan's lavTestScore(fit)$uni: for every equality constraint across groups (group 1's
    parameter == group g's), the score test of releasing that one constraint, the others kept.

    With x extended by group g's own copy of the parameter, the test is
    N/2 t^2 / (c - b' A^-1 b): t its F-gradient, c its information, b its information with x,
    A the information of x (all per N, as F) -- lavaan's N s' J^-1 s with the bordered
    information in its unit-information scale. `families` keeps only constraints of those
    group.equal families. Returns a DataFrame lhs, op, rhs, family, group_a, group_b, X2,
    df, pvalue, in the order of the parameters."""
    gm = fit.model
    weights = fit.n / fit.n.sum()
    per_group = _group_derivatives(fit)
    A_inv = np.linalg.pinv(fit.info, hermitian=True)
    rows = []
    for k in np.flatnonzero(gm.tied):
        s = gm.slots[k]
        if (families is not None and s["family"] not in families) or gm.take[0, k] < 0:
            continue
        for g in range(1, gm.n_groups):
            if gm.take[g, k] < 0:
                continue
            grad, info = per_group[g]
            t = weights[g] * grad[k]
            b = weights[g] * (gm.K[g].T @ info[:, k])
            denom = weights[g] * info[k, k] - b @ A_inv @ b
            x2 = fit.n.sum() / 2 * t**2 / denom if denom > 1e-12 else math.nan
            rows.append(dict(lhs=s["lhs"], op=s["op"], rhs=s["rhs"], family=s["family"],
                             group_a=1, group_b=g + 1, X2=x2, df=1,
                             pvalue=float(stats.chi2.sf(x2, 1))))
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "family", "group_a", "group_b", "X2",
                                       "df", "pvalue"])


def wald_test(fit, parameter, source="model"):
    """lavaan's lavTestWald of `parameter` ("textual ~ visual") being equal in every group
    (group 1 == group g, g = 2..G), in a fit where it is free per group. Returns dict
    (stat, df, pvalue)."""
    gm = fit.model
    name = parameter_name(*parameter_key(parameter, source))
    found = [k for k, s in enumerate(gm.slots) if s["name"] == name]
    if not found:
        raise InputError(source, f"'{parameter}' is no free parameter of the model.",
                         "name a parameter as in the parameter table, e.g. `textual ~ visual`.")
    k = found[0]
    if gm.tied[k] or (gm.take[:, k] < 0).any():
        raise InputError(source, f"'{parameter}' is not free in every group of this fit, so "
                         "its equality across groups cannot be tested.",
                         "test it in a fit that leaves it free per group.")
    R = np.zeros((gm.n_groups - 1, gm.n_free))
    R[:, gm.take[0, k]] = 1.0
    R[np.arange(gm.n_groups - 1), gm.take[1:, k]] = -1.0
    r = R @ fit.x
    stat = float(r @ np.linalg.solve(R @ fit.vcov @ R.T, r))
    df = gm.n_groups - 1
    return dict(stat=stat, df=df, pvalue=float(stats.chi2.sf(stat, df)))
