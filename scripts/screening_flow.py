# Rule screening_flow: CONSORT-style flow of the screening, from the screening summary.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

from govsurvey.errors import reported_errors
from govsurvey.figures.flow import flow_diagram
from govsurvey.io import read_json

with reported_errors():
    flow_diagram(
        read_json(snakemake.input.summary),
        snakemake.params.language,
        snakemake.output.png,
        snakemake.output.svg,
    )
