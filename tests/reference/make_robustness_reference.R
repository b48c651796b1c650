# Regenerate the lavaan / psych reference fixtures used by tests/test_robustness.py.
# Run from anywhere:  Rscript tests/reference/make_robustness_reference.R
# Needs R with lavaan, psych and jsonlite. Tests read only the files written here, never R.
# The models are written out here by hand (not taken from govsurvey's generators), so that the
# tests check the generated syntax as well as the fit.
suppressPackageStartupMessages({
  library(lavaan)
  library(psych)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

data <- read.csv(file.path(out_dir, "governance_data.csv"))
structural <- paste(readLines(file.path(out_dir, "..", "..", "data", "models", "governance.lavaan")),
                    collapse = "\n")
factors <- c("IN", "OB", "MS", "PM", "PL", "PW", "RI", "GS")
items <- as.vector(t(outer(factors, 1:4, paste0)))
cfa_model <- paste(sprintf("%s =~ %s", factors, sapply(factors, function(f) paste0(f, 1:4, collapse = " + "))),
                   collapse = "\n")
one_factor <- paste("G =~", paste(items, collapse = " + "))
partial <- paste(structural, "GS ~ IN + OB + MS + PM", sep = "\n")
# ULMC, constrained form: every item loads 1 on METHOD (variance free), orthogonal to the traits
# (to the exogenous latents; the endogenous ones covary with it only through them)
method_equal <- paste("METHOD =~", paste0("1*", items, collapse = " + "))
ulmc_cfa <- paste(cfa_model, method_equal, paste("METHOD ~~", paste0("0*", factors, collapse = " + ")), sep = "\n")
ulmc_sem <- paste(structural, method_equal, "METHOD ~~ 0*IN + 0*OB + 0*MS + 0*PM", sep = "\n")

measures <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "srmr", "aic", "bic")

write_fit <- function(name, model, data, data_file = "governance_data.csv") {
  fit <- sem(model, data = data)
  pe <- parameterEstimates(fit, standardized = TRUE)
  write.csv(pe, file.path(out_dir, paste0("robustness_", name, "_params.csv")), row.names = FALSE, na = "")
  fm <- fitMeasures(fit, measures)
  list(name = name, data = data_file, model = model, converged = lavInspect(fit, "converged"),
       fit = as.list(setNames(as.numeric(fm), names(fm))), object = fit)
}

lrt <- function(restricted, general) {  # lavTestLRT's default (method "standard") under ML
  t <- lavTestLRT(restricted$object, general$object)
  list(restricted = restricted$name, general = general$name, chisq_diff = t[["Chisq diff"]][2],
       df_diff = t[["Df diff"]][2], pvalue = t[["Pr(>Chisq)"]][2])
}

fits <- list(
  one_factor = write_fit("one_factor", one_factor, data),
  cfa = write_fit("cfa", cfa_model, data),
  structural = write_fit("structural", structural, data),
  partial_mediation = write_fit("partial_mediation", partial, data),
  ulmc_cfa = write_fit("ulmc_cfa", ulmc_cfa, data),
  ulmc_sem = write_fit("ulmc_sem", ulmc_sem, data)
)
tests <- list(lrt(fits$one_factor, fits$cfa), lrt(fits$structural, fits$partial_mediation),
              lrt(fits$structural, fits$cfa), lrt(fits$cfa, fits$ulmc_cfa))

# Free ULMC (first method loading 1, the others free) on data with a planted method factor:
# the governance population model plus a method factor the items load .2 to .5 on. (With equal
# planted loadings the free form is barely identified: its estimates wander along a flat
# likelihood, in lavaan as here.)
planted <- function(n = 600, seed = 20261206) {
  pop <- paste(
    paste(sprintf("%s =~ %s", factors, sapply(factors, function(f)
      paste0(c(0.8, 0.75, 0.7, 0.65), "*", f, 1:4, collapse = " + "))), collapse = "\n"),
    "PL ~ 0.35*OB + 0.3*IN\nPW ~ 0.3*PM + 0.3*PL\nRI ~ 0.3*MS + 0.2*IN + 0.25*PL\nGS ~ 0.3*PL + 0.25*PW + 0.3*RI",
    "IN ~~ 0.3*OB + 0.3*MS + 0.3*PM\nOB ~~ 0.3*MS + 0.3*PM\nMS ~~ 0.3*PM",
    paste("METHOD =~", paste0(rep(c(0.5, 0.2, 0.4, 0.3, 0.45, 0.25, 0.35), length.out = 32), "*", items,
                              collapse = " + ")),
    "METHOD ~~ 1*METHOD\nMETHOD ~~ 0*IN + 0*OB + 0*MS + 0*PM", sep = "\n")
  set.seed(seed)
  as.data.frame(simulateData(pop, sample.nobs = n, standardized = TRUE))
}
method_data <- planted()
write.csv(method_data, file.path(out_dir, "robustness_method_data.csv"), row.names = FALSE)
ulmc_free <- paste(cfa_model, paste("METHOD =~", paste(items, collapse = " + ")),
                   paste("METHOD ~~", paste0("0*", factors, collapse = " + ")), sep = "\n")
fits$ulmc_free <- write_fit("ulmc_free", ulmc_free, method_data, "robustness_method_data.csv")
fits$cfa_planted <- write_fit("cfa_planted", cfa_model, method_data, "robustness_method_data.csv")
tests <- c(tests, list(lrt(fits$cfa_planted, fits$ulmc_free)))

# Demographic controls: gender (2 options) and age (5 options), the first the most frequent
# (the reference category), regressed into every endogenous construct as dummies.
set.seed(11)
controlled <- data
controlled$gender <- sample(1:2, nrow(data), TRUE, prob = c(0.6, 0.4))
controlled$age <- sample(1:5, nrow(data), TRUE, prob = c(0.3, 0.25, 0.2, 0.15, 0.1))
controlled$GS1 <- controlled$GS1 + (controlled$age >= 4)  # an effect of age on the outcome's items
write.csv(controlled, file.path(out_dir, "robustness_controls_data.csv"), row.names = FALSE)
dummies <- c("ctl_gender_2", paste0("ctl_age_", 2:5))
controlled$ctl_gender_2 <- as.numeric(controlled$gender == 2)
for (k in 2:5) controlled[[paste0("ctl_age_", k)]] <- as.numeric(controlled$age == k)
controls_model <- paste(structural, paste(c("PL", "PW", "RI", "GS"), "~", paste(dummies, collapse = " + "),
                                          collapse = "\n"), sep = "\n")
fits$controls <- write_fit("controls", controls_model, controlled, "robustness_controls_data.csv")

# The competing models under MLR (Satorra-Bentler 2001 differences) and WLSMV (every item
# ordered; DIFFTEST, lavTestLRT's default there), with the figures the table reports.
robust_measures <- list(
  MLR = c(chisq = "chisq.scaled", df = "df", pvalue = "pvalue.scaled", cfi = "cfi.robust",
          tli = "tli.robust", rmsea = "rmsea.robust", srmr = "srmr", aic = "aic", bic = "bic"),
  WLSMV = c(chisq = "chisq.scaled", df = "df", pvalue = "pvalue.scaled", cfi = "cfi.scaled",
            tli = "tli.scaled", rmsea = "rmsea.scaled", srmr = "srmr"))
robust_fit <- function(name, model, estimator) {
  fit <- if (estimator == "WLSMV") sem(model, data = data, ordered = items, estimator = "WLSMV")
         else sem(model, data = data, estimator = estimator)
  fm <- fitMeasures(fit, unname(robust_measures[[estimator]]))
  list(name = name, estimator = estimator, converged = lavInspect(fit, "converged"),
       fit = as.list(setNames(as.numeric(fm), names(robust_measures[[estimator]]))), object = fit)
}
robust_lrt <- function(restricted, general) {  # lavTestLRT's default per estimator
  t <- lavTestLRT(restricted$object, general$object)
  list(restricted = restricted$name, general = general$name, chisq_diff = t[["Chisq diff"]][2],
       df_diff = t[["Df diff"]][2], pvalue = t[["Pr(>Chisq)"]][2],
       method = regmatches(attr(t, "heading"), regexpr("satorra[a-z.0-9]*", attr(t, "heading"))))
}
robust <- list()
for (estimator in c("MLR", "WLSMV")) {
  f <- list(one_factor = robust_fit("one_factor", one_factor, estimator),
            cfa = robust_fit("cfa", cfa_model, estimator),
            structural = robust_fit("structural", structural, estimator),
            partial_mediation = robust_fit("partial_mediation", partial, estimator))
  t <- list(robust_lrt(f$one_factor, f$cfa), robust_lrt(f$structural, f$partial_mediation),
            robust_lrt(f$structural, f$cfa))
  if (estimator == "MLR") {  # the ULMC's difference under MLR
    f$ulmc_cfa <- robust_fit("ulmc_cfa", ulmc_cfa, estimator)
    t <- c(t, list(robust_lrt(f$cfa, f$ulmc_cfa)))
  }
  robust[[estimator]] <- list(models = lapply(f, function(x) x[c("name", "estimator", "converged", "fit")]),
                              tests = t)
}

# The FIML variant: the reference data with answers removed from 40 records (1 to 3 items
# each), as records screening would drop only for being incomplete; lavaan's missing = "ml".
set.seed(17)
incomplete <- data
holes <- sample(nrow(data), 40)
for (r in holes) incomplete[r, sample(items, sample(1:3, 1))] <- NA
write.csv(incomplete, file.path(out_dir, "robustness_fiml_data.csv"), row.names = FALSE, na = "")
fiml_fit <- sem(structural, data = incomplete, missing = "ml")
write.csv(parameterEstimates(fiml_fit, standardized = TRUE),
          file.path(out_dir, "robustness_fiml_params.csv"), row.names = FALSE, na = "")

m <- mardia(data[, items], plot = FALSE)
d <- describe(data[, items])
write.csv(data.frame(item = items, n = d$n, mean = d$mean, sd = d$sd, skew = d$skew, kurtosis = d$kurtosis),
          file.path(out_dir, "robustness_describe.csv"), row.names = FALSE)

info <- list(
  lavaan_version = as.character(packageVersion("lavaan")),
  psych_version = as.character(packageVersion("psych")),
  call = paste("sem(model, data = data); under MLR and WLSMV (ordered = items) too;",
               "lavTestLRT(restricted, general); psych::mardia; psych::describe"),
  models = lapply(fits, function(f) f[c("name", "data", "model", "converged", "fit")]),
  tests = tests,
  robust = robust,
  fiml = list(call = 'sem(structural, data = incomplete, missing = "ml")', data = "robustness_fiml_data.csv",
              n = lavInspect(fiml_fit, "ntotal"), n_incomplete = length(holes)),
  mardia = list(n = m$n.obs, p = m$n.var, b1p = m$b1p, b2p = m$b2p, skew = m$skew,
                small_skew = m$small.skew, skew_p = m$p.skew, small_skew_p = m$p.small,
                kurtosis_z = m$kurtosis, kurtosis_p = m$p.kurt)
)
write_json(info, file.path(out_dir, "robustness.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE)
cat("wrote robustness fixtures\n")
