"""Reading and writing the files that pass between stages."""

import json
import math
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


def write_json(data, path):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(_plain(data), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_table(frame, *paths):
    """Write one table to each of the given .csv / .parquet paths."""
    for path in map(Path, paths):
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".parquet":
            frame.to_parquet(path, index=False)
        elif path.suffix == ".csv":
            frame.to_csv(path, index=False, encoding="utf-8", float_format="%.10g")
        else:
            raise ValueError(f"unknown table format: {path}")


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
