# Rule compare: invariance, latent means, paths, score differences and the IPMA of the
# focal street against the benchmark streets and between its own groups.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.compare.study import run_comparison
from govsurvey.errors import reported_errors
from govsurvey.io import write_json, write_table
from govsurvey.study import load_instrument, read_model

with reported_errors():
    streets = {s: {"communities": c} for s, c in snakemake.params.communities.items()}
    tables, summary = run_comparison(
        read_model(snakemake.input.model),
        load_instrument(snakemake.input.instrument),
        {s: pd.read_parquet(p) for s, p in zip(snakemake.params.streets, snakemake.input.scored)},
        snakemake.params.settings,
        streets,
        log=print,
    )
    for name, table in tables.items():
        write_table(table, snakemake.output[name])
    write_json(summary, snakemake.output.summary)
