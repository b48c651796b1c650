# Regenerate the lavaan MLR and nested-test fixtures used by tests/test_mlr.py.
# Run from anywhere:  Rscript tests/reference/make_mlr_reference.R
# Needs R with lavaan (0.6-14) and jsonlite. Tests read only the files written here, never R.
#
# Per case <name>: <name>_mlr_params.csv (parameterEstimates with std.all and its SE) and
# <name>_mlr.json (fitMeasures, the Yuan-Bentler (Mplus) test and the options lavaan chose).
# Per comparison <name>: lrt_<name>_ml.csv and lrt_<name>_mlr.csv (lavTestLRT's table, the
# MLR one with method = "satorra.bentler.2001" and its scaling factor of the difference).
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

source(file.path(out_dir, "models.R"))  # politdem_model, hs_model, governance_model
# nested in hs_model: the two free loadings of each factor equal
hs_equal_model <- '
  visual  =~ x1 + v*x2 + v*x3
  textual =~ x4 + t*x5 + t*x6
  speed   =~ x7 + s*x8 + s*x9
'
# nested in hs_equal_model: and the factors uncorrelated
hs_equal_orth_model <- paste(hs_equal_model, "visual ~~ 0*textual + 0*speed\n  textual ~~ 0*speed")
# nested in hs_model: one factor behind all nine tests
hs_one_model <- 'g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9'

# nested in politdem_model: without the six residual covariances
politdem_nocov_model <- '
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + a*y2 + b*y3 + c*y4
  dem65 =~ y5 + a*y6 + b*y7 + c*y8
  dem60 ~ a1*ind60
  dem65 ~ c1*ind60 + b1*dem60
  ind := a1*b1
  total := c1 + a1*b1
'

# the default study's model; nested in its partial-mediation variant (direct paths from every
# cause to the outcome)
governance_partial_model <- paste(governance_model, "GS ~ e1*OB + e2*IN + e3*MS + e4*PM",
                                  sep = "\n")

hs_data <- read.csv(file.path(out_dir, "holzinger_data.csv"))
politdem_data <- read.csv(file.path(out_dir, "politdem_data.csv"))
governance_data <- read.csv(file.path(out_dir, "governance_data.csv"))

measures <- c("npar", "ntotal", "fmin", "chisq", "df", "pvalue",
              "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
              "baseline.chisq", "baseline.df", "baseline.pvalue",
              "baseline.chisq.scaled", "baseline.df.scaled", "baseline.pvalue.scaled",
              "baseline.chisq.scaling.factor",
              "cfi", "tli", "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust",
              "nnfi", "nnfi.scaled", "nnfi.robust", "rni", "rni.scaled", "rni.robust",
              "nfi", "nfi.scaled", "rfi", "rfi.scaled", "ifi", "ifi.scaled",
              "logl", "unrestricted.logl", "aic", "bic", "bic2",
              "scaling.factor.h1", "scaling.factor.h0",
              "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue",
              "rmsea.notclose.pvalue",
              "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled",
              "rmsea.pvalue.scaled", "rmsea.notclose.pvalue.scaled",
              "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust",
              "rmsea.pvalue.robust", "rmsea.notclose.pvalue.robust",
              "srmr")

fits <- list()

write_case <- function(name, model, data, data_file) {
  fit <- sem(model, data = data, estimator = "MLR")
  fits[[name]] <<- list(mlr = fit, ml = sem(model, data = data))
  pe <- parameterEstimates(fit, standardized = TRUE)
  ss <- standardizedSolution(fit, type = "std.all")
  key <- match(paste(pe$lhs, pe$op, pe$rhs), paste(ss$lhs, ss$op, ss$rhs))
  pe$std.all.se <- ss$se[key]
  write.csv(pe, file.path(out_dir, paste0(name, "_mlr_params.csv")), row.names = FALSE, na = "")
  fm <- fitMeasures(fit, measures)
  yb <- lavInspect(fit, "test")$yuan.bentler.mplus
  opt <- lavInspect(fit, "options")
  info <- list(
    name = name,
    lavaan_version = as.character(packageVersion("lavaan")),
    call = "sem(model, data = data, estimator = \"MLR\")",
    data = data_file,
    model = model,
    converged = lavInspect(fit, "converged"),
    options = list(se = opt$se, test = opt$test, information = opt$information,
                   h1.information = opt$h1.information,
                   observed.information = opt$observed.information,
                   information.meat = opt$information.meat,
                   h1.information.meat = opt$h1.information.meat,
                   meanstructure = opt$meanstructure),
    test = list(stat = yb$stat, df = yb$df, pvalue = yb$pvalue,
                scaling.factor = yb$scaling.factor, trace.UGamma = yb$trace.UGamma,
                scaling.factor.h1 = yb$scaling.factor.h1,
                scaling.factor.h0 = yb$scaling.factor.h0),
    fit = as.list(setNames(as.numeric(fm), names(fm)))
  )
  write_json(info, file.path(out_dir, paste0(name, "_mlr.json")), auto_unbox = TRUE,
             digits = NA, pretty = TRUE)
  cat("wrote", name, "\n")
}

# lavTestLRT's table for fits ordered as given; `names` label its rows.
write_lrt <- function(name, cases) {
  for (estimator in c("ml", "mlr")) {
    mods <- lapply(cases, function(k) fits[[k]][[estimator]])
    tab <- if (estimator == "mlr") {
      do.call(lavTestLRT, c(mods, list(method = "satorra.bentler.2001", model.names = cases)))
    } else {
      do.call(lavTestLRT, c(mods, list(model.names = cases)))
    }
    out <- data.frame(model = rownames(tab), as.data.frame(tab), check.names = FALSE)
    if (estimator == "mlr") {  # the scaling factor of each difference (cd)
      ordered <- mods[order(sapply(mods, function(m) fitMeasures(m, "df")))]
      out$scaling.factor <- c(NA, sapply(seq_len(length(ordered) - 1L), function(m)
        lavaan:::lav_test_diff_SatorraBentler2001(ordered[[m]], ordered[[m + 1]])$scaling.factor))
    }
    write.csv(out, file.path(out_dir, paste0("lrt_", name, "_", estimator, ".csv")),
              row.names = FALSE, na = "")
  }
  cat("wrote lrt", name, "\n")
}

write_case("holzinger", hs_model, hs_data, "holzinger_data.csv")
write_case("holzinger_equal", hs_equal_model, hs_data, "holzinger_data.csv")
write_case("holzinger_equal_orth", hs_equal_orth_model, hs_data, "holzinger_data.csv")
write_case("holzinger_one", hs_one_model, hs_data, "holzinger_data.csv")
write_case("politdem", politdem_model, politdem_data, "politdem_data.csv")
write_case("politdem_nocov", politdem_nocov_model, politdem_data, "politdem_data.csv")
write_case("governance", governance_model, governance_data, "governance_data.csv")
write_case("governance_partial", governance_partial_model, governance_data,
           "governance_data.csv")
# observed predictors (fixed.x: Gamma of the y's given the x's), and a saturated model (df = 0:
# no scaling factor)
write_case("fixedx", "dem60 =~ y1 + y2 + y3 + y4\n  dem60 ~ x1 + x2", politdem_data,
           "politdem_data.csv")
write_case("saturated", "y1 + y2 ~ x1 + x2", politdem_data, "politdem_data.csv")

write_lrt("holzinger", c("holzinger", "holzinger_equal", "holzinger_equal_orth"))
write_lrt("holzinger_one", c("holzinger_one", "holzinger"))
write_lrt("politdem", c("politdem_nocov", "politdem"))  # given out of order on purpose
write_lrt("governance", c("governance_partial", "governance"))
