# Rule measure: reliability, validity, EFA and the CFA of the measurement model.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.io import write_json, write_table
from govsurvey.measure import measurement_results
from govsurvey.study.instrument import load_instrument
from govsurvey.study.model import read_model

with reported_errors():
    results = measurement_results(
        pd.read_parquet(snakemake.input.scored),
        load_instrument(snakemake.input.instrument),
        read_model(snakemake.input.model),
        log=print,
        source=snakemake.input.scored,
        estimator=snakemake.params.estimator,
    )
    for name, value in results.items():
        if isinstance(value, pd.DataFrame):
            write_table(value, snakemake.output[name])
        else:
            write_json(value, snakemake.output[name])
