# Rule power_shard: the Monte Carlo replications of one shard (estimates and standard errors of
# every structural path and indirect effect, with each replication's status), drawn from the
# population values (the sem step's fit, or config's values on top of it).
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.io import write_table
from govsurvey.power.stage import run_shard
from govsurvey.study.model import read_model

with reported_errors():
    frame = run_shard(
        read_model(snakemake.input.model),
        pd.read_parquet(snakemake.input.scored),
        pd.read_parquet(snakemake.input.params),
        snakemake.params.settings,
        snakemake.params.seed,
        int(snakemake.wildcards.shard),
        log=print,
        source=snakemake.input.model,
    )
    write_table(frame, snakemake.output.shard)
