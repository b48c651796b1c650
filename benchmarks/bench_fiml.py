"""Speed of our FIML fits (missing = "ml", with ML and with MLR) against lavaan's, same data,
one core each.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_fiml.py [--repeat 3]

Data: the default model (data/models/governance.lavaan) on the simulated governance answers
with planted missing values (tests/reference/fiml_governance_data.csv, written by
make_fiml_reference.R: about 10% MCAR, some MAR, one empty record). Ours: fit_fiml (parameter
table with std.all SEs, := effects, every fit measure incl. the robust ones). lavaan's:
sem(missing = "ml"[, estimator = "MLR"]) plus fitMeasures(). Prints wall-clock and CPU seconds,
chi-square of both and the ratio (ours / lavaan's; below 1 = faster)."""

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd

from govsurvey.sem.fiml import fit_fiml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "reference" / "fiml_governance_data.csv"
MODEL = ROOT / "data" / "models" / "governance.lavaan"
LAVAAN = """
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1]); model <- paste(readLines(a[2]), collapse = "\\n")
out <- lapply(c("ML", "MLR"), function(est) {
  t <- system.time(f <- suppressWarnings(sem(model, d, missing = "ml", estimator = est)))
  t2 <- system.time(fm <- fitMeasures(f))
  list(estimator = est, wall = t[["elapsed"]] + t2[["elapsed"]],
       cpu = t[["user.self"]] + t2[["user.self"]], wall_fit = t[["elapsed"]],
       chisq = fm[["chisq"]])
})
cat(toJSON(out, auto_unbox = TRUE, digits = NA))
"""


def ours(data, model, robust, repeat):
    best = None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fit = fit_fiml(model, data, robust=robust, log=lambda s: None)
        t = (time.perf_counter() - w, time.process_time() - c)
        best = t if best is None or t[0] < best[0] else best
    return best, fit.fit["chisq"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="our fits: best of this many")
    args = ap.parse_args()
    data, model = pd.read_csv(DATA), MODEL.read_text()
    rows = {}
    for robust, est in ((False, "ML"), (True, "MLR")):
        (wall, cpu), chisq = ours(data, model, robust, args.repeat)
        rows[est] = dict(ours_wall=wall, ours_cpu=cpu, ours_chisq=chisq)
    if shutil.which("Rscript"):
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        out = subprocess.run(["Rscript", "-e", LAVAAN, str(DATA), str(MODEL)], env=env,
                             capture_output=True, text=True, check=True).stdout
        for r in json.loads(out):
            rows[r["estimator"]].update(lavaan_wall=r["wall"], lavaan_cpu=r["cpu"],
                                        lavaan_wall_fit_only=r["wall_fit"],
                                        lavaan_chisq=r["chisq"])
    print(f"FIML, default model, N = {len(data)} ({int(data.isna().any(axis=1).sum())} records "
          "with missing answers), one core")
    for est, r in rows.items():
        line = (f"{est:4s} ours {r['ours_wall']:7.2f} s wall {r['ours_cpu']:7.2f} s cpu "
                f"chisq {r['ours_chisq']:.4f}")
        if "lavaan_wall" in r:
            line += (f" | lavaan {r['lavaan_wall']:7.2f} s wall {r['lavaan_cpu']:7.2f} s cpu "
                     f"(sem() alone {r['lavaan_wall_fit_only']:.2f} s) chisq "
                     f"{r['lavaan_chisq']:.4f} | ratio ours/lavaan "
                     f"{r['ours_wall'] / r['lavaan_wall']:.3f} wall, "
                     f"{r['ours_cpu'] / r['lavaan_cpu']:.3f} cpu")
        print(line)


if __name__ == "__main__":
    main()
