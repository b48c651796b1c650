# Reference values for the measurement module (reliability), from psych.
# Run from the repository root: Rscript tests/reference/make_measurement_reference.R
# Writes tests/reference/measurement_alpha.csv; the tests then need no R.
suppressPackageStartupMessages({ library(lavaan); library(psych) })
data <- lavaan::HolzingerSwineford1939
sets <- list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"), speed = c("x7", "x8", "x9"),
             all = paste0("x", 1:9))
rows <- lapply(names(sets), function(name) {
  a <- psych::alpha(data[, sets[[name]]], warnings = FALSE)
  data.frame(dataset = "HolzingerSwineford1939", set = name, items = paste(sets[[name]], collapse = " "),
             raw_alpha = a$total$raw_alpha, psych_version = as.character(packageVersion("psych")))
})
write.csv(do.call(rbind, rows), "tests/reference/measurement_alpha.csv", row.names = FALSE)
