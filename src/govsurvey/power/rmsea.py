"""Power of the RMSEA test of close fit (MacCallum, Browne & Sugawara, 1996).

H0: ε ≤ ε0 (0.05, close fit) against Ha: ε = εA (0.08, mediocre fit). The ML test statistic
(N − 1)·F̂ is noncentral chi-square with df degrees of freedom and noncentrality
λ = (N − 1)·df·ε², so the test rejects above the (1 − α) quantile of χ²(df, λ0) and its power
is P(χ²(df, λA) > that quantile). MacCallum et al. use N − 1 (lavaan's statistic uses N; the
difference is one observation)."""

import math

from scipy import stats


def rmsea_power(n, df, alpha=0.05, rmsea0=0.05, rmsea_a=0.08):
    """Power of the test of H0 ε = rmsea0 against Ha ε = rmsea_a at sample size n (n > 1).
    With rmsea_a < rmsea0 it is the test of not-close fit (rejects in the lower tail)."""
    if df < 1 or n < 2:
        return math.nan
    lam0, lam_a = (n - 1) * df * rmsea0 ** 2, (n - 1) * df * rmsea_a ** 2
    if rmsea_a > rmsea0:
        critical = stats.ncx2.isf(alpha, df, lam0)
        return float(stats.ncx2.sf(critical, df, lam_a))
    critical = stats.ncx2.ppf(alpha, df, lam0)
    return float(stats.ncx2.cdf(critical, df, lam_a))


def rmsea_sample_size(df, target=0.8, alpha=0.05, rmsea0=0.05, rmsea_a=0.08, n_max=1_000_000):
    """The smallest N whose rmsea_power reaches `target` (power rises with N), or None when
    even n_max does not."""
    if df < 1 or rmsea_power(n_max, df, alpha, rmsea0, rmsea_a) < target:
        return None
    low, high = 1, n_max  # power(low) < target <= power(high)
    while high - low > 1:
        mid = (low + high) // 2
        if rmsea_power(mid, df, alpha, rmsea0, rmsea_a) >= target:
            high = mid
        else:
            low = mid
    return high
