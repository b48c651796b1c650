# Rule interviews: one street's interviews, masked, as tables and the saturation figure.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.figures.saturation import saturation_figure
from govsurvey.interviews.stage import interview_results
from govsurvey.io import write_json, write_table
from govsurvey.study.instrument import load_instrument

with reported_errors():
    settings = snakemake.params.settings
    results = interview_results(
        settings["folder"],
        settings.get("coding") or (),
        names=settings["names"],
        constructs=list(load_instrument(snakemake.input.instrument).constructs),
        per_code=settings["quotes_per_code"],
        top_words=settings["top_words"],
        log=print,
    )
    for name, value in results.items():
        if isinstance(value, pd.DataFrame):
            write_table(value, snakemake.output[name])
        else:
            write_json(value, snakemake.output[name])
    for language in snakemake.params.languages:
        saturation_figure(
            results["saturation"],
            language,
            snakemake.output[f"saturation_{language}_png"],
            snakemake.output[f"saturation_{language}_svg"],
        )
        print(f"interviews: saturation figure drawn ({language})")
