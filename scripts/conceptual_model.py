# Rule conceptual_model: the constructs and the hypothesised paths (H1 …), drawn from the model
# before anything is fitted.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

from govsurvey.errors import reported_errors
from govsurvey.figures.conceptual import draw_conceptual_model
from govsurvey.study import load_instrument, read_model
from govsurvey.study.hypotheses import load_theory, study_hypotheses

with reported_errors():
    instrument = load_instrument(snakemake.input.instrument)
    theory = load_theory(snakemake.input.theory[0] if snakemake.input.theory else None)
    hypotheses = study_hypotheses(read_model(snakemake.input.model), instrument, theory)
    paths = [{"id": h.id, "predictor": h.predictor, "outcome": h.outcome, "sign": h.sign}
             for h in hypotheses if h.kind == "path"]
    draw_conceptual_model(instrument, paths, snakemake.params.language, snakemake.output.png, snakemake.output.svg)
