# Rule provenance: the study's record (the resolved config's hash, the checksum of every input
# file it names) and a snapshot of the config, for the chapter's reproducibility note.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

from pathlib import Path

from govsurvey.errors import reported_errors
from govsurvey.io import write_json
from govsurvey.provenance import config_snapshot, study_record

with reported_errors():
    inputs = {role: snakemake.input[role] for role in snakemake.params.roles}
    write_json(study_record(snakemake.params.config, inputs), snakemake.output.record)
    Path(snakemake.output.config).write_text(config_snapshot(snakemake.params.config), encoding="utf-8")
