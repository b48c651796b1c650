# Rule path_diagram: causes -> problems -> outcome with standardized coefficients, R² and the
# correlations among the exogenous constructs; with figures.path_diagram: full, the whole AMOS-style
# model (indicators, loadings, errors, disturbances).
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.figures.path_diagram import path_diagram
from govsurvey.study.instrument import load_instrument

with reported_errors():
    path_diagram(
        pd.read_csv(snakemake.input.params),
        load_instrument(snakemake.input.instrument),
        snakemake.params.language,
        snakemake.output.png,
        snakemake.output.svg,
        alpha=snakemake.params.alpha,
        r2=pd.read_csv(snakemake.input.r2),
        mode=snakemake.params.mode,
    )
