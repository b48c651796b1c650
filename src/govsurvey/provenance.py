"""What makes a rerun byte-identical, and the record of what produced the results.

Every job runs with a fixed hash seed (PYTHONHASHSEED) and one BLAS/OpenMP thread (Snakemake runs jobs in parallel instead): threaded
BLAS splits sums differently from run to run, which moved the last digits of parameter tables
(1e-10) and EFA loadings (1e-6). Every rendered file (PDF, Word, SVG) is dated by
SOURCE_DATE_EPOCH: the user's when set, else the time of the workflow's git commit, so the same
commit renders the same bytes on any machine and any day.
"""

import os
import subprocess
from pathlib import Path

# Variables the numeric libraries read for their thread pools.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
# Without a commit (a copy outside git) and without the user's value: 1980-01-01, the earliest
# date a ZIP file (a .docx) can hold.
FALLBACK_EPOCH = 315532800


def git_commit(basedir):
    """(commit hash, commit time, whether the work tree has uncommitted changes) of the git work
    tree holding `basedir`, or (None, None, None) outside git."""
    def git(*args):
        return subprocess.run(["git", "-C", str(basedir), *args], capture_output=True, text=True,
                              timeout=30, check=True).stdout.strip()
    try:
        commit, stamp = git("log", "-1", "--format=%H %ct").split()
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError, ValueError):
        return None, None, None
    return commit, int(stamp), dirty


def source_date_epoch(basedir, environ=os.environ):
    """SOURCE_DATE_EPOCH for the run: the user's (environment), else the commit's time, else
    FALLBACK_EPOCH."""
    given = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if given:
        if not given.isdigit():
            from govsurvey.errors import InputError
            raise InputError("SOURCE_DATE_EPOCH", f"'{given}' is not a number of seconds.",
                             "Set it to a Unix time (e.g. `git log -1 --format=%ct`) or unset it.")
        return int(given)
    _, stamp, _ = git_commit(basedir)
    return stamp if stamp is not None else FALLBACK_EPOCH


def reproducible_environment(basedir, environ=os.environ):
    """{variable: value} every job of the workflow runs with (see the module's docstring)."""
    env = {name: "1" for name in THREAD_VARIABLES}
    # set iteration order (and so the order of some sums and parameters) must not change from
    # process to process: without it two runs differed by 1e-11 in estimates, 1e-6 in EFA loadings
    env["PYTHONHASHSEED"] = "0"
    env["SOURCE_DATE_EPOCH"] = str(source_date_epoch(Path(basedir), environ))
    return env


def imported_packages():
    """{distribution: version} of every installed package with a module imported in this process
    (the job's own code and what it pulled in), plus Python."""
    import importlib.metadata
    import platform
    import sys

    owners = importlib.metadata.packages_distributions()
    found = {}
    for module in list(sys.modules):
        top = module.partition(".")[0]
        for dist in owners.get(top, []):
            if dist not in found:
                try:
                    found[dist] = importlib.metadata.version(dist)
                except importlib.metadata.PackageNotFoundError:
                    continue
    return {"Python": platform.python_version(), **dict(sorted(found.items(), key=lambda kv: kv[0].lower()))}


def versions_file(log):
    """Where a job's software record goes: beside its log (results/<street>/logs/sem.versions.json)."""
    return str(log).removesuffix(".log") + ".versions.json"


def record_job_versions(job):
    """Write the software a finished workflow job ran with (imported_packages, govsurvey's version
    and the commit) beside its log; the chapter's software table gathers these records, so it
    names what computed the numbers, not what the report job happens to import."""
    import json

    import govsurvey

    logs = list(getattr(job, "log", []) or [])
    if not logs:
        return None
    commit, _, dirty = git_commit(Path(__file__).resolve().parent)
    record = {"rule": job.rule, "govsurvey": govsurvey.__version__,
              "commit": commit, "uncommitted_changes": dirty, "packages": imported_packages()}
    path = Path(versions_file(logs[0]))
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path


def gathered_versions(root="results"):
    """{distribution: version} over every job's record under `root` (several versions of one
    package, from jobs run at different times, are joined with ' / ')."""
    import json

    seen = {}
    for path in sorted(Path(root).rglob("*.versions.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        for name, version in record["packages"].items():
            if name != "govsurvey":  # named below with its commit
                seen.setdefault(name, set()).add(version)
        seen.setdefault("govsurvey", set()).add(
            record["govsurvey"] + (f" ({record['commit'][:10]}{'+' if record['uncommitted_changes'] else ''})"
                                   if record.get("commit") else ""))
    return {name: " / ".join(sorted(v)) for name, v in seen.items()}


def study_record(config, inputs):
    """The study's record: the resolved configuration's SHA-256 (of its canonical YAML, the
    personal names config_snapshot withholds included) and the SHA-256 of every input file the config names (raw exports,
    instrument, model, theory, interview and case files), keyed by role then path."""
    import hashlib

    from govsurvey.io import file_sha256

    import yaml

    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=True)
    return {"config_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "inputs": {role: {str(p): file_sha256(p) for p in sorted(map(str, paths))}
                       for role, paths in inputs.items()}}


def config_snapshot(config):
    """The resolved configuration (the schema's defaults filled in) as canonical YAML, with the
    names to mask in interviews (people's names: never in results/) replaced by their count."""
    import copy

    import yaml

    config = copy.deepcopy(config)
    for street in (config.get("interviews") or {}).values():
        if isinstance(street, dict) and street.get("names"):
            street["names"] = f"{len(street['names'])} name(s) withheld, see the project's config"
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=True)
