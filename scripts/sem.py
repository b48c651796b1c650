# Rule sem: ML fit of the structural model; lavaan-shaped parameter table, fit, R², admissibility,
# and the direct, indirect and total effects with delta-method intervals.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.io import write_json, write_table
from govsurvey.sem import fit_sem
from govsurvey.sem.effects import effects_table
from govsurvey.sem.indices import fit_table
from govsurvey.study.model import read_model

with reported_errors():
    scored = pd.read_parquet(snakemake.input.scored)
    fit = fit_sem(read_model(snakemake.input.model), scored, log=print,
                  source=snakemake.input.model, data_source=snakemake.input.scored,
                  estimator=snakemake.params.estimator)
    write_table(fit.params, snakemake.output.params, snakemake.output.params_parquet)
    write_json(fit.fit, snakemake.output.fit)
    write_table(fit_table(fit.fit), snakemake.output.fit_table)
    write_table(fit.r2_table(), snakemake.output.r2)
    write_json(fit.admissibility, snakemake.output.admissibility)
    write_table(effects_table(fit), snakemake.output.effects)
