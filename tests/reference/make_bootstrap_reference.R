# Regenerate the lavaan bootstrap fixture used by tests/test_bootstrap.py.
# Run from anywhere:  Rscript tests/reference/make_bootstrap_reference.R   (about a minute)
# Needs R with lavaan and jsonlite. Tests read only the files written here, never R.
#
# Political democracy (model of politdem.json), B = 2000 nonparametric bootstrap draws as
# lavaan's se = "bootstrap" makes them (bootstrapLavaan, same internal function), keeping for
# each draw its status (failed / inadmissible by lavaan's post-check / admissible), the :=
# parameters and the standardized structural paths. Percentile (boot's norm.inter, as
# parameterEstimates(boot.ci.type = "perc")) and bias-corrected ("bca.simple") intervals are
# computed here on the admissible draws, and for the record on all converged draws, which is
# what lavaan 0.6-14 itself reports. The rows drawn by the first 100 draws are kept too.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

info <- fromJSON(file.path(out_dir, "politdem.json"))
data <- read.csv(file.path(out_dir, info$data))
B <- 2000L
seed <- 20240611L
level <- 0.95

fit <- sem(info$model, data = data)
pe <- parameterEstimates(fit)
defined <- pe$lhs[pe$op == ":="]
lv <- lavNames(fit, "lv")
paths <- pe[pe$op == "~" & pe$lhs %in% lv & pe$rhs %in% lv, c("lhs", "rhs")]
keys <- c(defined, paste0(paths$lhs, "~", paths$rhs))

statistics <- function(f) {
  est <- parameterEstimates(f, se = FALSE, zstat = FALSE, pvalue = FALSE, ci = FALSE)
  std <- standardizedSolution(f, se = FALSE, zstat = FALSE, pvalue = FALSE, ci = FALSE)
  path_std <- sapply(seq_len(nrow(paths)), function(i)
    std$est.std[std$op == "~" & std$lhs == paths$lhs[i] & std$rhs == paths$rhs[i]])
  c(est$est[match(defined, est$lhs)], path_std)
}
t0 <- statistics(fit)

set.seed(seed)
draws <- suppressWarnings(bootstrapLavaan(fit, R = B, FUN = statistics, parallel = "no",
                                          keep.idx = TRUE))
status <- rep("admissible", B)
status[attr(draws, "nonadmissible")] <- "inadmissible"
status[attr(draws, "error.idx")] <- "failed"
colnames(draws) <- keys

# boot's norm.inter, as in lavaan's parameterEstimates
norm_inter <- function(t, alpha) {
  t <- sort(t[is.finite(t)])
  R <- length(t)
  rk <- (R + 1) * alpha
  k <- trunc(rk)
  sapply(seq_along(alpha), function(i) {
    if (k[i] <= 0) return(t[1])
    if (k[i] >= R) return(t[R])
    if (k[i] == rk[i]) return(t[k[i]])
    z <- qnorm(c(alpha[i], k[i] / (R + 1), (k[i] + 1) / (R + 1)))
    t[k[i]] + (z[1] - z[2]) / (z[3] - z[2]) * (t[k[i] + 1] - t[k[i]])
  })
}
alpha <- (1 + c(-level, level)) / 2
intervals <- function(keep) {
  lapply(setNames(seq_along(keys), keys), function(j) {
    t <- draws[keep, j]
    z0 <- qnorm(mean(t < t0[j]))
    list(est = t0[j], boot_se = sd(t), perc = norm_inter(t, alpha),
         bc = norm_inter(t, pnorm(2 * z0 + qnorm(alpha))))
  })
}

out <- list(
  name = "politdem_bootstrap", lavaan_version = as.character(packageVersion("lavaan")),
  call = "bootstrapLavaan(sem(model, data), R = 2000, FUN = statistics)",
  model_from = "politdem.json", draws_file = "politdem_bootstrap_draws.csv",
  B = B, seed = seed, level = level,
  failed = sum(status == "failed"), inadmissible = sum(status == "inadmissible"),
  admissible = sum(status == "admissible"),
  admissible_draws = intervals(status == "admissible"),
  converged_draws = intervals(status != "failed"))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(out_dir, "politdem_bootstrap.json"))
boot_idx <- attr(draws, "boot.idx")[[1]]
draws <- draws[, seq_along(keys), drop = FALSE]
frame <- data.frame(draw = seq_len(B) - 1L, status = status, draws, check.names = FALSE)
write.csv(frame, file.path(out_dir, "politdem_bootstrap_draws.csv"), row.names = FALSE)
# The resampled rows (0-based) of the first 100 draws: the tests refit exactly these resamples.
write.csv(data.frame(draw = 0:99, boot_idx[1:100, ] - 1L),
          file.path(out_dir, "politdem_bootstrap_idx.csv"), row.names = FALSE)
