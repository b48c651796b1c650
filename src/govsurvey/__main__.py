"""python -m govsurvey: the `govsurvey` command (see cli.py)."""

import sys

from govsurvey.cli import main

sys.exit(main())
