"""Speed of our estimators against lavaan's on the same data, same model, one core each.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_estimators.py [--estimator MLR|WLSMV]
        [--repeats 10] [--data tests/reference/governance_data.csv]
        [--model data/models/governance.lavaan]

One function per estimator (ESTIMATORS: MLR, and WLSMV with every item ordinal). Each side
fits once to warm up, then `repeats` times; the medians are printed, wall-clock and CPU,
with the ratio ours / lavaan (the target is <= 1). lavaan is timed twice: sem() alone, and
sem() + fitMeasures() + standardizedSolution(), which is what our fit_sem returns in one call
(estimates, SEs, std.all with SEs, := effects, every fit index). Both sides run
single-threaded (threadpoolctl here, OPENBLAS/OMP threads = 1 for R), in the same run.
lavaan needs Rscript with lavaan and jsonlite.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from govsurvey.sem import fit_sem
from govsurvey.sem.dwls import fit_wlsmv

ROOT = Path(__file__).resolve().parents[1]


def _timed(run, repeats):
    run()  # warm-up: imports, first compilation of the parser
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        result = run()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return dict(wall=statistics.median(wall), cpu=statistics.median(cpu), result=result)


def ours_mlr(model_text, data, repeats):
    """Our MLR fit: fit_sem(estimator="MLR"), estimates to robust indices."""
    out = _timed(lambda: fit_sem(model_text, data, log=lambda _: None, estimator="MLR"),
                 repeats)
    fit = out.pop("result")
    out.update(n=fit.n, chisq_scaled=fit.fit["chisq_scaled"])
    return out


def ours_wlsmv(model_text, data, repeats):
    """Our WLSMV fit, every item ordinal: polychorics and their NACOV, DWLS, robust SEs, the
    scaled-and-shifted test, fit indices, standardized solution."""
    out = _timed(lambda: fit_wlsmv(model_text, data, log=lambda _: None), repeats)
    fit = out.pop("result")
    out.update(n=fit.n, chisq_scaled=fit.fit["chisq_scaled"])
    return out


ESTIMATORS = {"MLR": ours_mlr, "WLSMV": ours_wlsmv}


def lavaan(model_path, data, estimator, repeats):
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        data.to_csv(csv, index=False)
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        out = subprocess.run(["Rscript", str(ROOT / "benchmarks" / "bench_estimators_lavaan.R"),
                              str(csv), str(model_path), estimator, str(repeats)],
                             capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estimator", choices=sorted(ESTIMATORS), default="MLR")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--data", default=ROOT / "tests/reference/governance_data.csv")
    parser.add_argument("--model", default=ROOT / "data/models/governance.lavaan")
    args = parser.parse_args()
    data = pd.read_csv(args.data)
    model_text = Path(args.model).read_text(encoding="utf-8")
    ours = ESTIMATORS[args.estimator](model_text, data, args.repeats)
    lav = lavaan(args.model, data, args.estimator, args.repeats)
    print(f"{args.estimator}: data {args.data} (N = {ours['n']}), model {args.model}, "
          f"median of {args.repeats} fits, one core each")
    print(f"ours:                       {1000 * ours['wall']:8.1f} ms wall "
          f"{1000 * ours['cpu']:8.1f} ms CPU   scaled chisq {ours['chisq_scaled']:.4f}")
    if lav is None:
        print("lavaan: Rscript not found; no comparison")
        return
    print(f"lavaan sem():               {1000 * lav['fit_wall']:8.1f} ms wall "
          f"{1000 * lav['fit_cpu']:8.1f} ms CPU   scaled chisq {lav['chisq_scaled']:.4f} "
          f"(lavaan {lav['lavaan_version']}, {lav['r_version']})")
    print(f"lavaan sem() + fitMeasures() + standardizedSolution(): "
          f"{1000 * lav['full_wall']:8.1f} ms wall {1000 * lav['full_cpu']:8.1f} ms CPU")
    print(f"ratio ours / lavaan sem():  {ours['wall'] / lav['fit_wall']:.3f} wall, "
          f"{ours['cpu'] / max(lav['fit_cpu'], 1e-9):.3f} CPU (target <= 1)")
    print(f"ratio ours / lavaan full:   {ours['wall'] / lav['full_wall']:.3f} wall, "
          f"{ours['cpu'] / max(lav['full_cpu'], 1e-9):.3f} CPU")


if __name__ == "__main__":
    main()
