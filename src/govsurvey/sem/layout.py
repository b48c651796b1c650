"""Where every parameter of a model sits: the LISREL-like matrices Lambda, B, Psi, Theta.

semopy builds the matrices from the model text (its parser applies lavaan's defaults: first
loading fixed to 1, free residual variances, covarying exogenous factors, fixed.x). `Layout`
takes them once from a loaded semopy model and is from then on plain numpy: the model-implied
covariances, the lavaan-like parameter rows and the standardized solution are functions of
the free-parameter vector x, which the ML fitter (ml.py) and the delta method use.
"""

import numpy as np

MATRICES = ("lambda", "beta", "psi", "theta")


class Layout:
    """One model's matrices and rows. `rows` are dicts lhs, op, rhs, label, free (index into x
    or None), fixed (value when not free), key (matrix); `locations` (kind, i, j, k) place free
    parameter k in a matrix (k repeats for labels shared by several relations)."""

    def __init__(self, model, parsed):
        mats = {"lambda": model.mx_lambda, "beta": model.mx_beta,
                "psi": model.mx_psi, "theta": model.mx_theta}
        self.base = {k: np.array(m, dtype=float) for k, m in mats.items()}
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
        rows, locations = [], []
        for name, p in model.parameters.items():
            for loc in p.locations:
                key = next(k for k, mx in mats.items() if loc.matrix is mx)
                i, j = loc.indices
                if p.active:
                    locations.append((key, i, j, free_index[name]))
                if key == "lambda":
                    lhs, op, rhs = self.inner[j], "=~", self.obs[i]
                    if (rhs, "~", lhs) in user:  # observed on observed: semopy keeps it in Lambda
                        lhs, op, rhs = rhs, "~", lhs
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
        """Positions (in S) of observed exogenous predictors whose variance semopy fixed at the
        sample's (lavaan's fixed.x = TRUE)."""
        fixed_var = {r["lhs"] for r in self.rows
                     if r["op"] == "~~" and r["lhs"] == r["rhs"] and r["free"] is None}
        predicted = {r["lhs"] for r in self.rows if r["op"] in ("~", "=~")} | \
                    {r["rhs"] for r in self.rows if r["op"] == "=~"}
        return [k for k, v in enumerate(self.obs)
                if v in fixed_var and v in self.inner and v not in predicted]

    def set_sample(self, S):
        """Fix the fixed.x block of Psi at sample covariance S (as lavaan does per sample)."""
        fx = self.fixed_x()
        if fx:
            inner = [self.inner.index(self.obs[k]) for k in fx]
            self.base["psi"][np.ix_(inner, inner)] = S[np.ix_(fx, fx)]

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
