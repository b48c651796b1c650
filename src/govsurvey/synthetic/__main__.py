"""python -m govsurvey.synthetic: write a synthetic Wenjuanxing export (see streets.main)."""

import sys

from govsurvey.synthetic.streets import main

sys.exit(main())
