"""The structural equation model: ML fit in lavaan's shapes, fit indices, admissibility,
modification indices, the bootstrap of indirect effects, multi-group models and measurement
invariance.

Read in this order: layout.py (where the parameters sit), ml.py (the one ML fitter), fit.py
(fit_sem: the lavaan-shaped results), indices.py, admissibility.py, modindices.py,
bootstrap.py, groups.py (multi-group ML with means and equality constraints, score and Wald
tests), invariance.py (the invariance ladder, latent means, path equality across groups).
"""

from govsurvey.sem.admissibility import check_admissibility
from govsurvey.sem.fit import PARAM_COLUMNS, SemFit, fit_sem, restore_fit
from govsurvey.sem.groups import GROUP_COLUMNS, GroupFit, fit_groups, score_tests, wald_test
from govsurvey.sem.invariance import Invariance, compare_paths, invariance_ladder
from govsurvey.sem.modindices import modification_indices

__all__ = ["GROUP_COLUMNS", "GroupFit", "Invariance", "PARAM_COLUMNS", "SemFit",
           "check_admissibility", "compare_paths", "fit_groups", "fit_sem", "invariance_ladder",
           "modification_indices", "restore_fit", "score_tests", "wald_test"]
