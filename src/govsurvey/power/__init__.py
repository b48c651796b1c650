"""Sample-size planning by Monte Carlo (Muthén & Muthén, 2002) and the RMSEA-based power of the
model test (MacCallum, Browne & Sugawara, 1996).

- population.py: the population (the study's fitted estimates, or values from config on top of
  them) as a model-implied covariance matrix;
- simulate.py: one replication = N multivariate-normal records drawn from that matrix, refitted
  by the study's ML fitter (sem.ml.MLFitter.bfgs from the population values, as the bootstrap
  draws start from the fit), with Wald tests of every structural path and delta-method tests of
  every indirect effect; sharded like the bootstrap;
- summary.py: power, bias, coverage, convergence per N and parameter, and the smallest N of the
  grid that reaches the target power;
- rmsea.py: the closed-form power of the test of close fit (noncentral chi-square);
- settings.py: the `power:` config section, checked.
"""

from govsurvey.power.rmsea import rmsea_power, rmsea_sample_size  # noqa: F401
