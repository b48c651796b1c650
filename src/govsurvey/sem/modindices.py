"""lavaan's modification indices for the parameters a measurement model leaves out."""

import numpy as np
import pandas as pd

from govsurvey.sem.ml import MLFitter, threadpool_limits


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
    layout, x = fit.layout, fit.x
    sigma, phi = layout.implied(x)
    mats = layout.matrices(x)
    lam, theta = mats["lambda"], mats["theta"]
    obs, inner = layout.obs, layout.inner
    have = {(r["lhs"], r["op"], r["rhs"]) for r in layout.rows if r["free"] is not None}
    have |= {(b, op, a) for a, op, b in have if op == "~~"}
    candidates, extra = [], []
    for f in (v for v in inner if v in layout.latent):  # cross-loadings
        j = inner.index(f)
        for i, item in enumerate(obs):
            if (f, "=~", item) not in have and lam[i, j] == 0:
                candidates.append((f, "=~", item, "loading", i, j))
                extra.append(("lambda", i, j))
    order = {v: k for k, v in enumerate(layout.obs_ordered)}
    for a in range(len(obs)):  # residual covariances of the observed variables
        for b in range(a + 1, len(obs)):
            if (obs[a], "~~", obs[b]) in have or theta[a, b] != 0:
                continue
            lhs, rhs = sorted((a, b), key=lambda k: order[obs[k]])
            candidates.append((obs[lhs], "~~", obs[rhs], "residual", lhs, rhs))
            extra.append(("theta", a, b))
    if not candidates:
        return pd.DataFrame(columns=["lhs", "op", "rhs", "mi", "epc", "sepc_all"])
    fitter = MLFitter(layout, extra)
    fitter.set_sample(fit.S)
    x_all = np.r_[x, np.zeros(len(extra))]
    _, cache = fitter.evaluate(x_all, fitter.fold(fit.S))
    info = 0.5 * fitter.information(cache)
    score = -0.5 * fitter.gradient(cache, fit.S)
    k = len(x)
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
