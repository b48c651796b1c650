"""Largest deviation from lavaan 0.6-14 / semTools 0.5-6, per figure, of our multi-group fits,
invariance ladder, score tests, latent means and path-equality tests.

    .venv/bin/python benchmarks/agreement_invariance.py

Cases: the fixtures of tests/test_invariance.py (HolzingerSwineford1939 by school, three
simulated streets, the three default streets), read by that module's own functions so the
figures are those the tests hold to 1e-3. Prints one row per figure: the largest absolute
difference, the case and the model where it occurs, and the number of values compared.
"""

import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_invariance import CASES, FIT_KEYS, case, fitted, keyed, ladder, paths  # noqa: E402

from govsurvey.sem.groups import score_tests  # noqa: E402


class Deviations:
    """The largest |ours - lavaan| per figure, with where it was seen."""

    def __init__(self):
        self.rows = {}

    def add(self, figure, ours, ref, where):
        ours, ref = np.asarray(ours, float), np.asarray(ref, float)
        both = ~(np.isnan(ours) & np.isnan(ref))
        if not both.any():
            return
        diff = np.abs(ours[both] - ref[both])
        diff[np.isnan(diff)] = math.inf  # one side NaN: a disagreement
        worst, n = float(diff.max()), int(both.sum())
        best, seen, count = self.rows.get(figure, (-1.0, "", 0))
        self.rows[figure] = (worst, where, count + n) if worst > best else (best, seen, count + n)

    def table(self):
        return pd.DataFrame([(f, d, w, n) for f, (d, w, n) in self.rows.items()],
                            columns=["figure", "largest deviation", "where", "values"])


def compare_case(name, dev):
    info, _, params, scores = case(name)
    for model, spec in info["fits"].items():
        fit = fitted(name, model)
        for key in FIT_KEYS:
            ref = spec["fit"][key]
            dev.add(f"fit: {key}", [fit.fit[key.replace(".", "_")]], [math.nan if ref == "NA" else ref],
                    f"{name} {model}")
        ours = keyed(fit.params, "group")
        ref = keyed(params[params["model"] == model], "group").loc[ours.index]
        for col, rcol in [("est", "est"), ("se", "se"), ("std_all", "std.all"), ("std_all_se", "std.all.se")]:
            dev.add(f"parameters: {rcol}", ours[col], ref[rcol], f"{name} {model}")
    final = ladder(name).steps.drop_duplicates("step", keep="last").set_index("step")
    for ref in info["steps"][1:]:
        for key in ("d_chisq", "d_pvalue", "d_cfi", "d_rmsea"):
            dev.add(f"ladder: {key}", [final.loc[ref["step"], key]], [ref[key]], f"{name} {ref['step']}")
    ours_scores = ladder(name).score_tests
    for model, ref in scores.groupby("model"):
        got = (ours_scores[ours_scores["model"] == model] if model in set(ours_scores["model"])
               else score_tests(fitted(name, model)))
        got, ref = keyed(got, "group_a", "group_b"), keyed(ref, "group_a", "group_b")
        dev.add("score test: X2", got["X2"], ref.loc[got.index, "X2"], f"{name} {model}")
    means = ladder(name).latent_means.set_index(["factor", "group"])
    ref = pd.DataFrame(info["latent_means"]).set_index(["factor", "group"]).loc[means.index]
    for col in ("est", "se", "ci_lower", "ci_upper", "std_diff"):
        dev.add(f"latent means: {col}", means[col], ref[col], name)
    pc = paths(name)
    ref = keyed(params[(params["model"] == "sem") & (params["op"] == "~")], "group")
    ours = keyed(pc.paths, "group")
    for col, rcol in [("est", "est"), ("se", "se"), ("std_all", "std.all")]:
        dev.add(f"paths by group: {rcol}", ours[col], ref.loc[ours.index, rcol], name)
    equality = keyed(pc.path_equality)
    ref = keyed(pd.DataFrame(info["sem"]["paths"])).loc[equality.index]
    for col in ("wald", "wald_pvalue", "d_chisq", "d_pvalue"):
        dev.add(f"path equality: {col}", equality[col], ref[col], name)


def main():
    dev = Deviations()
    for name in CASES:
        start = time.perf_counter()
        compare_case(name, dev)
        print(f"{name}: compared in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    table = dev.table()
    table["largest deviation"] = table["largest deviation"].map(lambda d: f"{d:.1e}")
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
