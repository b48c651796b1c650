# Rule robustness: competing models, method bias, normality and sensitivity of one street.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.io import write_json, write_table
from govsurvey.robustness.stage import robustness_results
from govsurvey.study.instrument import load_instrument
from govsurvey.study.model import read_model

with reported_errors():
    results = robustness_results(
        pd.read_parquet(snakemake.input.scored),
        read_model(snakemake.input.model),
        load_instrument(snakemake.input.instrument),
        snakemake.params.settings,
        snakemake.params.alpha,
        ledger=pd.read_parquet(snakemake.input.ledger),
        responses=pd.read_parquet(snakemake.input.responses),
        log=print,
        estimator=snakemake.params.estimator,
        seed=snakemake.params.seed,
        level=snakemake.params.level,
    )
    for name, value in results.items():
        if isinstance(value, pd.DataFrame):
            write_table(value, snakemake.output[name])
        else:
            write_json(value, snakemake.output[name])
