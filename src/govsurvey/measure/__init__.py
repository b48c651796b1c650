"""The measurement model: reliability (reliability.py), validity, factorability and EFA
(validity.py), and the CFA; results.py runs them all for the measure stage."""

from govsurvey.measure.results import measurement_results

__all__ = ["measurement_results"]
