# The reference models the fixture scripts share: source(file.path(out_dir, "models.R")) after
# out_dir (this folder) is set.

# Bollen's political democracy model (lavaan tutorial) with equal loadings a, b, c
# across the two democracy factors, labelled structural paths and defined effects.
politdem_model <- '
  # measurement model
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + a*y2 + b*y3 + c*y4
  dem65 =~ y5 + a*y6 + b*y7 + c*y8
  # regressions
  dem60 ~ a1*ind60
  dem65 ~ c1*ind60 + b1*dem60
  # residual covariances
  y1 ~~ y5
  y2 ~~ y4 + y6
  y3 ~~ y7
  y4 ~~ y8
  y6 ~~ y8
  # defined effects
  ind := a1*b1
  total := c1 + a1*b1
'

# Holzinger and Swineford's three-factor model of nine ability tests
hs_model <- '
  visual  =~ x1 + x2 + x3
  textual =~ x4 + x5 + x6
  speed   =~ x7 + x8 + x9
'

# The default study's model (8 factors x 4 items, 4 -> 3 -> 1 structure)
governance_model <- paste(readLines(file.path(out_dir, "..", "..", "data", "models",
                                              "governance.lavaan")), collapse = "\n")
