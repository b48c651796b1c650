"""python -m govsurvey.synthetic: write a synthetic Wenjuanxing export (see population.main)."""

import sys

from govsurvey.synthetic.population import main

sys.exit(main())
