# Rule bootstrap_gather: percentile and bias-corrected intervals from all shards' draws, and a
# summary (draws, admissible, not converged, inadmissible, level, seed, seconds); the effects
# table of the sem step with each effect's bootstrap intervals.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.sem.bootstrap import summarise_draws
from govsurvey.sem.effects import add_bootstrap, read_effects
from govsurvey.io import write_json, write_table

draws = pd.concat([pd.read_parquet(p) for p in snakemake.input.shards], ignore_index=True)
params = pd.read_parquet(snakemake.input.params)
table, summary = summarise_draws(draws, params, snakemake.params.draws, snakemake.params.level,
                                 snakemake.params.seed, source=str(snakemake.input.shards[0]))
summary["shards"] = len(snakemake.input.shards)
print(f"bootstrap: {summary}")
write_table(table, snakemake.output.indirect, snakemake.output.indirect_parquet)
write_table(add_bootstrap(read_effects(snakemake.input.effects), draws, snakemake.params.level),
            snakemake.output.effects)
write_json(summary, snakemake.output.summary)
