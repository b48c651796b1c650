"""What makes a rerun byte-identical, and the record of what produced the results.

Every job runs with one BLAS/OpenMP thread (Snakemake runs jobs in parallel instead): threaded
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
    env["SOURCE_DATE_EPOCH"] = str(source_date_epoch(Path(basedir), environ))
    return env
