"""The structural equation model: ML fit in lavaan's shapes, fit indices, admissibility,
modification indices and the bootstrap of indirect effects.

Read in this order: layout.py (where the parameters sit), ml.py (the one ML fitter), fit.py
(fit_sem: the lavaan-shaped results), indices.py, admissibility.py, modindices.py,
bootstrap.py.
"""

from govsurvey.sem.admissibility import check_admissibility
from govsurvey.sem.fit import PARAM_COLUMNS, SemFit, fit_sem, restore_fit
from govsurvey.sem.modindices import modification_indices

__all__ = ["PARAM_COLUMNS", "SemFit", "check_admissibility", "fit_sem", "modification_indices",
           "restore_fit"]
