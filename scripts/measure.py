# Rule measure: reliability per construct, item descriptives, CFA of the measurement model.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

from pathlib import Path

import pandas as pd

from govsurvey.instrument import load_instrument
from govsurvey.io import write_json, write_table
from govsurvey.measurement import descriptives_table, measurement_model, reliability_table
from govsurvey.sem import fit_sem

instrument = load_instrument(snakemake.input.instrument)
scored = pd.read_parquet(snakemake.input.scored)
write_table(reliability_table(scored, instrument), snakemake.output.reliability)
write_table(descriptives_table(scored, instrument), snakemake.output.descriptives)
cfa = fit_sem(measurement_model(Path(snakemake.input.model).read_text(encoding="utf-8")), scored, log=print)
write_table(cfa.params, snakemake.output.params)
write_json(cfa.fit, snakemake.output.fit)
