# Reference values for the careless-responding indices in govsurvey.screening.
#
# Run from the repository root:  Rscript tests/reference/make_careless_reference.R
# Writes tests/reference/careless_data.csv (the answers) and careless_reference.csv (one row
# per respondent: longstring, irv, mahad, evenodd).
#
# Mahalanobis D² comes from psych::outlier, which careless::mahad calls. The careless package
# itself (1.2.x) is used when installed; it is not packaged for Debian, so otherwise the other
# three indices come from the definitions below, written after careless 1.2.2's sources
# (longstring via rle(); irv = row sd with na.rm; evenodd = negated Spearman-Brown corrected
# within-person correlation of even- and odd-item factor means). The output says which.
suppressPackageStartupMessages(library(psych))
have_careless <- requireNamespace("careless", quietly = TRUE)

longstring_def <- function(x) apply(x, 1, function(row) as.numeric(max(rle(row)$lengths)))
irv_def <- function(x) apply(x, 1, stats::sd, na.rm = TRUE)
evenodd_def <- function(x, factors) {
  out <- numeric(nrow(x))
  for (i in seq_len(nrow(x))) {
    f <- matrix(NA, length(factors), 2)
    start <- 1
    for (j in seq_along(factors)) {
      s <- x[i, start:(start + factors[j] - 1)]
      ind <- seq_along(s)
      f[j, 1] <- mean(s[ind %% 2 == 0], na.rm = TRUE)
      f[j, 2] <- mean(s[ind %% 2 == 1], na.rm = TRUE)
      start <- start + factors[j]
    }
    val <- suppressWarnings(stats::cor(f[, 1], f[, 2], use = "pairwise.complete.obs"))
    val <- (2 * val) / (1 + val)
    if (!is.na(val) && val < -1) val <- -1
    out[i] <- -val
  }
  out
}

set.seed(20260903)
n <- 90; factors <- rep(4, 8); p <- sum(factors)
latent <- matrix(rnorm(n * 8), n, 8) %*% chol(0.4 + 0.6 * diag(8))
x <- matrix(NA_real_, n, p)
for (j in seq_len(p)) {
  ystar <- 0.75 * latent[, (j - 1) %/% 4 + 1] + sqrt(1 - 0.75^2) * rnorm(n)
  x[, j] <- findInterval(ystar, c(-1.5, -0.5, 0.5, 1.5)) + 1
}
x[81:85, ] <- matrix(rep(c(1, 3, 4, 5, 2), p), 5, p)            # straight-liners
x[86:90, ] <- matrix(sample(1:5, 5 * p, replace = TRUE), 5, p)  # random answers
x[cbind(sample(n, 40, replace = TRUE), sample(p, 40, replace = TRUE))] <- NA
x[3, 1:3] <- NA                                                  # a factor with one item left
x[84, 5] <- 4                                                    # a near straight-liner
colnames(x) <- sprintf("X%02d", seq_len(p))

ref <- if (have_careless) {
  data.frame(longstring = careless::longstring(x)[[1]], irv = careless::irv(x),
             mahad = careless::mahad(x, plot = FALSE),
             evenodd = suppressWarnings(careless::evenodd(x, factors)))
} else {
  data.frame(longstring = longstring_def(x), irv = irv_def(x),
             mahad = as.numeric(psych::outlier(x, plot = FALSE)), evenodd = evenodd_def(x, factors))
}
ref$source <- if (have_careless) paste("careless", packageVersion("careless")) else
  paste0("definitions after careless 1.2.2; psych ", packageVersion("psych"), " outlier")
write.csv(x, "tests/reference/careless_data.csv", row.names = FALSE, na = "")
write.csv(ref, "tests/reference/careless_reference.csv", row.names = FALSE, na = "")
cat("wrote careless_data.csv and careless_reference.csv from", ref$source[1], "\n")
