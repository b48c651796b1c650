"""APA-style number formatting shared by the figures and the report."""

import math

MINUS = "\u2212"  # typographic minus sign, as APA and typesetters expect
MISSING = "\u2014"  # em dash for a value that could not be computed


def _missing(x):
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):  # e.g. pandas.NA
        return True


def apa_number(x, digits=2, leading_zero=False):
    """Format a number APA style: `.42`, `−.05`, `1.23`.

    APA drops the leading zero for quantities that cannot exceed 1 in absolute value
    (correlations, standardized coefficients, p values), hence the default.
    """
    if _missing(x):
        return MISSING
    text = f"{abs(float(x)):.{digits}f}"
    if not leading_zero and text.startswith("0."):
        text = text[1:]
    # No sign on a value that rounds to zero: "−.00" would be misleading.
    negative = float(x) < 0 and float(text) != 0
    return (MINUS if negative else "") + text


def apa_p(p, digits=3):
    """Format a p value APA style: `< .001`, `.032`."""
    if _missing(p):
        return MISSING
    floor = 10.0**-digits
    if p < floor:
        return "< " + apa_number(floor, digits)
    return apa_number(p, digits)


def significance_stars(p):
    """Conventional stars: * p < .05, ** p < .01, *** p < .001; empty otherwise."""
    if _missing(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""
