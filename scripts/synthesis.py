# Rule synthesis: the joint display of survey, interviews and cases, and the optimisation path.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

from govsurvey.errors import reported_errors
from govsurvey.io import write_json, write_table
from govsurvey.synthesis.stage import synthesis_from_files

with reported_errors():
    files = {key: snakemake.input[key] for key in snakemake.input.keys() if key != "library"}
    results = synthesis_from_files(files, snakemake.params.settings, snakemake.wildcards.street)
    write_table(results["joint"], snakemake.output.joint)
    write_table(results["optimisation"], snakemake.output.optimisation)
    write_json(results["summary"], snakemake.output.summary)
