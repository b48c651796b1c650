# Rule cases: the case files compared on the study's dimensions; what the focal street lacks.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.cases.stage import case_results
from govsurvey.errors import reported_errors
from govsurvey.io import write_table
from govsurvey.study.instrument import load_instrument

with reported_errors():
    settings = snakemake.params.settings
    inputs = snakemake.input
    results = case_results(
        settings["files"],
        settings["dimensions"],
        settings["bibliography"],
        load_instrument(inputs.instrument),
        snakemake.params.streets,
        settings["focal"],
        ipma=pd.read_csv(inputs.ipma) if "ipma" in inputs.keys() else None,
        means=pd.read_csv(inputs.means) if "means" in inputs.keys() else None,
        log=print,
    )
    for name, table in results.items():
        write_table(table, snakemake.output[name])
