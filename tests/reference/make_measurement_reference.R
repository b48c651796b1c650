# Reference values for the measurement model (reliability, validity, EFA, modification
# indices), from psych, semTools and lavaan. Tests read only the files written here, never R.
# Run from the repository root: Rscript tests/reference/make_measurement_reference.R
# survey_data.csv is the cleaned synthetic L Street survey (items only), written from the
# pipeline's results/l_street/clean/scored.parquet by:
#   .venv/bin/python -c "import pandas as pd; from govsurvey.instrument import load_instrument as L; \
#     c = list(L('data/instruments/party_building_governance.yaml').item_codes); \
#     pd.read_parquet('results/l_street/clean/scored.parquet')[c].astype(int).to_csv('tests/reference/survey_data.csv', index=False)"
suppressPackageStartupMessages({ library(lavaan); library(psych); library(semTools); library(jsonlite) })
ref <- "tests/reference"

# --- psych::alpha on HolzingerSwineford1939 (kept: test_alpha_matches_psych) ---------------
data <- lavaan::HolzingerSwineford1939
sets <- list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"), speed = c("x7", "x8", "x9"),
             all = paste0("x", 1:9))
rows <- lapply(names(sets), function(name) {
  a <- psych::alpha(data[, sets[[name]]], warnings = FALSE)
  data.frame(dataset = "HolzingerSwineford1939", set = name, items = paste(sets[[name]], collapse = " "),
             raw_alpha = a$total$raw_alpha, psych_version = as.character(packageVersion("psych")))
})
write.csv(do.call(rbind, rows), file.path(ref, "measurement_alpha.csv"), row.names = FALSE)

# --- everything the measure stage reports, per data set --------------------------------------
governance <- readLines(file.path("data", "models", "governance.lavaan"))
cases <- list(
  holzinger = list(data = "holzinger_data.csv",
                   model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"),
  # Bollen's measurement model with its residual covariances (no equality labels).
  politdem = list(data = "politdem_data.csv",
                  model = paste("ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + y2 + y3 + y4",
                                "dem65 =~ y5 + y6 + y7 + y8", "y1 ~~ y5", "y2 ~~ y4 + y6",
                                "y3 ~~ y7", "y4 ~~ y8", "y6 ~~ y8", sep = "\n")),
  survey = list(data = "survey_data.csv",
                model = paste(grep("=~", governance, value = TRUE), collapse = "\n"))
)

for (name in names(cases)) {
  case <- cases[[name]]
  d <- read.csv(file.path(ref, case$data))
  fit <- cfa(case$model, data = d)  # lavaan defaults: ML, marker loadings
  pt <- parTable(fit)
  factors <- unique(pt$lhs[pt$op == "=~"])
  items <- lapply(setNames(factors, factors), function(f) pt$rhs[pt$op == "=~" & pt$lhs == f])
  used <- unique(unlist(items))
  ss <- standardizedSolution(fit)
  constructs <- lapply(factors, function(f) {
    x <- d[, items[[f]]]
    a <- psych::alpha(x, warnings = FALSE)
    lam <- ss$est.std[ss$op == "=~" & ss$lhs == f]
    list(construct = f, items = items[[f]], alpha = a$total$raw_alpha,
         alpha_ci_lower = a$feldt$lower.ci[[1]], alpha_ci_upper = a$feldt$upper.ci[[1]],
         r_drop = as.list(setNames(a$item.stats$r.drop, items[[f]])),
         alpha_if_deleted = as.list(setNames(a$alpha.drop$raw_alpha, items[[f]])),
         std_loadings = as.list(setNames(lam, items[[f]])),
         # Fornell & Larcker (1981) from std.all loadings: CR and AVE as most theses report them
         cr_fornell_larcker = sum(lam)^2 / (sum(lam)^2 + sum(1 - lam^2)),
         ave_fornell_larcker = mean(lam^2))
  })
  R <- cor(d[, used])
  kmo <- psych::KMO(R)
  bart <- psych::cortest.bartlett(R, n = nrow(d))
  pca <- psych::principal(R, nfactors = 1, rotate = "none", n.obs = nrow(d))
  efa <- psych::fa(R, nfactors = length(factors), n.obs = nrow(d), fm = "ml", rotate = "promax")
  info <- list(
    case = name, data = case$data, model = case$model,
    versions = list(lavaan = as.character(packageVersion("lavaan")),
                    semTools = as.character(packageVersion("semTools")),
                    psych = as.character(packageVersion("psych"))),
    constructs = constructs,
    omega_semtools = as.list(compRelSEM(fit)),          # defaults: obs.var = TRUE, tau.eq = FALSE
    ave_semtools = as.list(AVE(fit)),                   # defaults: obs.var = TRUE
    cor_lv = lavInspect(fit, "cor.lv"),
    htmt2 = unclass(htmt(case$model, data = d)),        # semTools 0.5-6 default: htmt2 = TRUE
    htmt = unclass(htmt(case$model, data = d, htmt2 = FALSE)),
    kmo = list(overall = kmo$MSA, items = as.list(kmo$MSAi)),
    bartlett = list(chisq = bart$chisq, df = bart$df, pvalue = bart$p.value, n = nrow(d)),
    harman = list(first_component_share = pca$Vaccounted["Proportion Var", 1],
                  eigenvalues = eigen(R, only.values = TRUE)$values),
    fit = as.list(fitMeasures(fit))
  )
  write_json(info, file.path(ref, paste0("measurement_", name, ".json")), auto_unbox = TRUE,
             digits = NA, pretty = TRUE)
  load <- unclass(efa$loadings)
  write.csv(data.frame(item = rownames(load), load, communality = efa$communality),
            file.path(ref, paste0("efa_", name, ".csv")), row.names = FALSE)
  mi <- modindices(fit, sort. = TRUE)
  write.csv(mi[, c("lhs", "op", "rhs", "mi", "epc", "sepc.lv", "sepc.all")],
            file.path(ref, paste0("modindices_", name, ".csv")), row.names = FALSE)
  cat("wrote", name, "\n")
}
