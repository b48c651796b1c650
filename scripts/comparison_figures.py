# Rule comparison_figures: latent means by street and the importance-performance map.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.figures.comparison import ipma_figure, latent_means_figure
from govsurvey.io import read_json

with reported_errors():
    summary = read_json(snakemake.input.summary)
    streets = {s: {"name": name} for s, name in snakemake.params.names.items()}
    language, focal = snakemake.params.language, summary["focal"]
    means = pd.read_csv(snakemake.input.latent_means)
    means = means[means["comparison"] == "streets"]
    names = {code: name[language] for code, name in snakemake.params.constructs.items()}
    latent_means_figure(means, streets, focal, language, snakemake.output.latent_png, snakemake.output.latent_svg,
                        names)
    ipma = pd.read_csv(snakemake.input.ipma)
    ipma.attrs["outcome"] = summary.get("outcome", "")
    ipma_figure(ipma, streets, focal, language, snakemake.output.ipma_png, snakemake.output.ipma_svg)
