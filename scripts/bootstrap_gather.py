# Rule bootstrap_gather: percentile and bias-corrected intervals from all shards' draws, and a
# summary (draws, admissible, not converged, inadmissible, level, seed, seconds, shards); the
# effects table of the sem step with each effect's bootstrap intervals. Stops when the admissible
# draws are too few for any interval; warns below the advised number of draws (sem.bootstrap).
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.io import read_effects, write_json, write_table
from govsurvey.sem.bootstrap import gather

with reported_errors():
    draws = pd.concat([pd.read_parquet(p) for p in snakemake.input.shards], ignore_index=True)
    table, effects, summary = gather(
        draws, pd.read_parquet(snakemake.input.params), read_effects(snakemake.input.effects),
        snakemake.params.draws, snakemake.params.level, snakemake.params.seed,
        source=str(snakemake.input.shards[0]))
    summary["shards"] = len(snakemake.input.shards)
    write_table(table, snakemake.output.indirect, snakemake.output.indirect_parquet)
    write_table(effects, snakemake.output.effects)
    write_json(summary, snakemake.output.summary)
