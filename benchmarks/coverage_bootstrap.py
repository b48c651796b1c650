"""Coverage of the bootstrap intervals on simulated data with known effects.

    .venv/bin/python benchmarks/coverage_bootstrap.py [--reps 300] [--draws 1000] [--n 300] [--jobs 2]

Population: three latent variables with three indicators each (loadings 1, .8, .7; residual
variance .5), X ~ N(0, 1), M = .4 X + e (var .84), Y = .4 M + .1 X + e (var .798), so every
latent variance is 1 and the truth is: indirect a*b = .16 (the marker loadings are 1, so the
unstandardized metric is the latent one), standardized paths M~X .4, Y~M .4, Y~X .1. Each
replication draws a sample of n, runs our bootstrap (B draws) and checks whether the
percentile and the BC interval cover the truth. Prints the coverage of each, with its Monte
Carlo standard error; the target for the 95% intervals of the indirect effect is 92-98%.
"""

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from govsurvey.sem.bootstrap import bootstrap

MODEL = """
X =~ x1 + x2 + x3
M =~ m1 + m2 + m3
Y =~ y1 + y2 + y3
M ~ a*X
Y ~ b*M + c*X
ind := a*b
"""
TRUTH = {"ind": 0.16, "M~X": 0.4, "Y~M": 0.4, "Y~X": 0.1}


def simulate(n, rng):
    x = rng.normal(size=n)
    m = 0.4 * x + rng.normal(scale=np.sqrt(0.84), size=n)
    y = 0.4 * m + 0.1 * x + rng.normal(scale=np.sqrt(0.798), size=n)
    columns = {}
    for name, latent in (("x", x), ("m", m), ("y", y)):
        for k, loading in enumerate((1.0, 0.8, 0.7), start=1):
            columns[f"{name}{k}"] = loading * latent + rng.normal(scale=np.sqrt(0.5), size=n)
    return pd.DataFrame(columns)


def replicate(args):
    rep, n, draws, level, seed = args
    data = simulate(n, np.random.default_rng([seed, rep]))
    table, summary, _ = bootstrap(MODEL, data, draws, seed=rep, level=level)
    keys = table["lhs"].where(table["op"] == ":=", table["lhs"] + "~" + table["rhs"])
    out = {"admissible": summary["admissible"], "seconds": summary["seconds"]}
    for key, row in zip(keys, table.itertuples()):
        out[f"{key} perc"] = row.ci_lower_perc <= TRUTH[key] <= row.ci_upper_perc
        out[f"{key} bc"] = row.ci_lower_bc <= TRUTH[key] <= row.ci_upper_bc
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--level", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=20260903)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    tasks = [(rep, args.n, args.draws, args.level, args.seed) for rep in range(args.reps)]
    with ProcessPoolExecutor(args.jobs) as pool:
        results = pd.DataFrame(list(pool.map(replicate, tasks, chunksize=4)))
    print(f"{args.reps} replications, n = {args.n}, B = {args.draws}, level {args.level}, "
          f"{time.perf_counter() - started:.0f} s ({args.jobs} processes); "
          f"admissible draws per replication: min {results['admissible'].min()}, "
          f"mean {results['admissible'].mean():.0f}; "
          f"{1000 * results['seconds'].sum() / (args.reps * args.draws):.2f} ms per draw")
    mc_se = np.sqrt(args.level * (1 - args.level) / args.reps)
    for key, truth in TRUTH.items():
        perc, bc = results[f"{key} perc"].mean(), results[f"{key} bc"].mean()
        print(f"{key:4s} (truth {truth:.2f}): percentile {100 * perc:5.1f}%, "
              f"BC {100 * bc:5.1f}%   (Monte Carlo SE {100 * mc_se:.1f} points)")
    ind = results["ind perc"].mean()
    verdict = "within" if 0.92 <= ind <= 0.98 else "OUTSIDE"
    print(f"indirect effect, percentile: {100 * ind:.1f}% - {verdict} the 92-98% target")


if __name__ == "__main__":
    main()
