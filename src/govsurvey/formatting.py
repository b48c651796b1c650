"""APA-style number formatting shared by the figures and the report."""

import math
from contextlib import contextmanager
from contextvars import ContextVar

MINUS = "\u2212"  # typographic minus sign, as APA and typesetters expect
MISSING = "\u2014"  # em dash for a value that could not be computed
# Whether values that cannot exceed 1 keep their leading zero: APA drops it (.42), Chinese theses
# keep it (0.42). The chapter and the figures of one language set it (words: leading_zero).
_LEADING_ZERO = ContextVar("leading_zero", default=False)


@contextmanager
def number_style(leading_zero):
    """Within the block, apa_number (and so apa_p) keeps or drops the leading zero by default."""
    token = _LEADING_ZERO.set(bool(leading_zero))
    try:
        yield
    finally:
        _LEADING_ZERO.reset(token)


def _missing(x):
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):  # e.g. pandas.NA
        return True


def keeps_leading_zero():
    """Whether the current number style keeps the leading zero (see number_style)."""
    return _LEADING_ZERO.get()


def apa_number(x, digits=2, leading_zero=None):
    """Format a number APA style: `.42`, `−.05`, `1.23`.

    APA drops the leading zero for quantities that cannot exceed 1 in absolute value
    (correlations, standardized coefficients, p values), hence the default; inside
    `number_style(True)` (the Chinese chapter) it is kept: `0.42`.
    """
    if leading_zero is None:
        leading_zero = _LEADING_ZERO.get()
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
