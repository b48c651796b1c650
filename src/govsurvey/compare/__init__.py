"""The comparative study: the focal street beside benchmark streets and its own groups.

differences.py: construct scores, tests against the scale midpoint and between streets or
groups (Welch t / Welch ANOVA with effect sizes, Holm-corrected); ipma.py: the
importance-performance map of the causes.
"""
