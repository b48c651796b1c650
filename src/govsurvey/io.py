"""Reading and writing the files that pass between stages."""

import errno
import hashlib
import json
import math
import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd


def _plain(value):
    """JSON-ready scalars: numpy types to Python, NaN/inf to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# Why a write fails when the disk, a quota or the shell's file-size limit stops it.
FULL = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "the file-size limit was reached"}  # fmt: skip


def _full(error):
    """The errno when an OSError is a full disk or a size limit (pyarrow gives it only in its text)."""
    if error.errno in FULL:
        return error.errno
    text = str(error)
    return next((n for n in FULL if f"errno {n}]" in text.lower() or os.strerror(n) in text), None)


@contextmanager
def writing(path):
    """Write one output: a full disk or a size limit becomes an error naming the output, and the
    partly written file is removed (a truncated table must not look like a result)."""
    from govsurvey.errors import InputError

    path = Path(path)
    try:
        yield path
    except OSError as error:
        number = _full(error)
        if number is None:
            raise
        path.unlink(missing_ok=True)
        raise InputError(
            path, f"could not be written: {FULL[number]} ({os.strerror(number)}).",
            "free space on the drive that holds results/ (or raise the limit: `ulimit -f`, the quota) and run "
            "the same command again; Snakemake redoes only the unfinished jobs.",
        ) from None


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_checksum(source, stamp):
    """Write `source`'s SHA-256 to `stamp` when it differs from what the stamp holds.

    Snakemake reruns a job when an input is newer than its outputs, not when its content changes: a
    re-export copied with its old modification time (`cp -p`, `rsync -a`) would never be read. The
    workflow calls this for every raw export when it starts and makes the stamp an input of ingest,
    so new content gives the stamp a new time and ingest runs again; the same content leaves it
    untouched. Returns whether the stamp was written."""
    source, stamp = Path(source), Path(stamp)
    if not source.is_file():
        return False  # ingest names the missing file or folder
    digest = file_sha256(source)
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == digest:
        return False
    stamp.parent.mkdir(parents=True, exist_ok=True)
    temporary = stamp.with_name(stamp.name + ".tmp")
    temporary.write_text(digest + "\n", encoding="utf-8")
    temporary.replace(stamp)  # whole or not at all, also when cluster jobs read it
    return True


def write_json(data, path):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with writing(path):
        Path(path).write_text(json.dumps(_plain(data), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_table(frame, *paths):
    """Write one table to each of the given .csv / .parquet paths."""
    for path in map(Path, paths):
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix not in (".parquet", ".csv"):
            raise ValueError(f"unknown table format: {path}")
        with writing(path):
            if path.suffix == ".parquet":
                frame.to_parquet(path, index=False)
            else:
                frame.to_csv(path, index=False, encoding="utf-8", float_format="%.10g")


# The effects table (govsurvey.sem.effects documents each column).
EFFECT_COLUMNS = [
    "cause", "outcome", "kind", "route", "label", "definition", "direct_in_model",
    "est", "std_all", "se", "pvalue", "std_se", "ci_lower", "ci_upper", "ci_method",
    "boot_se", "ci_lower_perc", "ci_upper_perc", "ci_lower_bc", "ci_upper_bc",
    "std_boot_se", "std_ci_lower_perc", "std_ci_upper_perc", "std_ci_lower_bc", "std_ci_upper_bc",
    "nonzero", "proportion", "mediation", "mediation_detail",
]  # fmt: skip


def read_effects(path):
    """An effects table as written (csv): empty labels, routes and types stay '' (not NaN)."""
    text = ["cause", "outcome", "kind", "route", "label", "definition", "ci_method", "mediation",
            "mediation_detail"]
    table = pd.read_csv(path, dtype={c: str for c in text}, keep_default_na=False,
                        na_values={c: [""] for c in EFFECT_COLUMNS if c not in text})
    return table.reindex(columns=EFFECT_COLUMNS)


def bc_refused(effects):
    """Rows of an effects table whose bias-corrected interval was refused (sem.bootstrap.bc_ci)
    though its percentile interval exists; a degenerate interval (an effect fixed at 0, the same
    in every draw) has no BC interval to refuse."""
    spread = effects["ci_lower_perc"] < effects["ci_upper_perc"]
    return effects[spread & effects["ci_lower_bc"].isna()]
