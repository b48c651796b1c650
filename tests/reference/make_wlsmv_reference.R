# Regenerate the lavaan WLSMV reference fixtures used by tests/test_wlsmv.py.
# Run from anywhere:  Rscript tests/reference/make_wlsmv_reference.R
# Needs R with lavaan (0.6-14), psych (for its bfi data) and jsonlite. Tests read only the
# files written here, never R.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

source(file.path(out_dir, "models.R"))  # politdem_model, hs_model, governance_model
governance <- read.csv(file.path(out_dir, "governance_data.csv"))

# psych's bfi: three five-item scales (six-point answers), complete cases. Five items are
# reverse keyed (negative loadings); C4 ~~ C5 is a residual correlation between two items.
data(bfi, package = "psych", envir = environment())
bfi_items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5))
bfi15 <- na.omit(bfi[, bfi_items])
rownames(bfi15) <- NULL
write.csv(bfi15, file.path(out_dir, "wlsmv_bfi_data.csv"), row.names = FALSE)
bfi_model <- '
  agree =~ A1 + A2 + A3 + A4 + A5
  consc =~ C1 + C2 + C3 + C4 + C5
  extra =~ E1 + E2 + E3 + E4 + E5
  C4 ~~ C5
'
# nested in bfi_model: agreeableness and conscientiousness uncorrelated
bfi_model_orth <- paste(bfi_model, "agree ~~ 0*consc", sep = "\n")

fit_measures <- c("npar", "fmin", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled",
                  "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq", "baseline.df",
                  "baseline.pvalue", "baseline.chisq.scaled", "baseline.df.scaled",
                  "baseline.pvalue.scaled", "baseline.chisq.scaling.factor", "cfi", "tli",
                  "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust", "rmsea",
                  "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "rmsea.scaled",
                  "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "rmsea.pvalue.scaled",
                  "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust",
                  "rmsea.pvalue.robust", "srmr")

fit_wlsmv <- function(model, data) {
  sem(model, data = data, ordered = names(data), estimator = "WLSMV")
}

write_case <- function(name, model, data, data_file) {
  fit <- fit_wlsmv(model, data)
  pe <- parameterEstimates(fit, standardized = TRUE)
  ss <- standardizedSolution(fit, type = "std.all")
  stopifnot(all(pe$lhs == ss$lhs & pe$op == ss$op & pe$rhs == ss$rhs))
  pe$std.all.se <- ss$se
  write.csv(pe, file.path(out_dir, paste0(name, "_params.csv")), row.names = FALSE, na = "")
  test <- lavInspect(fit, "test")$scaled.shifted
  fm <- as.list(fitMeasures(fit, fit_measures))
  fm$chisq.shift.parameter <- test$shift.parameter
  fm$trace.UGamma <- test$trace.UGamma
  fm$trace.UGamma2 <- test$trace.UGamma2
  info <- list(name = name, lavaan_version = as.character(packageVersion("lavaan")),
               call = "sem(model, data, ordered = names(data), estimator = \"WLSMV\")",
               data = data_file, model = model, converged = lavInspect(fit, "converged"),
               ntotal = lavInspect(fit, "ntotal"), fit = fm,
               r2 = as.list(lavInspect(fit, "r2")),
               gamma_diag = unname(diag(lavInspect(fit, "gamma"))),
               wls_obs = unname(lavInspect(fit, "wls.obs")),
               wls_obs_names = names(lavInspect(fit, "wls.obs")))
  write_json(info, file.path(out_dir, paste0(name, ".json")), auto_unbox = TRUE,
             digits = NA, pretty = TRUE)
  fit
}

difftest <- function(fit1, fit0) {
  lrt <- lavTestLRT(fit1, fit0)   # default for WLSMV: satorra.2000, scaled.shifted
  list(chisq_diff = lrt[["Chisq diff"]][2], df_diff = lrt[["Df diff"]][2],
       pvalue = lrt[["Pr(>Chisq)"]][2], method = attr(lrt, "heading"))
}

# (a) the default model on the simulated five-point answers, every item ordinal; nested in it
# is a variant with a direct path from OB to GS (the population has one): DIFFTEST compares them
gov <- write_case("wlsmv_governance", governance_model, governance, "governance_data.csv")
gov_direct <- write_case("wlsmv_governance_direct",
                         paste(governance_model, "GS ~ OB", sep = "\n"), governance,
                         "governance_data.csv")
# the cleaned synthetic L Street survey (as make_reference.R) with the default model
write_case("wlsmv_survey", governance_model, read.csv(file.path(out_dir, "survey_data.csv")),
           "survey_data.csv")
# (b) bfi, and its nested variant with two factors uncorrelated
bfi_fit <- write_case("wlsmv_bfi", bfi_model, bfi15, "wlsmv_bfi_data.csv")
bfi_orth <- write_case("wlsmv_bfi_orth", bfi_model_orth, bfi15, "wlsmv_bfi_data.csv")
write_json(list(governance = difftest(gov_direct, gov), bfi = difftest(bfi_fit, bfi_orth)),
           file.path(out_dir, "wlsmv_difftest.json"), auto_unbox = TRUE, digits = NA,
           pretty = TRUE)

# one factor on five items: small enough to store lavaan's whole NACOV (Gamma)
agree <- bfi15[, paste0("A", 1:5)]
agree_fit <- write_case("wlsmv_agree", "agree =~ A1 + A2 + A3 + A4 + A5", agree,
                        "wlsmv_bfi_data.csv")
write.csv(lavInspect(agree_fit, "gamma"), file.path(out_dir, "wlsmv_agree_gamma.csv"),
          row.names = FALSE)

# (c) lavCor: thresholds and polychoric correlations of the bfi items, and of the simulated
# answers with one item (IN1) that nobody answered 2 on (lavaan merges the empty category)
write_lavcor <- function(name, data) {
  fit <- lavCor(data, ordered = names(data), output = "fit")
  write.csv(lavInspect(fit, "cor.ov"), file.path(out_dir, paste0(name, "_cor.csv")),
            row.names = FALSE)
  th <- lavInspect(fit, "th")
  write.csv(data.frame(name = names(th), th = unname(th)),
            file.path(out_dir, paste0(name, "_th.csv")), row.names = FALSE)
}
write_lavcor("lavcor_bfi", bfi15)
gap <- governance
gap$IN1[gap$IN1 == 2] <- 1
write_lavcor("lavcor_gap", gap)

# (d) a polychoric matrix that is not positive definite: 12 five-point items of one strong
# factor answered by 40 people (the first seed from 1 whose pairwise estimates are not
# positive definite). lavaan fits DWLS to it as it is; lavCor(cor.smooth = TRUE) smooths it.
simulate_nonpd <- function() {
  for (seed in 1:100) {
    set.seed(seed)
    f <- rnorm(40)
    y <- sapply(1:12, function(i) 0.9 * f + sqrt(1 - 0.81) * rnorm(40))
    d <- as.data.frame(apply(y, 2, function(x) as.integer(cut(x, c(-Inf, -1, -0.3, 0.3, 1, Inf)))))
    names(d) <- paste0("y", 1:12)
    if (any(sapply(d, function(x) length(unique(x))) < 5)) next
    R <- lavCor(d, ordered = names(d))
    if (min(eigen(R, only.values = TRUE)$values) < 0) return(d)
  }
  stop("no seed gave a non positive definite polychoric matrix")
}
nonpd <- simulate_nonpd()
write_case("wlsmv_nonpd", paste("F =~", paste(names(nonpd), collapse = " + ")), nonpd,
           "wlsmv_nonpd_data.csv")
write.csv(nonpd, file.path(out_dir, "wlsmv_nonpd_data.csv"), row.names = FALSE)
write.csv(lavCor(nonpd, ordered = names(nonpd), cor.smooth = TRUE),
          file.path(out_dir, "wlsmv_nonpd_smoothed.csv"), row.names = FALSE)
