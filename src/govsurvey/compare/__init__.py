"""The comparative study: the focal street beside benchmark streets and its own groups.

differences.py: construct scores, tests against the scale midpoint and between streets or
groups (Welch t / Welch ANOVA with effect sizes, Holm-corrected); ipma.py: the
importance-performance map of the causes (each street at its own total effects); criteria.py:
the invariance criteria and codes the chapter reads too; study.py: the comparison stage.
"""
