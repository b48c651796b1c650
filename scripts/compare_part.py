# Rule compare_part: one part of the comparison (the streets, or one grouping variable of the
# focal street): its invariance ladder, latent means, score differences (and for the streets
# their midpoint tests, paths and IPMA), as parquet tables and a summary fragment.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.compare.study import run_part
from govsurvey.errors import reported_errors
from govsurvey.io import write_json
from govsurvey.study import load_instrument, read_model

with reported_errors():
    streets = {s: {"communities": c} for s, c in snakemake.params.communities.items()}
    tables, summary = run_part(
        snakemake.wildcards.part,
        read_model(snakemake.input.model),
        load_instrument(snakemake.input.instrument),
        {s: pd.read_parquet(p) for s, p in zip(snakemake.params.streets, snakemake.input.scored)},
        snakemake.params.settings,
        streets,
        log=print,
    )
    for name, table in tables.items():
        table.to_parquet(snakemake.output[name], index=False)
    write_json(summary, snakemake.output.summary)
