# Regenerate the lavaan reference fixtures for full-information ML (tests/test_fiml.py).
# Run from anywhere:  Rscript tests/reference/make_fiml_reference.R
# Needs R with lavaan 0.6-14 and jsonlite. Tests read only the files written here, never R.
#
# Three data sets get planted missing values (a fixed, seeded pattern): about 10% of all
# answers missing completely at random, some more missing at random (depending on an item
# that is always observed), and one record with every item missing (lavaan drops it). Each is
# fitted with missing = "ml" under ML and under MLR.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

source(file.path(out_dir, "models.R"))  # politdem_model, hs_model, governance_model

# mcar: share of every cell missing completely at random, except in `keep` (the MAR driver);
# mar: items missing with probability p_high where `driver` is above its median, else p_low.
plant_missing <- function(data, seed, keep, mar_items, p_high, p_low, mcar = 0.10) {
  set.seed(seed)
  out <- data
  for (v in setdiff(names(out), keep)) {
    out[runif(nrow(out)) < mcar, v] <- NA
  }
  high <- data[[keep]] > median(data[[keep]])
  for (v in mar_items) {
    p <- ifelse(high, p_high, p_low)
    out[runif(nrow(out)) < p, v] <- NA
  }
  out[nrow(out) - 1, ] <- NA  # one record with nothing answered: lavaan leaves it out
  out
}

write_fit <- function(name, fit) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  ss <- standardizedSolution(fit, type = "std.all")
  key <- function(d) paste(d$lhs, d$op, d$rhs)
  pe$std.all.se <- ss$se[match(key(pe), key(ss))]
  write.csv(pe, file.path(out_dir, paste0(name, "_params.csv")), row.names = FALSE, na = "")
  fm <- fitMeasures(fit)
  test <- lavInspect(fit, "test")
  extra <- list()
  for (t in test) {
    if (!is.null(t$scaling.factor.h1)) {
      extra$trace_ugamma <- t$trace.UGamma
      extra$scaling_factor_h1 <- t$scaling.factor.h1
      extra$scaling_factor_h0 <- t$scaling.factor.h0
    }
  }
  h1 <- lavInspect(fit, "sampstat")  # the EM (H1) moments under missing = "ml"
  info <- list(
    name = name,
    lavaan_version = as.character(packageVersion("lavaan")),
    call = paste(deparse(fit@call), collapse = " "),
    estimator = lavInspect(fit, "options")$estimator,
    se = lavInspect(fit, "options")$se,
    test = lavInspect(fit, "options")$test,
    information = lavInspect(fit, "options")$information,
    converged = lavInspect(fit, "converged"),
    nobs = lavInspect(fit, "nobs"),
    norig = lavInspect(fit, "norig"),
    n_patterns = nrow(lavInspect(fit, "patterns")),
    fit = as.list(setNames(as.numeric(fm), names(fm))),
    test_details = extra,
    r2 = as.list(lavInspect(fit, "r2")),
    h1_mean = as.list(h1$mean),
    h1_cov = unname(as.matrix(h1$cov)),
    h1_names = colnames(h1$cov)
  )
  write_json(info, file.path(out_dir, paste0(name, ".json")), auto_unbox = TRUE,
             digits = NA, pretty = TRUE)
}

write_case <- function(name, model, data) {
  data_file <- paste0(name, "_data.csv")
  write.csv(data, file.path(out_dir, data_file), row.names = FALSE, na = "")
  ml <- suppressWarnings(sem(model, data = data, missing = "ml"))
  write_fit(paste0(name, "_ml"), ml)
  mlr <- suppressWarnings(sem(model, data = data, missing = "ml", estimator = "MLR"))
  write_fit(paste0(name, "_mlr"), mlr)
  cat("wrote", name, "\n")
}

pd <- plant_missing(PoliticalDemocracy, 17, keep = "x1", mar_items = c("y5", "y6", "y7", "y8"),
                    p_high = 0.25, p_low = 0.05)
write_case("fiml_politdem", politdem_model, pd)

hs <- plant_missing(HolzingerSwineford1939[, paste0("x", 1:9)], 1939, keep = "x4",
                    mar_items = c("x7", "x8", "x9"), p_high = 0.20, p_low = 0.05)
write_case("fiml_holzinger", hs_model, hs)

gov <- read.csv(file.path(out_dir, "governance_data.csv"))
gov <- plant_missing(gov, 611, keep = "IN1", mar_items = c("GS1", "GS2", "GS3", "GS4"),
                     p_high = 0.20, p_low = 0.05)
write_case("fiml_governance", governance_model, gov)
