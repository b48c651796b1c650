# Rule likert_chart: diverging stacked bars of every item's answers (as answered).
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.figures.likert import likert_chart
from govsurvey.study.instrument import load_instrument

with reported_errors():
    likert_chart(
        pd.read_parquet(snakemake.input.responses),
        load_instrument(snakemake.input.instrument),
        snakemake.params.language,
        snakemake.output.png,
        snakemake.output.svg,
    )
