"""The Monte Carlo replications: draw N records from the population, refit, test.

Replication r at sample size N draws N records from N(0, Σ), Σ the population's model-implied
covariance (population.py), with `np.random.default_rng([seed, N, r])`, forms their covariance
matrix S (divided by N, as lavaan) and minimises F_ML(S) with the study's ML fitter
(sem.ml.MLFitter.bfgs) from the population values, whose inverse expected information is the
first inverse Hessian: the bootstrap's fit (sem.bootstrap), without semopy, pandas or model
construction inside the loop. Since a replication depends only on (seed, N, r), any split of
the replications into shards gives the same results.

Each converged replication is tested as the sem step tests the study's own estimates: standard
errors from the inverse expected information at the estimate (N/2 · information, as
sem.fit._finish), a Wald z test of each structural path (est / se), and of each indirect effect
the delta-method z test of the product of its paths (the first-order delta method, i.e. the
Sobel test for a route through one mediator; sem.effects.effects_table's SE). The status of a
replication is `not_converged`, or lavaan's post-check (`admissible`, `negative_variance`,
`latent_cov_not_pd`, `theta_not_pd`; sem.ml.MLFitter.problem).
"""

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from govsurvey.sem.bootstrap import shard_range
from govsurvey.sem.effects import EffectValues
from govsurvey.sem.ml import MLFitter, threadpool_limits
from govsurvey.study.routes import ARROW, model_effects

STATUSES = ("admissible", "not_converged", "negative_variance", "latent_cov_not_pd",
            "theta_not_pd")
# the effects whose power is planned besides the paths (direct effects are the paths)
EFFECT_KINDS = ("indirect", "total_indirect")


@dataclass
class Target:
    """One tested parameter: a structural path (kind 'path') or an effect (sem.effects kinds).
    `key` names its columns in the replications (est:<key>, se:<key>)."""
    key: str
    kind: str
    route: str
    label: str
    population: float      # population value (unstandardized, as tested)
    population_std: float  # its std.all value in the population


class Plan:
    """What every replication needs, set up once from a Population."""

    def __init__(self, population):
        layout = self.layout = population.layout
        self.population = population
        self.x0 = np.array(population.x, dtype=float)
        self.fitter = MLFitter(layout)
        self.chol = np.linalg.cholesky(population.sigma)
        self.p = len(layout.obs)
        S = population.sigma
        self.fitter.set_sample(S)
        _, cache = self.fitter.evaluate(self.x0, self.fitter.fold(S))
        self.h0 = np.linalg.pinv(self.fitter.information(cache), hermitian=True)
        est, std = layout.estimates(self.x0), layout.standardized(self.x0)
        # structural paths: the free `~` rows
        self.path_rows = [k for k, r in enumerate(layout.rows) if r["op"] == "~" and r["free"] is not None]
        self.path_free = np.array([layout.rows[k]["free"] for k in self.path_rows], int)
        targets = [Target(f"path:{layout.rows[k]['lhs']}~{layout.rows[k]['rhs']}", "path",
                          f"{layout.rows[k]['rhs']}{ARROW}{layout.rows[k]['lhs']}",
                          layout.rows[k]["label"], float(est[k]), float(std[k]))
                   for k in self.path_rows]
        # effects: indirect routes and total indirect effects that are more than one route
        chosen, seen = [], set()
        for e in model_effects(population.parsed):
            terms = frozenset(e.terms)
            if e.kind in EFFECT_KINDS and e.direct_in_model and terms not in seen:
                seen.add(terms)
                chosen.append(e)
        self.effects = EffectValues(chosen, layout)
        self._product_terms(layout)
        values, values_std = self.effects.values(est), self.effects.values(std)
        targets += [Target(e.key, e.kind, e.route, e.label, float(v), float(s))
                    for e, v, s in zip(self.effects.effects, values, values_std)]
        self.targets = targets
        # d(row value)/d(x) for the free rows, to carry the effects' Jacobian to x
        self.free_rows = np.flatnonzero(layout.row_free >= 0)
        self.J_rows = np.zeros((len(self.free_rows), len(self.x0)))
        self.J_rows[np.arange(len(self.free_rows)), layout.row_free[self.free_rows]] = 1.0

    def _product_terms(self, layout):
        """The effects' routes as index arrays, for their values and Jacobian without Python
        loops in every replication: route t is the product of rows terms[t] (padded with the
        index of a constant 1), and belongs to effect owner[t]."""
        routes = [(i, rows) for i, terms in enumerate(self.effects.terms) for rows in terms]
        width = max((len(rows) for _, rows in routes), default=1)
        one = len(layout.rows)  # the padding: a row whose value is 1
        self._owner = np.array([i for i, _ in routes], int)
        self._terms = np.full((len(routes), width), one, int)
        for t, (_, rows) in enumerate(routes):
            self._terms[t, :len(rows)] = rows
        self._n_effects = len(self.effects.effects)

    def effect_values(self, row_values):
        """(values, d values / d free parameters) of the effects at the rows' values."""
        v = np.append(row_values, 1.0)[self._terms]            # routes x width
        values = np.zeros(self._n_effects)
        np.add.at(values, self._owner, v.prod(axis=1))
        D = np.zeros((self._n_effects, len(row_values) + 1))
        for k in range(v.shape[1]):                             # d product / d its k-th row
            others = np.prod(np.delete(v, k, axis=1), axis=1)
            np.add.at(D, (self._owner, self._terms[:, k]), others)
        return values, D[:, self.free_rows] @ self.J_rows

    @property
    def keys(self):
        return [t.key for t in self.targets]

    def replicate(self, n, r, seed):
        """Replication r at size n: (status, estimates, standard errors) of the targets;
        NaN unless converged."""
        rng = np.random.default_rng([seed, n, r])
        sample = rng.standard_normal((n, self.p)) @ self.chol.T
        centred = sample - sample.mean(axis=0)
        S = centred.T @ centred / n
        k = len(self.targets)
        self.fitter.set_sample(S)
        x, converged, cache = self.fitter.bfgs(S, self.x0, self.h0, 2e-10 / n)
        if not converged:
            return "not_converged", np.full(k, np.nan), np.full(k, np.nan)
        status = self.fitter.problem(cache) or "admissible"
        fisher = n / 2 * self.fitter.information(cache)
        try:
            vcov = np.linalg.inv(fisher)
        except np.linalg.LinAlgError:
            vcov = np.linalg.pinv(fisher, hermitian=True)
        est_rows = self.layout.estimates(x)
        est = [x[self.path_free]]
        se = [np.sqrt(np.clip(np.diagonal(vcov)[self.path_free], 0, None))]
        if self.effects.effects:
            values, J = self.effect_values(est_rows)
            est.append(values)
            se.append(np.sqrt(np.clip(((J @ vcov) * J).sum(axis=1), 0, None)))
        return status, np.concatenate(est), np.concatenate(se)


def tasks(sizes, replications):
    """Every (N, r) of the study, in the order the shards split them."""
    return [(int(n), r) for n in sizes for r in range(replications)]


def run_replications(plan, work, seed, log=None):
    """The replications `work` ((N, r) pairs). Returns a DataFrame, one row per replication:
    n, replication, status (STATUSES), est:<key> and se:<key> per target. No timings: those go
    to the log, so that the file is the same on every run."""
    log = log or (lambda line: None)
    keys = plan.keys
    est = np.full((len(work), len(keys)), np.nan)
    se = np.full((len(work), len(keys)), np.nan)
    status = []
    started = time.perf_counter()
    with threadpool_limits(1):
        for row, (n, r) in enumerate(work):
            state, est[row], se[row] = plan.replicate(n, r, seed)
            status.append(state)
    seconds = time.perf_counter() - started
    frame = pd.DataFrame({"n": np.array([n for n, _ in work], dtype=np.int64),
                          "replication": np.array([r for _, r in work], dtype=np.int64),
                          "status": status})
    frame = pd.concat([frame, pd.DataFrame(est, columns=[f"est:{k}" for k in keys]),
                       pd.DataFrame(se, columns=[f"se:{k}" for k in keys])], axis=1)
    if len(work):
        counts = ", ".join(f"{k} {v}" for k, v in frame["status"].value_counts().items())
        log(f"power: {len(work)} replications ({counts}) in {seconds:.2f} s "
            f"({1000 * seconds / len(work):.2f} ms each)")
    return frame


def shard_work(sizes, replications, shards, shard):
    """The (N, r) pairs of shard `shard` (0-based) of `shards`."""
    work = tasks(sizes, replications)
    return [work[i] for i in shard_range(len(work), shards, shard)]
