# Rule measure: reliability, validity, EFA and the CFA of the measurement model.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

from pathlib import Path

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.instrument import load_instrument
from govsurvey.io import write_json, write_table
from govsurvey.validity import measurement_results

with reported_errors():
    results = measurement_results(
        pd.read_parquet(snakemake.input.scored),
        load_instrument(snakemake.input.instrument),
        Path(snakemake.input.model).read_text(encoding="utf-8"),
        log=print,
    )
    for name, value in results.items():
        if isinstance(value, pd.DataFrame):
            write_table(value, snakemake.output[name])
        else:
            write_json(value, snakemake.output[name])
