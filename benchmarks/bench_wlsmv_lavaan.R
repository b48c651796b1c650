# lavaan's side of benchmarks/bench_wlsmv.py: time a WLSMV fit, every item ordered, one core.
# Usage: Rscript bench_wlsmv_lavaan.R data.csv model.lavaan repeats
# Prints one JSON line: lavaan version, median wall and CPU seconds of sem() alone and of
# sem() + standardizedSolution() + fitMeasures() (what our fit_wlsmv returns), the chi-squares.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1])
model <- paste(readLines(args[2]), collapse = "\n")
repeats <- as.integer(args[3])
cpu <- function(t) t[["user.self"]] + t[["sys.self"]]
fit_only <- full <- list()
for (r in seq_len(repeats)) {
  t1 <- system.time(fit <- sem(model, data = data, ordered = names(data), estimator = "WLSMV"))
  t2 <- system.time({
    fit <- sem(model, data = data, ordered = names(data), estimator = "WLSMV")
    std <- standardizedSolution(fit)
    fm <- fitMeasures(fit)
  })
  fit_only[[r]] <- c(t1[["elapsed"]], cpu(t1))
  full[[r]] <- c(t2[["elapsed"]], cpu(t2))
}
med <- function(x, i) median(sapply(x, `[`, i))
cat(toJSON(list(
  lavaan_version = as.character(packageVersion("lavaan")),
  r_version = R.version.string,
  fit_wall = med(fit_only, 1), fit_cpu = med(fit_only, 2),
  full_wall = med(full, 1), full_cpu = med(full, 2),
  chisq = fm[["chisq"]], chisq_scaled = fm[["chisq.scaled"]]
), auto_unbox = TRUE, digits = NA), "\n")
