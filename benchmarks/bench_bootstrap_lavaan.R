# lavaan's side of benchmarks/bench_bootstrap.py: time sem(..., se = "bootstrap") on one core.
# Usage: Rscript bench_bootstrap_lavaan.R data.csv model.lavaan B seed
# Prints one JSON line: lavaan version, seconds of the plain fit and of the bootstrap fit,
# wall-clock and CPU ms per draw ((bootstrap - plain) / B), failed and inadmissible draw counts.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1])
model <- paste(readLines(args[2]), collapse = "\n")
B <- as.integer(args[3])
set.seed(as.integer(args[4]))

plain <- system.time(fit <- sem(model, data = data))
boot <- system.time(fit_boot <- sem(model, data = data, se = "bootstrap", bootstrap = B,
                                    parallel = "no", warn = FALSE))
draws <- lavInspect(fit_boot, "boot")
cat(toJSON(list(
  lavaan_version = as.character(packageVersion("lavaan")),
  r_version = R.version.string,
  draws = B,
  plain_seconds = plain[["elapsed"]],
  bootstrap_seconds = boot[["elapsed"]],
  ms_per_draw = 1000 * (boot[["elapsed"]] - plain[["elapsed"]]) / B,
  cpu_ms_per_draw = 1000 * (boot[["user.self"]] + boot[["sys.self"]] -
                            plain[["user.self"]] - plain[["sys.self"]]) / B,
  failed = length(attr(draws, "error.idx")),
  inadmissible = length(attr(draws, "nonadmissible"))
), auto_unbox = TRUE, digits = NA), "\n")
