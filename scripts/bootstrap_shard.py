# Rule bootstrap_shard: the draws of one shard (estimates of := parameters and standardized
# structural paths, with each draw's status).
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

from pathlib import Path

import pandas as pd

from govsurvey.bootstrap import shard_draws

frame = shard_draws(
    Path(snakemake.input.model).read_text(encoding="utf-8"),
    pd.read_parquet(snakemake.input.scored),
    snakemake.params.draws,
    snakemake.params.shards,
    int(snakemake.wildcards.shard),
    snakemake.params.seed,
    log=print,
    source=snakemake.input.model,
)
frame.to_parquet(snakemake.output.shard, index=False)
