# Rule clean: screening -> ledger (one row per raw record), summary, missingness, kept and scored.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.io import read_json, write_json, write_table
from govsurvey.screening import kept_sample, missingness_table, score, screen, summarize
from govsurvey.study.instrument import load_instrument

with reported_errors():
    instrument = load_instrument(snakemake.input.instrument)
    responses = pd.read_parquet(snakemake.input.responses)
    absent = [entry["code"] for entry in read_json(snakemake.input.ingest_report).get("columns_absent", [])]
    screening = screen(responses, instrument, snakemake.params.screening, snakemake.input.responses, absent)
    summary = summarize(screening)
    print(f"clean: kept {summary['n_kept']} of {summary['n_raw']}; excluded {summary['excluded_by_primary_reason']}")
    for rule, status in summary["rules"].items():
        if status["enabled"] and not status["applied"]:
            print(f"clean: rule {rule} not applied ({status['note']})")
    write_table(screening.ledger, snakemake.output.ledger, snakemake.output.ledger_csv)
    write_json(summary, snakemake.output.summary)
    write_table(missingness_table(responses, screening.ledger, instrument), snakemake.output.missingness)
    kept = kept_sample(responses, screening.ledger, instrument, snakemake.input.responses)
    write_table(kept, snakemake.output.kept)
    write_table(score(kept, instrument), snakemake.output.scored)
