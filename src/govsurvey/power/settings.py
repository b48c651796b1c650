"""The `power:` section of config (schema: schemas/config.schema.yaml, which fills the
defaults), checked beyond what the schema can say."""

from govsurvey.errors import InputError


def observed_variables(parsed):
    """The model's observed variables: every variable of its relations that is not latent."""
    named = dict.fromkeys(v for st in parsed.statements for v in (st.lhs, st.rhs))
    return [v for v in named if v not in parsed.factors]


def check_settings(power, n_observed, source="config.yaml"):
    """InputError naming the key and the fix: sizes not increasing, or a size too small for the
    model's observed variables (the sample covariance matrix would be singular); an RMSEA
    alternative equal to the null. Returns `power`."""
    sizes = list(power["sizes"])
    if sizes != sorted(set(sizes)):
        raise InputError(source, f"power.sizes is {sizes}: the sample sizes must be listed once each, "
                         "smallest first.", f"write them in increasing order, e.g. {sorted(set(sizes))}.")
    if sizes[0] <= n_observed:
        raise InputError(source, f"power.sizes starts at {sizes[0]}, but the model has {n_observed} "
                         "observed variables: a sample needs more records than variables for its "
                         "covariance matrix to be invertible, and many more for the model to converge.",
                         f"use sample sizes above {n_observed} (100 or more for a structural model).")
    rmsea = power["rmsea"]
    if rmsea["null"] == rmsea["alternative"]:
        raise InputError(source, f"power.rmsea has null = alternative = {rmsea['null']}: the test has "
                         "no alternative to detect.",
                         "use the test of close fit, null 0.05 and alternative 0.08 (the defaults).")
    return power


def population_values(power):
    """{label or relation: value} set by config, or {} for the fitted estimates."""
    population = power.get("population", "fitted")
    return {} if population == "fitted" else dict(population)
