# Rule ingest: raw export -> tidy table keyed by item codes; personal data dropped.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

from govsurvey.ingest import ingest_wenjuanxing, load_salt
from govsurvey.instrument import load_instrument
from govsurvey.io import write_json, write_table

instrument = load_instrument(snakemake.input.instrument)
responses, report = ingest_wenjuanxing(
    snakemake.input.export,
    instrument,
    snakemake.params.street,
    salt=load_salt(snakemake.params.salt_file),
)
write_table(responses, snakemake.output.responses)
write_json(report, snakemake.output.report)
