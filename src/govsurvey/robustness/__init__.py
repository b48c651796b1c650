"""The robustness stage (after sem, before the report): competing models, common-method bias,
multivariate normality and the sensitivity of the structural paths and effects to the
estimator, the sample and demographic controls.

Read in this order: models.py (the model syntax each check fits, generated from the study's
model), competing.py (the competing models and their nested tests), method_bias.py (single
factor, the unmeasured latent method construct, the marker variable), normality.py (Mardia,
item skew and kurtosis), sensitivity.py (the variants registry and the paths-by-variant table),
stage.py (the stage as the workflow runs it).

The estimators: the competing models are compared under the study's primary estimator
(analysis.estimator, ML or MLR) and under WLSMV, every nested test by
govsurvey.sem.nested.compare_nested (competing.nested_test); method bias is fitted by ML (its
tests also under MLR when that is primary); `sensitivity.VARIANTS` holds one line per variant
(ML, MLR, WLSMV, FIML, without the Mahalanobis exclusions, with controls).
"""
