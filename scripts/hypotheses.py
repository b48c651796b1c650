# Rule hypotheses: each hypothesis of the study tested against the SEM (and the bootstrap).
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from govsurvey.errors import reported_errors
from govsurvey.io import write_table
from govsurvey.sem.hypotheses import hypothesis_tests
from govsurvey.study import load_instrument, read_model
from govsurvey.study.hypotheses import load_theory, study_hypotheses

with reported_errors():
    theory = load_theory(snakemake.input.theory[0] if snakemake.input.theory else None)
    hypotheses = study_hypotheses(read_model(snakemake.input.model), load_instrument(snakemake.input.instrument), theory)
    bootstrap = pd.read_csv(snakemake.input.bootstrap[0]) if snakemake.input.bootstrap else None
    tests = hypothesis_tests(hypotheses, pd.read_csv(snakemake.input.params), bootstrap,
                             alpha=snakemake.params.alpha, level=snakemake.params.level)
    write_table(tests, snakemake.output.tests)
    for row in tests.itertuples():
        verdict = "supported" if row.supported else "not supported"
        print(f"{row.id} {row.route} ({row.sign}): {row.estimate_of} {row.estimate:.3f} "
              f"[{row.ci_lower:.3f}, {row.ci_upper:.3f}] ({row.ci_method}), p = {row.pvalue:.4f}: {verdict}")
