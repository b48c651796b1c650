"""Speed of our WLSMV fit against lavaan's `sem(..., ordered = items, estimator = "WLSMV")`,
same data, same model, one core each.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_wlsmv.py [--repeats 5] [--data PATH]
                                                              [--model PATH]

Default: the simulated five-point answers tests/reference/governance_data.csv and the default
model data/models/governance.lavaan, every item ordinal. Ours: fit_wlsmv (polychorics, NACOV,
DWLS, robust SEs, scaled-shifted test, fit indices, standardized solution). lavaan: sem() alone,
and sem() + standardizedSolution() + fitMeasures() (fitMeasures also refits for its robust
CFI/RMSEA, which we do not compute yet). Medians of the repeats, wall-clock and CPU; BLAS
threads 1 on both sides. Prints both and the ratios ours / lavaan (target <= 1).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from govsurvey.sem.dwls import fit_wlsmv

ROOT = Path(__file__).resolve().parents[1]


def ours(model_text, data, repeats):
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fit = fit_wlsmv(model_text, data, log=lambda line: None)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return dict(wall=statistics.median(walls), cpu=statistics.median(cpus), n=fit.n,
                chisq=fit.fit["chisq"], chisq_scaled=fit.fit["chisq_scaled"])


def lavaan(model_path, data, repeats, observed):
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        data[observed].dropna().to_csv(csv, index=False)
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        out = subprocess.run(["Rscript", str(ROOT / "benchmarks" / "bench_wlsmv_lavaan.R"),
                              str(csv), str(model_path), str(repeats)],
                             capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", default=ROOT / "tests/reference/governance_data.csv")
    parser.add_argument("--model", default=ROOT / "data/models/governance.lavaan")
    args = parser.parse_args()
    data_path = Path(args.data)
    if not data_path.exists():
        sys.exit(f"{data_path} is missing; give --data.")
    data = pd.read_parquet(data_path) if data_path.suffix == ".parquet" else pd.read_csv(data_path)
    model_text = Path(args.model).read_text(encoding="utf-8")
    import semopy

    from govsurvey.study.model import parse_model
    observed = list(semopy.Model(parse_model(model_text).semopy_text).vars["observed"])
    fit_wlsmv(model_text, data, log=lambda line: None)   # warm-up: imports, first compilation
    mine = ours(model_text, data, args.repeats)
    lav = lavaan(args.model, data, args.repeats, observed)
    print(f"data: {data_path} (N = {mine['n']}, {len(observed)} ordinal items), model: "
          f"{args.model}, WLSMV, one core, median of {args.repeats}")
    print(f"ours:   {mine['wall']:6.3f} s wall, {mine['cpu']:6.3f} s CPU   "
          f"chisq {mine['chisq']:.3f}, scaled {mine['chisq_scaled']:.3f}")
    if lav is None:
        print("lavaan: Rscript not found; no comparison")
        return
    print(f"lavaan: {lav['fit_wall']:6.3f} s wall, {lav['fit_cpu']:6.3f} s CPU (sem() alone); "
          f"{lav['full_wall']:6.3f} s wall, {lav['full_cpu']:6.3f} s CPU (+ standardizedSolution, "
          f"fitMeasures)   chisq {lav['chisq']:.3f}, scaled {lav['chisq_scaled']:.3f}   "
          f"(lavaan {lav['lavaan_version']}, {lav['r_version']})")
    print(f"ratio ours / lavaan sem() alone: {mine['wall'] / lav['fit_wall']:.3f} wall, "
          f"{mine['cpu'] / lav['fit_cpu']:.3f} CPU; against sem() + std + fitMeasures: "
          f"{mine['wall'] / lav['full_wall']:.3f} wall, {mine['cpu'] / lav['full_cpu']:.3f} CPU "
          "(target <= 1)")


if __name__ == "__main__":
    main()
