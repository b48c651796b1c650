# Regenerate the lavaan/semTools fixtures of measurement invariance and multi-group SEM used by
# tests/test_invariance.py. Tests read only the files written here, never R.
#
# Default (no arguments): HolzingerSwineford1939 by school, the model of invariance_hs.lavaan:
#   Rscript tests/reference/make_invariance_reference.R
# Any stacked data set (one csv, a column naming each case's group), e.g. the default streets:
#   Rscript tests/reference/make_invariance_reference.R --data=streets.csv \
#       --model=data/models/governance.lavaan --group=street --prefix=invariance_streets
# The three simulated streets (invariance_sim3_data.csv is tests/test_invariance.py's
# sim3_data(), written with to_csv(..., index=False)):
#   Rscript tests/reference/make_invariance_reference.R \
#       --data=tests/reference/invariance_sim3_data.csv \
#       --model=tests/reference/invariance_sim3.lavaan --group=street --prefix=invariance_sim3
# (seconds for these; the 32-item default study in three streets takes lavaan ~25 minutes,
# mostly lavTestScore's many bordered-matrix inverses).
# Options: --data=CSV --model=FILE --group=COLUMN --prefix=NAME (files NAME.json, NAME_params.csv,
# NAME_score.csv) --out=DIR (default: this script's directory) --max-free=K (partial invariance:
# constraints freed per step at most, default 5). Needs R with lavaan, semTools and jsonlite.
#
# What is computed (lavaan defaults: ML, likelihood = "normal", expected information):
# - the ladder configural -> metric -> scalar -> strict on the model's measurement part (its =~
#   lines and residual covariances among indicators), cfa(group = , group.equal = );
#   each step against the previous by semTools::compareFit (chi-square difference, fit deltas);
#   a step holds when delta CFI >= -.01 (Cheung & Rensvold, 2002) and delta RMSEA <= .015
#   (Chen, 2007). A step that fails is made partial: free the parameter of the step's own
#   family (loadings, intercepts, residuals) whose equality constraint has the largest
#   univariate lavTestScore X2, refit, repeat until the step holds or --max-free are freed;
#   later steps keep what was freed (group.partial);
# - univariate score tests of every fit with equality constraints;
# - latent means of groups 2.. (group 1 fixed at 0) in the scalar (or partial scalar) model
#   when that step holds, standardized by the first group's model-implied latent SD;
# - one fit using every other group.equal family, to check them, and the whole model with
#   loadings and regressions equal ("sem_regressions");
# - the multi-group SEM (the whole model, loadings equal across groups, each regression free
#   per group): lavTestWald of each path's equality across groups and the chi-square
#   difference of constraining it equal (lavTestLRT).
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"
option <- function(name, default) {
  hit <- grep(paste0("^--", name, "="), commandArgs(trailingOnly = TRUE), value = TRUE)
  if (length(hit)) sub(paste0("^--", name, "="), "", hit[1]) else default
}
data_file <- option("data", NA)
model_file <- option("model", file.path(here, "invariance_hs.lavaan"))
group <- option("group", "school")
prefix <- option("prefix", "invariance_hs")
out_dir <- option("out", here)
max_free <- as.integer(option("max-free", "5"))

model <- paste(readLines(model_file), collapse = "\n")
if (is.na(data_file)) {
  data <- HolzingerSwineford1939[, c("school", paste0("x", 1:9))]
  data$school <- as.character(data$school)
  data_file <- paste0(prefix, "_data.csv")
  write.csv(data, file.path(out_dir, data_file), row.names = FALSE)
} else {
  data <- read.csv(data_file, stringsAsFactors = FALSE)
}

# --- model text from what the user wrote ---------------------------------------------------
user <- lavaanify(model)  # auto = FALSE: only the user's rows
user <- user[user$user == 1 & user$op %in% c("=~", "~", "~~"), ]
row_text <- function(r, label = r$label) {
  mod <- if (nzchar(label)) paste0(label, "*") else if (!is.na(r$ustart)) paste0(r$ustart, "*") else ""
  paste0(r$lhs, " ", r$op, " ", mod, r$rhs)
}
indicators <- unique(user$rhs[user$op == "=~"])
in_measurement <- user$op == "=~" |
  (user$op == "~~" & user$lhs %in% indicators & user$rhs %in% indicators & user$lhs != user$rhs)
measurement <- paste(sapply(which(in_measurement), function(i) row_text(user[i, ])), collapse = "\n")

# --- the invariance ladder -----------------------------------------------------------------
family <- function(pt) {  # the group.equal family of each parTable row
  ov <- lavNames(pt, "ov")
  ifelse(pt$op == "=~", "loadings",
  ifelse(pt$op == "~", "regressions",
  ifelse(pt$op == "~1", ifelse(pt$lhs %in% ov, "intercepts", "means"),
  ifelse(pt$op == "~~" & pt$lhs == pt$rhs, ifelse(pt$lhs %in% ov, "residuals", "lv.variances"),
  ifelse(pt$op == "~~", ifelse(pt$lhs %in% ov | pt$rhs %in% ov, "residual.covariances",
                                "lv.covariances"), "")))))
}
par_name <- function(pt, i) trimws(paste(pt$lhs[i], pt$op[i], pt$rhs[i]))

fits <- list(); fit_info <- list(); params <- list(); scores <- list()
measures <- c("npar", "ntotal", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df",
              "cfi", "tli", "nfi", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue",
              "srmr", "srmr_bentler_nomean", "logl", "unrestricted.logl", "aic", "bic", "bic2")

score_table <- function(fit) {  # lavTestScore's univariate tests, constraints as parameters
  pt <- parTable(fit)
  uni <- lavTestScore(fit)$uni
  a <- match(uni$lhs, pt$plabel); b <- match(uni$rhs, pt$plabel)
  data.frame(lhs = pt$lhs[a], op = pt$op[a], rhs = pt$rhs[a], family = family(pt)[a],
             group_a = pt$group[a], group_b = pt$group[b], X2 = uni$X2, df = uni$df,
             pvalue = uni$p.value, stringsAsFactors = FALSE)
}

keep <- function(name, fit, equal, partial, part = "measurement") {
  fits[[name]] <<- fit
  pe <- parameterEstimates(fit, standardized = TRUE)
  pe <- pe[pe$op != "==", ]
  ss <- standardizedSolution(fit)
  key <- function(d) paste(d$lhs, d$op, d$rhs, d$group)
  pe$std.all.se <- ss$se[match(key(pe), key(ss))]
  params[[name]] <<- cbind(model = name, pe)
  if (length(equal)) scores[[name]] <<- cbind(model = name, score_table(fit))
  fm <- fitMeasures(fit, measures)
  fit_info[[name]] <<- list(part = part, group_equal = as.list(equal), group_partial = as.list(partial),
                            converged = lavInspect(fit, "converged"),
                            fit = as.list(setNames(as.numeric(fm), names(fm))))
  fit
}
fit_cfa <- function(equal, partial) {
  cfa(measurement, data = data, group = group, group.equal = if (length(equal)) equal else "",
      group.partial = if (length(partial)) partial else "")
}
differences <- function(before, after) {
  cf <- compareFit(before, after)
  nested <- cf@nested[2, ]
  d <- list(d_chisq = nested[["Chisq diff"]], d_df = nested[["Df diff"]],
            d_pvalue = nested[["Pr(>Chisq)"]], d_cfi = cf@fit.diff[1, "cfi"],
            d_rmsea = cf@fit.diff[1, "rmsea"])
  d$holds <- d$d_cfi >= -0.01 && d$d_rmsea <= 0.015
  d
}

ladder <- list(metric = "loadings", scalar = "intercepts", strict = "residuals")
configural <- keep("configural", fit_cfa(character(0), character(0)), character(0), character(0))
steps <- list(list(step = "configural", model = "configural", compared_to = "", freed = list()))
equal <- character(0); partial <- character(0); previous <- configural; holds <- list()
for (step in names(ladder)) {
  equal <- c(equal, ladder[[step]])
  fit <- keep(step, fit_cfa(equal, partial), equal, partial)
  d <- differences(previous, fit)
  freed <- list(); name <- step
  while (!d$holds && length(freed) < max_free) {
    sc <- score_table(fit)
    sc <- sc[sc$family == ladder[[step]] & !(trimws(paste(sc$lhs, sc$op, sc$rhs)) %in% partial), ]
    if (!nrow(sc)) break
    pick <- sc[which.max(sc$X2), ]
    parameter <- trimws(paste(pick$lhs, pick$op, pick$rhs))
    partial <- c(partial, parameter)
    freed[[length(freed) + 1]] <- list(parameter = parameter, X2 = pick$X2,
                                       group_a = pick$group_a, group_b = pick$group_b)
    name <- paste0(step, "_partial", length(freed))
    fit <- keep(name, fit_cfa(equal, partial), equal, partial)
    d <- differences(previous, fit)
  }
  holds[[step]] <- d$holds
  steps[[length(steps) + 1]] <- c(list(step = step, model = name, compared_to = steps[[length(steps)]]$model,
                                       freed = freed), d)
  previous <- fit
}

# Latent means in the last scalar model (groups 2.. against group 1, whose means are 0).
latent_means <- list()
scalar_name <- steps[[3]]$model
if (holds$scalar) {
  fit <- fits[[scalar_name]]
  pe <- parameterEstimates(fit)
  lv <- lavNames(fit, "lv")
  sd1 <- sqrt(diag(lavInspect(fit, "cov.lv")[[1]]))[lv]
  rows <- pe[pe$op == "~1" & pe$lhs %in% lv & pe$group > 1, ]
  latent_means <- data.frame(model = scalar_name, factor = rows$lhs, group = rows$group,
                             est = rows$est, se = rows$se, z = rows$z, pvalue = rows$pvalue,
                             ci_lower = rows$ci.lower, ci_upper = rows$ci.upper,
                             reference_sd = sd1[rows$lhs], std_diff = rows$est / sd1[rows$lhs],
                             row.names = NULL)
}

# Every other family at once, with one parameter exempted, to check families and partial.
families <- c("loadings", "intercepts", "residuals", "residual.covariances", "lv.variances",
              "lv.covariances", "means")
first_intercept <- paste(indicators[1], "~1")
invisible(keep("families", fit_cfa(families, first_intercept), families, first_intercept))

# --- multi-group SEM: each regression free per group, loadings equal ------------------------
G <- length(unique(data[[group]]))
regressions <- which(user$op == "~")
sem_info <- NULL
if (length(regressions)) {
  path_label <- function(i, g) paste("b", user$lhs[i], user$rhs[i], g, sep = "_")
  sem_text <- function(equal_path = 0) {
    lines <- sapply(seq_len(nrow(user)), function(i) {
      if (user$op[i] != "~") return(row_text(user[i, ]))
      labels <- if (i == equal_path) rep(path_label(i, "eq"), G) else path_label(i, seq_len(G))
      paste0(user$lhs[i], " ~ c(", paste(labels, collapse = ", "), ")*", user$rhs[i])
    })
    paste(lines, collapse = "\n")
  }
  sem_equal <- "loadings"
  base <- sem(sem_text(), data = data, group = group, group.equal = sem_equal)
  pe <- parameterEstimates(base, standardized = TRUE)
  pe <- pe[pe$op != "==", ]
  params[["sem"]] <- cbind(model = "sem", pe, std.all.se = NA)
  fm <- fitMeasures(base, measures)
  paths <- lapply(regressions, function(i) {
    wald <- lavTestWald(base, paste(path_label(i, 1), "==", path_label(i, 2:G), collapse = "\n"))
    constrained <- sem(sem_text(i), data = data, group = group, group.equal = sem_equal)
    lrt <- lavTestLRT(base, constrained)
    list(lhs = user$lhs[i], op = "~", rhs = user$rhs[i], wald = wald$stat, wald_df = wald$df,
         wald_pvalue = wald$p.value, d_chisq = lrt[["Chisq diff"]][2], d_df = lrt[["Df diff"]][2],
         d_pvalue = lrt[["Pr(>Chisq)"]][2])
  })
  # and the regressions family: every path equal across groups (user labels on paths dropped)
  plain <- paste(sapply(seq_len(nrow(user)), function(i)
    row_text(user[i, ], if (user$op[i] == "~") "" else user$label[i])), collapse = "\n")
  equal <- c("loadings", "regressions")
  invisible(keep("sem_regressions", sem(plain, data = data, group = group, group.equal = equal),
                 equal, character(0), part = "structural"))
  sem_info <- list(model = sem_text(), group_equal = as.list(sem_equal), converged = lavInspect(base, "converged"),
                   fit = as.list(setNames(as.numeric(fm), names(fm))), paths = paths)
}

# --- write ----------------------------------------------------------------------------------
with_label <- function(p) { if (is.null(p$label)) p$label <- ""; p }
params <- do.call(rbind, lapply(params, function(p) with_label(p)[, c("model", "lhs", "op", "rhs", "group",
  "label", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all", "std.all.se")]))
write.csv(params, file.path(out_dir, paste0(prefix, "_params.csv")), row.names = FALSE, na = "")
write.csv(do.call(rbind, scores), file.path(out_dir, paste0(prefix, "_score.csv")),
          row.names = FALSE, na = "")
info <- list(
  lavaan_version = as.character(packageVersion("lavaan")),
  semtools_version = as.character(packageVersion("semTools")),
  data = basename(data_file), model = model, measurement = measurement, group = group,
  group_labels = as.list(lavInspect(configural, "group.label")),
  n_per_group = as.list(setNames(unlist(lavInspect(configural, "nobs")),
                                 lavInspect(configural, "group.label"))),
  max_free = max_free, fits = fit_info, steps = steps, latent_means = latent_means,
  sem = sem_info)
write_json(info, file.path(out_dir, paste0(prefix, ".json")), auto_unbox = TRUE, digits = NA,
           pretty = TRUE, null = "null")
cat("wrote", prefix, "\n")
