"""The cold default run, timed: wall time of `snakemake --cores N` from a clean copy, each rule's
jobs (time, memory from the `benchmark:` files), the critical path, and the no-op rerun against
a one-rule Snakefile. With --peer REV the same is measured for another commit in the same run,
and the ratios are printed.

    python benchmarks/bench_workflow.py                      # this work tree
    python benchmarks/bench_workflow.py --peer 621aaa5       # ... beside an earlier commit

Job times and the critical path come from Snakemake's own records (.snakemake/metadata: each
output's rule, inputs, start and end), so an earlier commit without `benchmark:` directives is
measured the same way. The power rule is left out (--config power='{enabled: false}') unless
--with-power.
"""

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def copy_tree(repo, rev, dest):
    """A clean copy: `rev`'s files, or (rev None) the work tree's tracked and unignored files."""
    dest.mkdir(parents=True)
    if rev:
        archive = subprocess.run(["git", "-C", str(repo), "archive", rev], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        stamp = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%ct", rev],
                               check=True, capture_output=True, text=True).stdout.strip()
    else:
        files = subprocess.run(["git", "-C", str(repo), "ls-files", "-co", "--exclude-standard", "-z"],
                               check=True, capture_output=True).stdout.split(b"\0")
        for name in filter(None, files):
            source = repo / os.fsdecode(name)
            if source.is_file():
                target = dest / os.fsdecode(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read_bytes())
        stamp = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%ct"],
                               check=True, capture_output=True, text=True).stdout.strip()
    return stamp


def snakemake(workdir, cores, extra, stamp):
    env = {**os.environ, "PYTHONPATH": str(workdir / "src"), "SOURCE_DATE_EPOCH": stamp}
    cmd = [str(Path(sys.executable).with_name("snakemake")), "--cores", str(cores), "-q",
           "--workflow-profile", "none", *extra]
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"snakemake failed in {workdir}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds


def jobs_of(workdir):
    """One record per job from .snakemake/metadata: rule, outputs, inputs, start, end, log."""
    jobs = {}
    metadata = workdir / ".snakemake" / "metadata"
    for record in metadata.rglob("*"):
        if not record.is_file():
            continue
        meta = json.loads(record.read_text())
        if meta.get("starttime") is None:
            continue
        # the output's path, base64-encoded (long names split into folders)
        output = base64.b64decode("".join(record.relative_to(metadata).parts)).decode()
        log = (meta.get("log") or [""])[0]
        # a job's outputs share its log (every rule that writes files has one) and its start;
        # the end is each file's own
        key = (meta["rule"], log or meta["starttime"])
        job = jobs.setdefault(key, {"rule": meta["rule"], "start": meta["starttime"],
                                    "end": meta["endtime"], "outputs": set(), "inputs": set(),
                                    "log": log})
        job["start"] = min(job["start"], meta["starttime"])
        job["end"] = max(job["end"], meta["endtime"])
        job["outputs"].add(output)
        job["inputs"].update(meta.get("input") or [])
    return list(jobs.values())


def critical_path(jobs):
    """The chain of dependent jobs with the largest summed run time (job time only: the
    scheduler's gaps between jobs are the rest of the wall time)."""
    producer = {out: k for k, job in enumerate(jobs) for out in job["outputs"]}
    order = sorted(range(len(jobs)), key=lambda k: jobs[k]["start"])
    best, via = {}, {}
    for k in order:
        job = jobs[k]
        before = [producer[i] for i in job["inputs"] if i in producer and producer[i] != k]
        prev = max(before, key=lambda p: best.get(p, 0.0), default=None)
        best[k] = (job["end"] - job["start"]) + (best.get(prev, 0.0) if prev is not None else 0.0)
        via[k] = prev
    last = max(best, key=best.get)
    chain = []
    while last is not None:
        chain.append(jobs[last])
        last = via[last]
    return chain[::-1], max(best.values())


def memory(workdir, job):
    """max RSS (MB) of a job from its benchmark file beside its log, when there is one."""
    if not job["log"].endswith(".log"):
        return float("nan")
    path = workdir / (job["log"].removesuffix(".log") + ".benchmark.tsv")
    if not path.is_file():
        return float("nan")
    return float(pd.read_csv(path, sep="\t")["max_rss"].iloc[0])


def trivial_noop(cores):
    """A one-rule Snakefile's no-op rerun: the fixed cost of starting snakemake at all."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "Snakefile").write_text('rule all:\n    output: "done.txt"\n    shell: "touch {output}"\n')
        snakemake(tmp, cores, [], "0")
        return min(snakemake(tmp, cores, [], "0") for _ in range(3))


def measure(label, repo, rev, cores, extra, keep):
    base = Path(tempfile.mkdtemp(prefix=f"bench-{label}-"))
    workdir = base / "repo"
    stamp = copy_tree(repo, rev, workdir)
    print(f"[{label}] cold run in {workdir} ...", flush=True)
    cold = snakemake(workdir, cores, extra, stamp)
    noop = min(snakemake(workdir, cores, extra, stamp) for _ in range(3))
    jobs = jobs_of(workdir)
    rows = []
    for job in jobs:
        rows.append({"rule": job["rule"], "seconds": job["end"] - job["start"],
                     "max_rss_mb": memory(workdir, job)})
    table = (pd.DataFrame(rows).groupby("rule")
             .agg(jobs=("seconds", "size"), total_s=("seconds", "sum"), mean_s=("seconds", "mean"),
                  max_s=("seconds", "max"), max_rss_mb=("max_rss_mb", "max"))
             .sort_values("total_s", ascending=False))
    chain, length = critical_path(jobs)
    print(f"\n[{label}] per rule (job wall times from .snakemake/metadata; memory from benchmark files)")
    print(table.round(1).to_string())
    print(f"\n[{label}] critical path: {length:.1f} s of job time")
    for job in chain:
        print(f"    {job['end'] - job['start']:6.1f} s  {job['rule']}  {sorted(job['outputs'])[0]}")
    print(f"[{label}] cold run: {cold:.1f} s wall on {cores} cores ({len(jobs)} jobs, "
          f"{table['total_s'].sum():.1f} s of job time); no-op rerun {noop:.2f} s")
    if not keep:
        subprocess.run(["rm", "-rf", str(base)])
    return {"cold": cold, "noop": noop, "critical": length, "jobs": len(jobs)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--peer", help="a git revision to measure beside this work tree")
    parser.add_argument("--with-power", action="store_true", help="keep the power rule in the run")
    parser.add_argument("--keep", action="store_true", help="keep the copies (printed paths)")
    args = parser.parse_args()
    extra = [] if args.with_power else ["--config", "power={enabled: false}"]
    schema = (ROOT / "src/govsurvey/schemas/config.schema.yaml").read_text(encoding="utf-8")
    ours = measure("this tree", ROOT, None, args.cores, extra if "\n  power:" in schema else [],
                   args.keep)
    trivial = trivial_noop(args.cores)
    print(f"\nno-op rerun: {ours['noop']:.2f} s vs a one-rule Snakefile {trivial:.2f} s "
          f"= {ours['noop'] / trivial:.2f}x (target <= 1.2x)")
    print(f"cold default run: {ours['cold']:.1f} s on {args.cores} cores (target <= 60 s)")
    if args.peer:
        peer_extra = extra if _knows_power(args.peer) else []
        theirs = measure(args.peer, ROOT, args.peer, args.cores, peer_extra, args.keep)
        print(f"\n{'':20}{'this tree':>12}{args.peer:>12}{'ratio':>8}")
        for key, name in (("cold", "cold run, s"), ("critical", "critical path, s"),
                          ("noop", "no-op rerun, s"), ("jobs", "jobs")):
            print(f"{name:20}{ours[key]:12.1f}{theirs[key]:12.1f}{ours[key] / theirs[key]:8.2f}")


def _knows_power(rev):
    """Whether the config schema of `rev` has the power key (older commits reject it)."""
    schema = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:src/govsurvey/schemas/config.schema.yaml"],
                            capture_output=True, text=True).stdout
    return "\n  power:" in schema


if __name__ == "__main__":
    main()
