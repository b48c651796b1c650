"""Ingest: a raw survey export to a tidy table keyed by the instrument's codes.

Read in this order: readers.py (file bytes to a grid of text), wording.py and layouts.py
(which platform's export it is), columns.py (which column is which question), answers.py
(cells to codes), privacy.py (personal data found and dropped, identifiers hashed) and
responses.py (`ingest_export`, the whole stage).
"""

from govsurvey.ingest.responses import ingest_export

__all__ = ["ingest_export"]
