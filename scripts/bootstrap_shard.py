# Rule bootstrap_shard: the draws of one shard (estimates of := parameters and standardized
# structural paths, with each draw's status), starting from the sem step's fit.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.sem.bootstrap import shard_draws
from govsurvey.study.model import read_model

with reported_errors():
    frame = shard_draws(
        read_model(snakemake.input.model),
        pd.read_parquet(snakemake.input.scored),
        pd.read_parquet(snakemake.input.params),
        snakemake.params.draws,
        snakemake.params.shards,
        int(snakemake.wildcards.shard),
        snakemake.params.seed,
        log=print,
        source=snakemake.input.model,
    )
    frame.to_parquet(snakemake.output.shard, index=False)
