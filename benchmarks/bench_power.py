"""Time the Monte Carlo power study of the default model: 500 replications at each of 5 sample
sizes (the shipped config's power section), split over 2 worker processes as 2 cores would run
2 shard jobs. Prints the wall time, the setup time and the time per replication.

    PYTHONPATH=src python benchmarks/bench_power.py [--street l_street] [--workers 2]

Needs the street's sem results (snakemake results/l_street/sem/params.parquet). The target of
issue 19: <= 30 s on 2 cores. The machine may be shared: run it when it is quiet, and read the
CPU seconds beside the wall time.
"""

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SIZES, REPLICATIONS, SEED = [100, 200, 300, 400, 500], 500, 20260903


def _shard(street, shards, shard):
    """One worker: the plan (restored fit, population) and its shard's replications.
    Returns (setup seconds, replication seconds, replications, CPU seconds)."""
    cpu, started = time.process_time(), time.perf_counter()
    from govsurvey.power.stage import study_plan
    from govsurvey.power.simulate import run_replications, shard_work
    from govsurvey.study.model import read_model

    results = ROOT / "results" / street
    plan = study_plan(read_model(ROOT / "data/models/governance.lavaan"),
                      pd.read_parquet(results / "clean/scored.parquet"),
                      pd.read_parquet(results / "sem/params.parquet"),
                      {"population": "fitted"}, log=lambda line: None)
    setup = time.perf_counter() - started
    work = shard_work(SIZES, REPLICATIONS, shards, shard)
    started = time.perf_counter()
    run_replications(plan, work, SEED)
    return setup, time.perf_counter() - started, len(work), time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--street", default="l_street")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        done = list(pool.map(_shard, [args.street] * args.workers, [args.workers] * args.workers,
                             range(args.workers)))
    wall = time.perf_counter() - started
    n = sum(d[2] for d in done)
    fitting = sum(d[1] for d in done)
    print(f"power study: {n} replications ({len(SIZES)} sizes x {REPLICATIONS}) on {args.workers} "
          f"workers in {wall:.1f} s wall (target <= 30 s on 2 cores)")
    print(f"  setup (imports, restored fit) per worker: {', '.join(f'{d[0]:.1f} s' for d in done)}")
    print(f"  replications: {1000 * fitting / n:.2f} ms each (one core), "
          f"CPU {sum(d[3] for d in done):.1f} s in all")


if __name__ == "__main__":
    main()
