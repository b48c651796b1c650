"""Where every parameter of a model sits: the LISREL-like matrices Lambda, B, Psi, Theta.

`Layout` builds them from the parsed model (study.model.ParsedModel) with the defaults of
lavaan's sem(): the first loading of each factor fixed at 1 (ParsedModel.markers), free
(residual) variances of every endogenous and latent variable, free covariances among the
exogenous factors, observed exogenous predictors fixed at their sample moments (fixed.x:
`set_sample`), and what ParsedModel.lavaan_defaults() writes out (auto.cov.y, random
predictors). From then on it is plain numpy: the model-implied covariances, the lavaan-like
parameter rows and the standardized solution are functions of the free-parameter vector x,
which the ML fitter (ml.py) and the delta method use; `start_values` gives x to start from.

Placement (a RAM-like split): variables that receive arrows but send none are "outputs" with
their residual variances in Theta; all others (factors, observed predictors, observed
mediators) are "inner" with theirs in Psi. An observed inner variable loads 1 on its own
inner copy, so Sigma = Lambda (I-B)^-1 Psi (I-B)^-T Lambda' + Theta. Observed variables are
ordered outputs first, then the rest, each sorted by name; inner ones factors first.
"""

import numpy as np

from govsurvey.errors import InputError

MATRICES = ("lambda", "beta", "psi", "theta")


class Layout:
    """One model's matrices and rows. `rows` are dicts lhs, op, rhs, label, free (index into x
    or None), fixed (value when not free; None for a fixed.x moment until `set_sample`), key
    (matrix); `locations` (kind, i, j, k) place free parameter k in a matrix (k repeats for
    labels shared by several relations). `S`, when given, is the sample covariance in the
    order of `obs` (see set_sample)."""

    def __init__(self, parsed, S=None):
        statements = list(parsed.statements) + parsed.lavaan_defaults()
        markers = set(parsed.markers)
        sends, receives, named = set(), set(), []
        for s in statements:
            named += [s.lhs, s.rhs]
            if s.op == "=~":
                sends.add(s.lhs), receives.add(s.rhs)
            elif s.op == "~":
                sends.add(s.rhs), receives.add(s.lhs)
        every = set(named)
        self.latent = set(parsed.factors)
        # outputs: receive arrows and send none (or only covary); their residuals are Theta's
        outputs = every - sends
        observed = every - self.latent
        self.obs = sorted(observed & outputs) + sorted(observed - outputs)
        self.inner = sorted(self.latent - outputs) + sorted(observed - outputs)
        obs_at = {v: k for k, v in enumerate(self.obs)}
        inner_at = {v: k for k, v in enumerate(self.inner)}
        p, m = len(self.obs), len(self.inner)
        self.base = {"lambda": np.zeros((p, m)), "beta": np.zeros((m, m)),
                     "psi": np.zeros((m, m)), "theta": np.zeros((p, p))}
        for v in observed - outputs:  # an observed inner variable is its own inner copy
            self.base["lambda"][obs_at[v], inner_at[v]] = 1.0

        def place(lhs, op, rhs):
            """(matrix, row, column) of a relation."""
            if op in ("=~", "~"):
                y, x = (rhs, lhs) if op == "=~" else (lhs, rhs)
                return ("lambda", obs_at[y], inner_at[x]) if y in outputs else \
                    ("beta", inner_at[y], inner_at[x])
            if lhs in inner_at and rhs in inner_at:
                return "psi", inner_at[lhs], inner_at[rhs]
            if lhs in obs_at and rhs in obs_at:
                return "theta", obs_at[lhs], obs_at[rhs]
            raise InputError(parsed.source, f"'{lhs} ~~ {rhs}' joins a latent and an observed "
                             "variable that only receives arrows, which this model's matrices "
                             "cannot hold.", f"measure {rhs} by a single-indicator factor and "
                             "use that factor in its place.")

        # (lhs, op, rhs, label, fixed value, fixed.x) in the order lavaan's defaults add them
        relations, seen = [], set()
        for s in statements:
            key = frozenset((s.lhs, s.rhs)) if s.op == "~~" else (s.lhs, s.op, s.rhs)
            if key in seen:
                continue
            seen.add(key)
            fixed = 1.0 if s in markers else s.fixed
            relations.append((s.lhs, s.op, s.rhs, s.label, fixed, False))
        exogenous = sends - receives
        observed_x = sorted(observed & exogenous)
        for v in observed_x:  # fixed.x: the sample's variances ...
            if frozenset((v,)) not in seen:
                relations.append((v, "~~", v, "", None, True))
        for v in sorted((every - exogenous) | self.latent):  # free (residual) variances
            if frozenset((v,)) not in seen:
                relations.append((v, "~~", v, "", None, False))
        for k, a in enumerate(observed_x):  # ... and covariances
            for b in observed_x[k + 1:]:
                if frozenset((a, b)) not in seen:
                    relations.append((a, "~~", b, "", None, True))
        latent_x = sorted(self.latent & exogenous)
        for k, a in enumerate(latent_x):  # covarying exogenous factors
            for b in latent_x[k + 1:]:
                if frozenset((a, b)) not in seen:
                    relations.append((a, "~~", b, "", None, False))

        user = {(s.lhs, s.op, s.rhs): s for s in parsed.statements}
        # Order of first appearance, to put rows and variables in the order the user wrote.
        order = {}
        for s in parsed.statements:
            order.setdefault(s.lhs, len(order))
            order.setdefault(s.rhs, len(order))
        rows = []
        for lhs, op, rhs, label, fixed, fixed_x in relations:
            key, i, j = place(lhs, op, rhs)
            if op == "~~" and ((rhs, op, lhs) in user or (
                    (lhs, op, rhs) not in user and order.get(lhs, 1e9) > order.get(rhs, 1e9))):
                lhs, rhs = rhs, lhs
            rows.append(dict(lhs=lhs, op=op, rhs=rhs, label=label, free=None, fixed=fixed,
                             key=key, at=(i, j), fixed_x=fixed_x))
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
        # Free parameters numbered in the rows' order; a label shared by several relations is
        # one parameter (lavaan's equality constraint).
        self.free_names, by_label, locations, self._fixed_x_at = [], {}, [], []
        for n, r in enumerate(self.rows):
            kind, (i, j) = r["key"], r.pop("at")
            if r.pop("fixed_x"):
                self._fixed_x_at.append((kind, i, j, n))
                continue
            if r["fixed"] is not None:
                self._put(kind, i, j, r["fixed"])
                continue
            name = r["label"] or f"{r['lhs']} {r['op']} {r['rhs']}"
            if name not in by_label:
                by_label[name] = len(self.free_names)
                self.free_names.append(name)
            r["free"] = by_label[name]
            locations.append((kind, i, j, r["free"]))
        self.locations = locations
        self.n_free = len(self.free_names)
        # the locations as index arrays per matrix (both triangles of Psi, Theta), for matrices()
        self._assign = {}
        for kind in MATRICES:
            at = [(i, j, k) for kd, i, j, k in locations if kd == kind]
            if kind in ("psi", "theta"):
                at += [(j, i, k) for i, j, k in at if i != j]
            if at:
                self._assign[kind] = tuple(np.array(v, dtype=int) for v in zip(*at))
        self.row_free = np.array([-1 if r["free"] is None else r["free"] for r in self.rows])
        self.row_fixed = np.array([np.nan if r["free"] is not None or r["fixed"] is None
                                   else float(r["fixed"]) for r in self.rows])
        # Variables indexed as [observed..., inner...]; a variable both observed and inner
        # (observed in a regression) is found in both, and its residual variance is the inner
        # (psi) one.
        self.var_names = self.obs + self.inner
        index = dict(obs_at)
        index.update({v: p + k for v, k in inner_at.items()})
        self.var_index = index
        self.row_lhs_var = np.array([index[r["lhs"]] for r in self.rows], dtype=int)
        self.row_rhs_var = np.array([index[r["rhs"]] for r in self.rows], dtype=int)
        self.row_op = np.array([r["op"] for r in self.rows])
        self.obs_ordered = sorted(self.obs, key=lambda v: order.get(v, 1e9))
        if S is not None:
            self.set_sample(S)

    def _put(self, kind, i, j, value):
        self.base[kind][i, j] = value
        if kind in ("psi", "theta"):
            self.base[kind][j, i] = value

    def fixed_x(self):
        """Positions (in S) of observed exogenous predictors whose variance is fixed at the
        sample's (lavaan's fixed.x = TRUE)."""
        fixed_var = {r["lhs"] for r in self.rows
                     if r["op"] == "~~" and r["lhs"] == r["rhs"] and r["free"] is None}
        predicted = {r["lhs"] for r in self.rows if r["op"] in ("~", "=~")} | \
                    {r["rhs"] for r in self.rows if r["op"] == "=~"}
        return [k for k, v in enumerate(self.obs)
                if v in fixed_var and v in self.inner and v not in predicted]

    def set_sample(self, S):
        """Fix the fixed.x moments (Psi block and rows) at sample covariance S (in the order
        of `obs`), as lavaan does per sample."""
        for kind, i, j, n in self._fixed_x_at:
            value = float(S[self.obs.index(self.inner[i]), self.obs.index(self.inner[j])])
            self._put(kind, i, j, value)
            self.rows[n]["fixed"] = value
            self.row_fixed[n] = value

    def start_values(self, S):
        """Starting values of x at sample covariance S (order of `obs`), as lavaan's default
        start: loadings by Hägglund's FABIN 3 (instrumental variables: each indicator's
        covariances with the factor's other non-marker indicators, against the marker's) for
        a factor with three or more observed indicators, else 1; residual variances of
        observed variables half their sample variance; factor variances 0.05 (a single-
        indicator exogenous factor: its indicator's variance less the residual's); observed
        exogenous variances and covariances the sample's; everything else 0."""
        S = np.asarray(S, dtype=float)
        x = np.full(self.n_free, np.nan)
        at = {v: k for k, v in enumerate(self.obs)}
        sends = {r["rhs"] for r in self.rows if r["op"] == "~"} | \
                {r["lhs"] for r in self.rows if r["op"] == "=~"}
        receives = {r["lhs"] for r in self.rows if r["op"] == "~"} | \
                   {r["rhs"] for r in self.rows if r["op"] == "=~"}

        def put(r, value):
            if r["free"] is not None and np.isnan(x[r["free"]]) and np.isfinite(value):
                x[r["free"]] = value

        loadings = {}
        for r in self.rows:
            if r["op"] == "=~":
                loadings.setdefault(r["lhs"], []).append(r)
        for rows in loadings.values():
            for r, value in zip(rows, _fabin3(rows, at, S)):
                put(r, value)
        for r in self.rows:
            a, b = r["lhs"], r["rhs"]
            if r["op"] != "~~":
                continue
            exogenous = a not in receives and b not in receives
            if a in self.latent or b in self.latent:
                value = 0.05 if a == b else 0.0
                if a == b and exogenous and len(loadings.get(a, ())) == 1:
                    item = loadings[a][0]["rhs"]
                    if item in at:
                        resid = next((q for q in self.rows if q["op"] == "~~"
                                      and q["lhs"] == q["rhs"] == item), None)
                        fixed = 0.5 * S[at[item], at[item]] if resid is None or resid[
                            "free"] is not None else resid["fixed"]
                        value = max(S[at[item], at[item]] - fixed, 0.05)
            elif exogenous and a in sends and b in sends:  # random observed predictors
                value = S[at[a], at[b]]
            else:
                value = 0.5 * S[at[a], at[a]] if a == b else 0.0
            put(r, value)
        return np.where(np.isnan(x), 0.0, x)

    def free_vector(self, params):
        """The free-parameter vector x of a parameter table of this model (est column);
        None when the table's relations are not this model's."""
        est = {(r.lhs, r.op, r.rhs): r.est for r in params.itertuples() if r.op != ":="}
        x = np.full(self.n_free, np.nan)
        for r in self.rows:
            key = (r["lhs"], r["op"], r["rhs"])
            if key not in est:
                return None
            if r["free"] is not None:
                x[r["free"]] = est[key]
        return None if np.isnan(x).any() or len(est) != len(self.rows) else x

    def matrices(self, x):
        """Lambda, B, Psi, Theta at free parameters x (symmetric matrices in both triangles)."""
        out = {k: m.copy() for k, m in self.base.items()}
        x = np.asarray(x, dtype=float)
        for kind, (i, j, k) in self._assign.items():
            out[kind][i, j] = x[k]
        return out

    def _moments(self, x):
        m = self.matrices(x)
        c = np.linalg.inv(np.eye(len(self.inner)) - m["beta"])
        phi = c @ m["psi"] @ c.T
        sigma = m["lambda"] @ phi @ m["lambda"].T + m["theta"]
        return m, sigma, phi

    def implied(self, x):
        """Implied Sigma (observed) and Phi (total covariance of the inner variables)."""
        return self._moments(x)[1:]

    def estimates(self, x):
        return np.where(self.row_free >= 0, np.asarray(x)[np.maximum(self.row_free, 0)],
                        self.row_fixed)

    def variances(self, x):
        """Total and residual variance of every variable, in the order of self.var_names."""
        m, sigma, phi = self._moments(x)
        total = np.concatenate([np.diag(sigma), np.diag(phi)])
        resid = np.concatenate([np.diag(m["theta"]), np.diag(m["psi"])])
        return total, resid

    def standardized(self, x, variances=None):
        """lavaan's std.all for every row (lav_standardize_all with cov.std = TRUE);
        `variances`: self.variances(x), when the caller has them."""
        est = self.estimates(x)
        total, resid = self.variances(x) if variances is None else variances
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


def _fabin3(rows, at, S):
    """FABIN 3 start values of one factor's loadings `rows` (Hägglund 1982), scaled by its
    marker (the first fixed loading): loading_j = c * s_jI W s_Im / (s_mI W s_Im), I the
    other non-marker indicators, W = S_II^-1. 1 (times the marker's sign) where the factor
    has fewer than three observed indicators, an indicator is latent (second order), or the
    three covariances of a three-indicator factor multiply to a negative number."""
    marker = next((k for k, r in enumerate(rows) if r["free"] is None and r["fixed"]), None)
    sign = 1.0 if marker is None else float(np.sign(rows[marker]["fixed"]))
    plain = [sign] * len(rows)
    if marker is None or len(rows) < 3 or any(r["rhs"] not in at for r in rows):
        return plain
    idx = [at[r["rhs"]] for r in rows]
    C = S[np.ix_(idx, idx)]
    if len(rows) == 3 and C[0, 1] * C[0, 2] * C[1, 2] < 0:
        return plain
    out = []
    for j in range(len(rows)):
        inst = [k for k in range(len(rows)) if k not in (marker, j)]
        if j == marker:
            out.append(float(rows[marker]["fixed"]))
            continue
        try:
            w = np.linalg.solve(C[np.ix_(inst, inst)], C[inst, marker])
        except np.linalg.LinAlgError:
            out.append(sign)
            continue
        value = rows[marker]["fixed"] * (C[j, inst] @ w) / (C[marker, inst] @ w)
        out.append(float(value) if np.isfinite(value) else sign)
    return out
