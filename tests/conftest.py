from pathlib import Path

import pytest

from govsurvey.instrument import load_instrument

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference"
INSTRUMENT_PATH = ROOT / "data" / "instruments" / "party_building_governance.yaml"


@pytest.fixture(scope="session")
def instrument():
    return load_instrument(INSTRUMENT_PATH)
