"""The population the replications are drawn from: a model's parameter values, by default the
study's ML estimates (results/<street>/sem/params.parquet), optionally with some of them set to
other values in config (`power: population:`), e.g. a path at the smallest effect of interest
or at 0 to see the test's type I error."""

import re
from dataclasses import dataclass

import numpy as np

from govsurvey.errors import InputError
from govsurvey.sem.fit import restore_fit
from govsurvey.study.routes import model_effects

_RELATION = re.compile(r"^\s*(\S+?)\s*(=~|~~|~)\s*(\S+)\s*$")


@dataclass
class Population:
    """`layout`: where each free parameter sits (sem.layout.Layout); `x`: the population value
    of every free parameter; `sigma`: the model-implied covariance of the observed variables at
    x (the data are drawn from N(0, sigma)); `parsed`: the model; `study_n`: the study's sample
    size; `df`: the model's degrees of freedom; `set`: {parameter: value} set by config."""
    parsed: object
    layout: object
    x: np.ndarray
    sigma: np.ndarray
    study_n: int
    df: int
    set: dict


def _free_index(layout, key, source):
    """The index in x of the parameter `key`: a label (a1) or a relation ('PL ~ OB')."""
    rows = [r for r in layout.rows if r["label"] == key]
    if not rows:
        match = _RELATION.match(key)
        if match:
            lhs, op, rhs = match.groups()
            rows = [r for r in layout.rows if (r["lhs"], r["op"], r["rhs"]) == (lhs, op, rhs)
                    or (op == "~~" and (r["lhs"], r["op"], r["rhs"]) == (rhs, op, lhs))]
    if not rows:
        labels = [r["label"] for r in layout.rows if r["label"]]
        raise InputError(source, f"power.population names '{key}', which is no label and no "
                         "relation of the model.",
                         f"use a label of the model ({', '.join(labels[:12]) or 'none'}) or a "
                         "relation as written in the model file, e.g. 'PL ~ OB'.")
    if rows[0]["free"] is None:
        raise InputError(source, f"power.population sets '{key}', which the model fixes "
                         f"at {rows[0]['fixed']:g}.",
                         "set only free parameters; to change a fixed one, change the model.")
    return rows[0]["free"]


def population_from_fit(fit, values=None, source="config.yaml"):
    """The Population of a SemFit: its estimates, with `values` ({label or relation: value})
    replacing some. InputError when a key is not a free parameter of the model, or when the
    values give a covariance matrix that is not positive definite."""
    layout = fit.layout
    x = np.array(fit.x, dtype=float)
    values = dict(values or {})
    for key, value in values.items():
        x[_free_index(layout, str(key), source)] = float(value)
    sigma, _ = layout.implied(x)
    if not np.all(np.isfinite(sigma)) or np.linalg.eigvalsh(sigma)[0] <= 0:
        raise InputError(source, "the population values "
                         f"({', '.join(f'{k} = {v}' for k, v in values.items()) or 'the fitted estimates'}) "
                         "give a model-implied covariance matrix that is not positive definite, "
                         "so no data can be drawn from it.",
                         "choose values nearer the fitted estimates (a path so large that a "
                         "residual variance would have to be negative is impossible).")
    p = len(layout.obs)
    df = int(p * (p + 1) // 2 - len(x))
    return Population(parsed=fit.parsed, layout=layout, x=x, sigma=sigma, study_n=int(fit.n),
                      df=df, set=values)


def study_population(model, data, params, values=None, log=None, source="model",
                     config_source="config.yaml"):
    """The Population of the study: its fit restored from the sem step's parameter table
    (sem.fit.restore_fit: no refit), with config's `values` on top."""
    fit = restore_fit(model, data, params, log=log, source=source)
    if not any(e.kind != "defined" for e in model_effects(fit.parsed)) and not any(
            r["op"] == "~" for r in fit.layout.rows):
        raise InputError(source, "the model has no regressions, so there is no path whose "
                         "power could be planned.", "switch the power study off with "
                         "`power: enabled: false` in the config.")
    return population_from_fit(fit, values, source=config_source)
