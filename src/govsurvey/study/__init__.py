"""What defines a study: the questionnaire (instrument.py) and the model (model.py)."""

from govsurvey.study.instrument import Instrument, load_instrument
from govsurvey.study.model import ParsedModel, parse_model, read_model

__all__ = ["Instrument", "ParsedModel", "load_instrument", "parse_model", "read_model"]
