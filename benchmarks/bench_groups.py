"""Speed of our multi-group fits against lavaan's, same data, one core.

    .venv/bin/python benchmarks/bench_groups.py [--groups 3] [--n 400] [--seed 1]

Data: the default study's CFA (data/models/governance.lavaan: 8 factors x 4 items) simulated
in G groups of n cases (equal loadings, latent means shifted by group). Times each step of the
invariance ladder (configural, metric, scalar, strict) as one fit: ours (fit_groups: parameter
table with std.all SEs and fit indices included) and lavaan's cfa(group =, group.equal =)
with fitMeasures, when Rscript with lavaan is present. Prints wall-clock and CPU seconds and
chi-square of both; CPU time is the fairer figure on a busy machine.
"""

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from govsurvey.sem import fit_groups
from govsurvey.study.model import read_model

ROOT = Path(__file__).resolve().parents[1]
STEPS = {"configural": [], "metric": ["loadings"], "scalar": ["loadings", "intercepts"],
         "strict": ["loadings", "intercepts", "residuals"]}
LAVAAN = """
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1]); model <- paste(readLines(a[2]), collapse = "\\n")
steps <- fromJSON(a[3], simplifyVector = FALSE)
out <- lapply(steps, function(eq) {
  eq <- if (length(eq)) unlist(eq) else ""
  t <- system.time(f <- cfa(model, d, group = "group", group.equal = eq))
  t2 <- system.time(fm <- fitMeasures(f, c("chisq", "cfi", "rmsea", "srmr")))
  list(wall = t[["elapsed"]] + t2[["elapsed"]], cpu = t[["user.self"]] + t2[["user.self"]],
       chisq = fm[["chisq"]])
})
cat(toJSON(out, auto_unbox = TRUE, digits = NA))
"""


def simulate(factors, groups, n, seed):
    rng = np.random.default_rng(seed)
    items = [i for f in factors.values() for i in f]
    frames = []
    for g in range(groups):
        phi = 0.3 + 0.7 * np.eye(len(factors))
        eta = rng.multivariate_normal(np.full(len(factors), 0.2 * g), phi, size=n)
        cols = {}
        for k, f in enumerate(factors.values()):
            for item, lam in zip(f, [1.0, 0.8, 0.7, 0.6]):
                cols[item] = 3 + lam * eta[:, k] + rng.normal(scale=0.6, size=n)
        frames.append(pd.DataFrame(cols)[items].assign(group=f"g{g + 1}"))
    return pd.concat(frames, ignore_index=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=3)
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    cfa = read_model(ROOT / "data/models/governance.lavaan").measurement()
    data = simulate(cfa.factors, args.groups, args.n, args.seed)
    print(f"{len(cfa.indicators)} items, {len(cfa.factors)} factors, {args.groups} groups "
          f"x {args.n} cases")
    ours = {}
    for step, equal in STEPS.items():
        wall, cpu = time.perf_counter(), time.process_time()
        fit = fit_groups(cfa, data, "group", equal, log=lambda line: None)
        ours[step] = (time.perf_counter() - wall, time.process_time() - cpu, fit.fit["chisq"])
    theirs = None
    if shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            csv, model, script = (Path(tmp) / n for n in ("d.csv", "m.lavaan", "b.R"))
            data.to_csv(csv, index=False)
            model.write_text(cfa.text())
            script.write_text(LAVAAN)
            env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
            out = subprocess.run(["Rscript", str(script), str(csv), str(model),
                                  json.dumps(list(STEPS.values()))],
                                 capture_output=True, text=True, env=env, check=True)
            theirs = dict(zip(STEPS, json.loads(out.stdout)))
    print(f"{'step':<11} {'ours wall':>9} {'ours cpu':>9} {'lavaan wall':>11} "
          f"{'lavaan cpu':>10}  chisq ours / lavaan")
    for step, (wall, cpu, chisq) in ours.items():
        lav = theirs[step] if theirs else None
        print(f"{step:<11} {wall:9.2f} {cpu:9.2f} "
              + (f"{lav['wall']:11.2f} {lav['cpu']:10.2f}  {chisq:.3f} / {lav['chisq']:.3f}"
                 if lav else f"{'':>11} {'':>10}  {chisq:.3f}"))


if __name__ == "__main__":
    main()
