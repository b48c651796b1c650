"""Benchmark: ingest of a 100,000-record Wenjuanxing export (xlsx and csv), time and peak memory.

Each measurement runs in a fresh Python process, so peak memory (max RSS) is that step's own.
Peers in the same run: pandas reading the same file with no ingest logic (read_excel with the
calamine engine, read_csv); `--openpyxl` adds pandas' default xlsx engine (about two minutes).

    .venv/bin/python benchmarks/bench_ingest.py [--n 100000] [--openpyxl] [--keep DIR]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTRUMENT = ROOT / "data" / "instruments" / "party_building_governance.yaml"

# step -> (set-up, timed code): imports and the instrument load before the clock starts.
_SETUP_INGEST = (
    "from govsurvey.ingest import ingest_export; from govsurvey.study.instrument import load_instrument; "
    "from govsurvey.synthetic.population import DEFAULT_STREET; instrument = load_instrument(__INSTRUMENT__)"
)
STEPS = {
    "ingest": (
        _SETUP_INGEST,
        "t, r = ingest_export(__PATH__, instrument, DEFAULT_STREET, 'salt', log=lambda m: None); assert len(t) == __N__",
    ),
    "pandas read_excel (calamine)": (
        "import pandas as pd",
        "assert len(pd.read_excel(__PATH__, engine='calamine', dtype=str)) == __N__",
    ),
    "pandas read_excel (openpyxl)": (
        "import pandas as pd",
        "assert len(pd.read_excel(__PATH__, engine='openpyxl', dtype=str)) == __N__",
    ),
    "pandas read_csv": (
        "import pandas as pd",
        "assert len(pd.read_csv(__PATH__, dtype=str, encoding='utf-8-sig')) == __N__",
    ),
}


def _peak_mib():
    """This process's peak resident memory (VmHWM; Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(step, path, n):
    """Run one step in this process; print its wall time and peak memory. Set-up runs first, untimed."""
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    setup, code = (
        part.replace("__PATH__", repr(str(path)))
        .replace("__INSTRUMENT__", repr(str(INSTRUMENT)))
        .replace("__N__", str(n))
        for part in STEPS[step]
    )
    scope = {}
    exec(setup, scope)
    base = _peak_mib()
    start = time.perf_counter()
    exec(code, scope)
    print(f"{time.perf_counter() - start:.3f} {_peak_mib():.1f} {base:.1f}")


def measure(step, path, n):
    """(seconds, peak MiB, MiB after imports) of one step, in a fresh process."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", step, str(path), str(n)], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"step '{step}' on {path} failed:\n{result.stderr[-2000:]}")
    seconds, peak, base = map(float, result.stdout.split()[-3:])
    return seconds, peak, base


def make_exports(folder, n):
    from govsurvey.synthetic.exports import write_export
    from govsurvey.study.instrument import load_instrument
    from govsurvey.synthetic.population import simulate_responses

    instrument = load_instrument(INSTRUMENT)
    start = time.perf_counter()
    responses = simulate_responses(instrument, n, seed=1)
    xlsx = write_export(responses, instrument, Path(folder) / "wenjuanxing.xlsx", "wenjuanxing_text_xlsx").path
    csv = write_export(responses, instrument, Path(folder) / "wenjuanxing.csv", "wenjuanxing_text_utf8bom_csv").path
    print(f"made {n:,} records in {time.perf_counter() - start:.1f} s: xlsx {xlsx.stat().st_size / 2**20:.1f} MiB, "
          f"csv {csv.stat().st_size / 2**20:.1f} MiB")  # fmt: skip
    return xlsx, csv


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--openpyxl", action="store_true", help="also time pandas' openpyxl engine (slow)")
    parser.add_argument("--keep", help="folder for the exports (default: a temporary one)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child[0], args.child[1], int(args.child[2]))
    folder = args.keep or tempfile.mkdtemp(prefix="bench_ingest_")
    xlsx, csv = make_exports(folder, args.n)
    peers = {xlsx: ["pandas read_excel (calamine)"] + (["pandas read_excel (openpyxl)"] if args.openpyxl else []),
             csv: ["pandas read_csv"]}  # fmt: skip
    print(f"\n{'file':<6} {'step':<30} {'seconds':>8} {'peak MiB':>9} {'time ratio':>11} {'memory ratio':>13}")
    for path, peer_steps in peers.items():
        seconds, peak, base = measure("ingest", path, args.n)
        print(f"{path.suffix[1:]:<6} {'govsurvey ingest_export':<30} {seconds:8.2f} {peak:9.0f}")
        for step in peer_steps:
            peer_seconds, peer_peak, peer_base = measure(step, path, args.n)
            print(f"{'':<6} {step:<30} {peer_seconds:8.2f} {peer_peak:9.0f} {seconds / peer_seconds:10.2f}x "
                  f"{(peak - base) / max(peer_peak - peer_base, 1):12.2f}x")  # fmt: skip
    print(
        "\npeak MiB: whole process (Python + numpy + pandas take about "
        f"{base:.0f} MiB before the step); memory ratio compares the growth above that."
    )
    print("time ratio = ingest time / peer time; ingest also matches columns, maps answers, hashes and checks.")


if __name__ == "__main__":
    main()
