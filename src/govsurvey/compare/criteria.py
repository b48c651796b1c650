"""The comparison's criteria, codes and parts, shared by the stage (sem/invariance.py,
compare/study.py), the workflow and the chapter (report/comparison.py), which must not import
the estimation packages to read them."""

# Chen (2007, p. 501): (CFI drop, RMSEA rise, SRMR rise) signalling noninvariance, for small
# and for adequate samples; SRMR's bound is wider for loadings than for the other families
CHEN_2007 = {"small": {"metric": (0.005, 0.010, 0.025), "scalar": (0.005, 0.010, 0.005),
                       "strict": (0.005, 0.010, 0.005)},
             "adequate": {"metric": (0.010, 0.015, 0.030), "scalar": (0.010, 0.015, 0.010),
                          "strict": (0.010, 0.015, 0.010)}}
# the configural model must fit before any step can hold: Hu & Bentler (1999), the cut-offs
# the chapter judges every model by (sem/indices.py FIT_THRESHOLDS, "strict")
CONFIGURAL_FIT = {"cfi": 0.95, "tli": 0.95, "rmsea": 0.06, "srmr": 0.08}
# fewer respondents per group than this many times the free parameters per group is warned of
# (a common rule of thumb: Bentler & Chou, 1987)
CASES_PER_PARAMETER = 5
# a grouping's respondents who did not answer its question (summary.json's not_grouped)
NO_ANSWER = "(no answer)"


def comparison_parts(settings):
    """The comparison's parts, each one job: "streets" (every street's scores against the
    midpoint; with benchmark streets also their invariance ladder, paths and IPMA), then each
    grouping variable of the focal street, in the config's order."""
    if "streets" in settings["groups"]:
        from govsurvey.errors import InputError
        raise InputError("config.yaml", "comparison.groups has a grouping named 'streets', the name "
                         "of the comparison between streets.", "rename that grouping.")
    return ["streets", *settings["groups"]]
