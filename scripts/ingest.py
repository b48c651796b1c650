# Rule ingest: raw export (any supported format) -> tidy table keyed by item codes, plus the
# ingest report (provenance, dropped personal columns, missing answers). Personal data stops here.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

from govsurvey.errors import reported_errors
from govsurvey.ingest import ingest_export
from govsurvey.study.instrument import load_instrument
from govsurvey.io import write_json, write_table
from govsurvey.ingest.privacy import load_salt

with reported_errors():
    responses, report = ingest_export(
        snakemake.input.export,
        load_instrument(snakemake.input.instrument),
        snakemake.params.street,
        salt=load_salt(snakemake.params.salt_file),
        settings=snakemake.params.settings,
    )
    write_table(responses, snakemake.output.responses)
    write_json(report, snakemake.output.report)
