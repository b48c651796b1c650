"""Speed of our bootstrap against lavaan's `se = "bootstrap"`, same data, same B, one core.

    .venv/bin/python benchmarks/bench_bootstrap.py [--draws 300] [--data PATH] [--model PATH]

Default data: the cleaned default study, results/l_street/clean/scored.parquet (make it with
`snakemake --cores 2`). Both sides time the draws only (lavaan: bootstrap fit minus plain fit)
and run single-threaded (threadpoolctl here; OPENBLAS/OMP threads = 1 for R). Prints ms per
draw, wall-clock and CPU, for each and the ratio ours / lavaan; the target is <= 0.5.
CPU time is the fairer figure on a busy machine. lavaan needs Rscript with lavaan, jsonlite.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from govsurvey.sem import fit_sem
from govsurvey.sem.bootstrap import prepare_bootstrap, run_draws

ROOT = Path(__file__).resolve().parents[1]


def ours(model_text, data, draws, seed):
    boot = prepare_bootstrap(fit_sem(model_text, data, log=lambda line: None))
    wall, cpu = time.perf_counter(), time.process_time()
    frame = run_draws(boot, range(draws), seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return dict(ms_per_draw=1000 * wall / draws, cpu_ms_per_draw=1000 * cpu / draws,
                statuses=frame["status"].value_counts().to_dict(), observed=boot.fit.n)


def lavaan(model_path, data, draws, seed, observed):
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        data[observed].dropna().to_csv(csv, index=False)
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        out = subprocess.run(["Rscript", str(ROOT / "benchmarks" / "bench_bootstrap_lavaan.R"),
                              str(csv), str(model_path), str(draws), str(seed)],
                             capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20260903)
    parser.add_argument("--data", default=ROOT / "results/l_street/clean/scored.parquet")
    parser.add_argument("--model", default=ROOT / "data/models/governance.lavaan")
    args = parser.parse_args()
    data_path = Path(args.data)
    if not data_path.exists():
        sys.exit(f"{data_path} is missing: run `snakemake --cores 2` first, or give --data.")
    data = pd.read_parquet(data_path) if data_path.suffix == ".parquet" else pd.read_csv(data_path)
    model_text = Path(args.model).read_text(encoding="utf-8")
    ours_result = ours(model_text, data, args.draws, args.seed)
    from govsurvey.sem.layout import Layout
    from govsurvey.study.model import parse_model
    observed = Layout(parse_model(model_text)).obs
    lav = lavaan(args.model, data, args.draws, args.seed, observed)
    print(f"data: {data_path} (N = {ours_result['observed']}, {len(observed)} indicators), "
          f"model: {args.model}, B = {args.draws}, one core")
    print(f"ours:   {ours_result['ms_per_draw']:7.2f} ms/draw wall, "
          f"{ours_result['cpu_ms_per_draw']:7.2f} ms/draw CPU   {ours_result['statuses']}")
    if lav is None:
        print("lavaan: Rscript not found; no comparison")
        return
    print(f"lavaan: {lav['ms_per_draw']:7.2f} ms/draw wall, {lav['cpu_ms_per_draw']:7.2f} ms/draw "
          f"CPU   (lavaan {lav['lavaan_version']}, {lav['r_version']}; failed {lav['failed']}, "
          f"inadmissible {lav['inadmissible']})")
    print(f"ratio ours / lavaan: {ours_result['ms_per_draw'] / lav['ms_per_draw']:.3f} wall, "
          f"{ours_result['cpu_ms_per_draw'] / lav['cpu_ms_per_draw']:.3f} CPU (target <= 0.5)")


if __name__ == "__main__":
    main()
