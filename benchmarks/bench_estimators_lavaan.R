# lavaan's side of benchmarks/bench_estimators.py: time sem(model, data, estimator = E)
# (under WLSMV with every item ordered).
# Usage: Rscript bench_estimators_lavaan.R data.csv model.lavaan ESTIMATOR repeats
# One warm-up fit, then `repeats` timed fits. Prints one JSON line: lavaan and R versions, the
# median wall-clock and CPU seconds of sem() alone and of sem() + fitMeasures() +
# standardizedSolution() (what our fit_sem returns in one call), and the scaled chi-square.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1])
model <- paste(readLines(args[2]), collapse = "\n")
estimator <- args[3]
repeats <- as.integer(args[4])

# WLSMV: every item ordered, as our fit_wlsmv's default for integer answers with <= 7 points
ordered <- if (estimator == "WLSMV") names(data) else NULL
one <- function(full) {
  t <- system.time({
    fit <- sem(model, data = data, estimator = estimator, ordered = ordered)
    if (full) {
      fm <- fitMeasures(fit)
      ss <- standardizedSolution(fit)
    }
  })
  c(wall = t[["elapsed"]], cpu = t[["user.self"]] + t[["sys.self"]])
}
invisible(one(TRUE))  # warm-up
fit_only <- sapply(seq_len(repeats), function(i) one(FALSE))
full <- sapply(seq_len(repeats), function(i) one(TRUE))
fit <- sem(model, data = data, estimator = estimator, ordered = ordered)
cat(toJSON(list(
  lavaan_version = as.character(packageVersion("lavaan")),
  r_version = R.version.string,
  repeats = repeats,
  fit_wall = median(fit_only["wall", ]), fit_cpu = median(fit_only["cpu", ]),
  full_wall = median(full["wall", ]), full_cpu = median(full["cpu", ]),
  chisq_scaled = unname(fitMeasures(fit, "chisq.scaled"))
), auto_unbox = TRUE, digits = NA), "\n")
