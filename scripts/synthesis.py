# Rule synthesis: the joint display of survey, interviews and cases, and the optimisation path.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.io import read_effects, write_json, write_table
from govsurvey.study.instrument import load_instrument
from govsurvey.synthesis.stage import synthesis_results

with reported_errors():
    inputs, settings = snakemake.input, snakemake.params.settings
    has = inputs.keys()
    results = synthesis_results(
        load_instrument(inputs.instrument),
        read_effects(inputs.effects),
        pd.read_csv(inputs.midpoint),
        settings["alpha"],
        params=pd.read_csv(inputs.params),
        boot=pd.read_csv(inputs.boot) if "boot" in has else None,
        ipma=pd.read_csv(inputs.ipma) if "ipma" in has else None,
        focal_street=snakemake.wildcards.street,
        evidence=pd.read_csv(inputs.evidence, keep_default_na=False) if "evidence" in has else None,
        quotes=pd.read_csv(inputs.quotes) if "quotes" in has else None,
        dimensions_file=inputs.dimensions if "dimensions" in has else None,
        practices=pd.read_csv(inputs.practices) if "practices" in has else None,
        focal_case=settings["focal_case"],
        recommendations_file=inputs.recommendations if "recommendations" in has else None,
        min_interviewees=settings["min_interviewees"],
        log=print,
    )
    write_table(results["joint"], snakemake.output.joint)
    write_table(results["optimisation"], snakemake.output.optimisation)
    write_json(results["summary"], snakemake.output.summary)
