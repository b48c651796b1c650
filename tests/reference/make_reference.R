# Regenerate the lavaan reference fixtures used by tests/test_sem.py.
# Run from anywhere:  Rscript tests/reference/make_reference.R
# Needs R with lavaan and jsonlite. Tests read only the files written here, never R.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

source(file.path(out_dir, "models.R"))  # politdem_model, hs_model, governance_model

# fitted to simulated 5-point answers of 450 respondents (with some misfit built in)
simulate_governance <- function(n = 450, seed = 20240611) {
  pop <- '
    IN =~ 0.8*IN1 + 0.75*IN2 + 0.7*IN3 + 0.65*IN4
    OB =~ 0.8*OB1 + 0.75*OB2 + 0.7*OB3 + 0.65*OB4
    MS =~ 0.8*MS1 + 0.75*MS2 + 0.7*MS3 + 0.65*MS4
    PM =~ 0.8*PM1 + 0.75*PM2 + 0.7*PM3 + 0.65*PM4
    PL =~ 0.8*PL1 + 0.75*PL2 + 0.7*PL3 + 0.65*PL4
    PW =~ 0.8*PW1 + 0.75*PW2 + 0.7*PW3 + 0.65*PW4
    RI =~ 0.8*RI1 + 0.75*RI2 + 0.7*RI3 + 0.65*RI4
    GS =~ 0.8*GS1 + 0.75*GS2 + 0.7*GS3 + 0.65*GS4
    PL ~ 0.35*OB + 0.3*IN
    PW ~ 0.3*PM + 0.3*PL
    RI ~ 0.3*MS + 0.2*IN + 0.25*PL
    GS ~ 0.3*PL + 0.25*PW + 0.3*RI + 0.25*OB
    # misspecifications the analysis model omits, so fit is good but not perfect
    PM =~ 0.2*PW4
    OB =~ 0.3*IN4
    RI =~ 0.25*GS4
    IN ~~ 0.3*OB + 0.3*MS + 0.3*PM
    OB ~~ 0.3*MS + 0.3*PM
    MS ~~ 0.3*PM
  '
  set.seed(seed)
  raw <- simulateData(pop, sample.nobs = n, standardized = TRUE)
  # Cut each item into a 5-point Likert answer, as the real survey has.
  as.data.frame(lapply(raw, function(x) as.integer(cut(x, c(-Inf, -1.5, -0.5, 0.5, 1.5, Inf)))))
}

# A Heywood case: a1 shares a lot with a2 and with a3, which share little with each other,
# so the one-factor solution needs a loading of a1 beyond its variance (negative residual).
heywood_model <- '
  F1 =~ a1 + a2 + a3
  F2 =~ b1 + b2 + b3
'
simulate_heywood <- function(n = 300, seed = 7) {
  set.seed(seed)
  z1 <- rnorm(n); z2 <- rnorm(n); z3 <- rnorm(n); f2 <- 0.5 * z1 + rnorm(n)
  e <- function() 0.5 * rnorm(n)
  data.frame(a1 = z1 + z2 + e(), a2 = z1 + 0.55 * z3 + e(), a3 = z2 + 0.55 * z3 + e(),
             b1 = f2 + e(), b2 = 0.8 * f2 + e(), b3 = 0.7 * f2 + e())
}

write_case <- function(name, model, data, data_file = NULL) {
  if (is.null(data_file)) {  # otherwise the data come from that fixture, written elsewhere
    data_file <- paste0(name, "_data.csv")
    write.csv(data, file.path(out_dir, data_file), row.names = FALSE)
  }
  fit <- sem(model, data = data)  # lavaan defaults: ML, likelihood = "normal", std.lv = FALSE
  pe <- parameterEstimates(fit, standardized = TRUE)
  ss <- standardizedSolution(fit, type = "std.all")
  pe$std.all.se <- ss$se[match(paste(pe$lhs, pe$op, pe$rhs), paste(ss$lhs, ss$op, ss$rhs))]
  pe$std.all.ci.lower <- ss$ci.lower[match(paste(pe$lhs, pe$op, pe$rhs), paste(ss$lhs, ss$op, ss$rhs))]
  pe$std.all.ci.upper <- ss$ci.upper[match(paste(pe$lhs, pe$op, pe$rhs), paste(ss$lhs, ss$op, ss$rhs))]
  write.csv(pe, file.path(out_dir, paste0(name, "_params.csv")), row.names = FALSE, na = "")
  measures <- c("npar", "ntotal", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df",
                "baseline.pvalue", "cfi", "tli", "nnfi", "nfi", "rfi", "ifi",
                "logl", "unrestricted.logl", "aic", "bic", "bic2",
                "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue",
                "srmr", "srmr_bentler", "srmr_bentler_nomean", "gfi", "agfi")
  fm <- fitMeasures(fit, measures)
  info <- list(
    name = name,
    lavaan_version = as.character(packageVersion("lavaan")),
    call = "sem(model, data = data)",
    data = data_file,
    model = model,
    converged = lavInspect(fit, "converged"),
    fit = as.list(setNames(as.numeric(fm), names(fm))),
    r2 = as.list(lavInspect(fit, "r2"))
  )
  write_json(info, file.path(out_dir, paste0(name, ".json")), auto_unbox = TRUE,
             digits = NA, pretty = TRUE)
  cat("wrote", name, "\n")
}

write_case("politdem", politdem_model, PoliticalDemocracy)
write_case("holzinger", hs_model,
           HolzingerSwineford1939[, paste0("x", 1:9)])
write_case("governance", governance_model, simulate_governance())
write_case("heywood", heywood_model, simulate_heywood())
# Observed predictors: lavaan's fixed.x = TRUE changes df, baseline and logl (not GFI: ours is NA).
write_case("fixedx", "dem60 =~ y1 + y2 + y3 + y4\n  dem60 ~ x1 + x2", PoliticalDemocracy)
# An observed mediator and outcome (y1, y5): semopy keeps `y5 ~ y1` among the loadings, and
# the defined effects run through that labelled path (and call R's functions).
write_case("observed_mediator", "ind60 =~ x1 + x2 + x3\n  y1 ~ a*ind60\n  y5 ~ b*y1 + c*ind60\n  ind := a*b\n  total := c + a*b\n  ratio := log(a/b)\n  grow := exp(c) + sqrt(a^2)",
           PoliticalDemocracy, "politdem_data.csv")
# lavaan's defaults that semopy's differ from. auto.cov.y: two latent outcomes that predict
# nothing covary (dem60 ~~ dem65), as do two observed ones (y1 ~~ y2).
write_case("auto_cov_y", paste("ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + y2 + y3 + y4",
                               "dem65 =~ y5 + y6 + y7 + y8", "dem60 ~ ind60", "dem65 ~ ind60",
                               sep = "\n  "), PoliticalDemocracy, "politdem_data.csv")
write_case("auto_cov_y_observed", "y1 + y2 ~ x1 + x2", PoliticalDemocracy, "politdem_data.csv")
# The scale marker is the first loading even when it is labelled or another loading is fixed.
write_case("markers", paste("visual =~ v1*x1 + x2 + 0.5*x3", "textual =~ x4 + t*x5 + t*x6",
                            "speed =~ x7 + x8 + x9", sep = "\n  "),
           HolzingerSwineford1939[, paste0("x", 1:9)], "holzinger_data.csv")
# Observed predictors named in ~~ are random (free variances), not fixed.x.
write_case("random_predictors", "y5 ~ y1 + y2\n  y1 ~~ y2", PoliticalDemocracy, "politdem_data.csv")
# The cleaned synthetic L Street survey (survey_data.csv, written from the pipeline's
# scored.parquet: see make_measurement_reference.R), with the study's model and its CFA.
survey <- read.csv(file.path(out_dir, "survey_data.csv"))
write_case("survey", governance_model, survey, "survey_data.csv")
write_case("survey_cfa", paste(grep("=~", strsplit(governance_model, "\n")[[1]], value = TRUE),
                               collapse = "\n"), survey, "survey_data.csv")

# Every route and total effect the default model implies, written out by hand as := products
# (tests/test_effects.py checks the routes and totals the pipeline generates against these):
# the serial routes through two mediators, each cause's total indirect and total effect.
effects_definitions <- '
  ser_OB_PL_PW_GS := a1*b2*d2
  ser_OB_PL_RI_GS := a1*c3*d3
  ser_IN_PL_PW_GS := a2*b2*d2
  ser_IN_PL_RI_GS := a2*c3*d3
  totind_IN_GS := a2*d1 + c2*d3 + a2*b2*d2 + a2*c3*d3
  totind_OB_GS := a1*d1 + a1*b2*d2 + a1*c3*d3
  totind_PL_GS := b2*d2 + c3*d3
  totind_MS_GS := c1*d3
  totind_PM_GS := b1*d2
  tot_IN_GS := a2*d1 + c2*d3 + a2*b2*d2 + a2*c3*d3
  tot_OB_GS := a1*d1 + a1*b2*d2 + a1*c3*d3
  tot_MS_GS := c1*d3
  tot_PM_GS := b1*d2
'
write_case("governance_effects", paste(governance_model, effects_definitions),
           read.csv(file.path(out_dir, "governance_data.csv")), "governance_data.csv")
write_case("survey_effects", paste(governance_model, effects_definitions), survey, "survey_data.csv")
