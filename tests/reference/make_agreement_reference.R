# Regenerate the inter-coder agreement fixture used by tests/test_interviews_agreement.py.
# Run from anywhere:  Rscript tests/reference/make_agreement_reference.R   (a second)
# Needs R with irr (CRAN; Debian r-cran-irr where packaged). Tests read only the file written here.
#
# Input: agreement_units.csv, the unit-by-coder table of the synthetic interviews in
# tests/data/interviews/demo (one row per code x transcript x sentence; coder_a, coder_b = 1
# when the coder's segment with that code overlaps the sentence). Output:
# agreement_reference.csv with Cohen's kappa (irr::kappa2, unweighted) and Krippendorff's
# alpha (irr::kripp.alpha, method "nominal") per code, and both over all rows pooled ("(all)").
suppressPackageStartupMessages(library(irr))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

units <- read.csv(file.path(out_dir, "agreement_units.csv"), stringsAsFactors = FALSE)
measure <- function(part) {
  ratings <- cbind(part$coder_a, part$coder_b)  # units x coders
  c(kappa = kappa2(ratings, weight = "unweighted")$value,
    alpha = kripp.alpha(t(ratings), method = "nominal")$value)  # kripp.alpha wants coders x units
}
codes <- unique(units$code)
rows <- lapply(codes, function(code) measure(units[units$code == code, ]))
rows[[length(rows) + 1]] <- measure(units)
out <- data.frame(code = c(codes, "(all)"), do.call(rbind, rows))
out$kappa <- sprintf("%.17g", out$kappa)
out$alpha <- sprintf("%.17g", out$alpha)
write.csv(out, file.path(out_dir, "agreement_reference.csv"), row.names = FALSE, quote = FALSE)
cat("irr", as.character(packageVersion("irr")), "\n")
