# Rule compare: the parts of the comparison (rule compare_part) combined into its long tables
# (each with a `comparison` column) and one summary.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import json

import pandas as pd

from govsurvey.compare.study import TABLES, combine
from govsurvey.errors import reported_errors
from govsurvey.io import write_json, write_table
from govsurvey.paths import comparison_part_files

with reported_errors():
    parts = []
    for part in snakemake.params.parts:  # the rule's inputs, by the names paths gives them
        files = comparison_part_files(part)
        summary = json.loads(open(files["summary"], encoding="utf-8").read())
        parts.append(({name: pd.read_parquet(files[name]) for name in TABLES}, summary))
    tables, summary = combine(parts)
    for name, table in tables.items():
        write_table(table, snakemake.output[name])
    write_json(summary, snakemake.output.summary)
    print(f"compare: {len(parts)} parts combined: {', '.join(snakemake.params.parts)}")
