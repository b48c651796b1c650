# Rule forest_plot: the indirect routes and total effects with percentile and BC bootstrap CIs.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

from govsurvey.errors import reported_errors
from govsurvey.figures.forest import forest_plot
from govsurvey.io import read_effects

with reported_errors():
    forest_plot(
        read_effects(snakemake.input.effects),
        snakemake.params.language,
        snakemake.output.png,
        snakemake.output.svg,
        level=snakemake.params.level,
    )
