"""The robustness stage (after sem, before the report): competing models, common-method bias,
multivariate normality and the sensitivity of the structural paths and effects to the
estimator, the sample and demographic controls.

Read in this order: models.py (the model syntax each check fits, generated from the study's
model), competing.py (the competing models and their nested tests), method_bias.py (single
factor, the unmeasured latent method construct, the marker variable), normality.py (Mardia,
item skew and kurtosis), sensitivity.py (the variants registry and the paths-by-variant table),
stage.py (the stage as the workflow runs it).

Everything is fitted by ML now (govsurvey.sem.fit.fit_sem). Other estimators plug in at two
places: `sensitivity.VARIANTS` (one line per estimator: name -> function(data, model) ->
SemFit) and `competing.nested_test` (the Δχ² test, whose `estimator` argument picks the
scaled difference test under MLR or DIFFTEST under WLSMV once govsurvey.sem.nested exists).
"""
