# Rule power_gather: per sample size and parameter the power, bias, coverage and convergence of
# the replications of all shards, the smallest N reaching the target power, and the RMSEA power
# of the test of close fit (govsurvey.power.summary, .rmsea).
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.io import write_json, write_table
from govsurvey.power.stage import gather_shards
from govsurvey.study.model import read_model

with reported_errors():
    table, smallest, rmsea, summary = gather_shards(
        [pd.read_parquet(p) for p in snakemake.input.shards],
        read_model(snakemake.input.model),
        pd.read_parquet(snakemake.input.scored),
        pd.read_parquet(snakemake.input.params),
        snakemake.params.settings,
        snakemake.params.seed,
        source=snakemake.input.model,
        shards_source=str(snakemake.input.shards[0]),
    )
    write_table(table, snakemake.output.table)
    write_table(smallest, snakemake.output.smallest)
    write_table(rmsea, snakemake.output.rmsea)
    write_json(summary, snakemake.output.summary)
