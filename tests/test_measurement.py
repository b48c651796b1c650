import numpy as np
import pandas as pd
import pytest

from conftest import REFERENCE
from govsurvey.measurement import cronbach_alpha, descriptives_table, measurement_model, reliability_table


@pytest.mark.parametrize("row", pd.read_csv(REFERENCE / "measurement_alpha.csv").to_dict("records"))
def test_alpha_matches_psych(row):
    data = pd.read_csv(REFERENCE / "holzinger_data.csv")
    assert cronbach_alpha(data[row["items"].split()]) == pytest.approx(row["raw_alpha"], abs=1e-6)


def test_alpha_of_parallel_items_follows_spearman_brown():
    # k parallel items with inter-item correlation r have alpha = k r / (1 + (k - 1) r).
    rng = np.random.default_rng(1)
    k, r, n = 4, 0.4, 200_000
    common = rng.standard_normal(n)
    items = pd.DataFrame({f"i{j}": np.sqrt(r) * common + np.sqrt(1 - r) * rng.standard_normal(n) for j in range(k)})
    assert cronbach_alpha(items) == pytest.approx(k * r / (1 + (k - 1) * r), abs=0.005)


def test_reliability_and_descriptives_cover_every_construct(instrument):
    rng = np.random.default_rng(2)
    scored = pd.DataFrame(rng.integers(1, 6, size=(50, len(instrument.items))), columns=instrument.item_codes)
    reliability = reliability_table(scored, instrument)
    assert list(reliability["construct"]) == list(instrument.constructs)
    assert (reliability["n"] == 50).all()
    descriptives = descriptives_table(scored, instrument)
    item = descriptives.set_index("variable").loc["IN1"]
    assert item["mean"] == pytest.approx(scored["IN1"].mean())
    assert item["sd"] == pytest.approx(scored["IN1"].std())


def test_measurement_model_keeps_only_loadings():
    text = "# c\nF =~ a + b + c\nG =~ d + e + f  # two\nG ~ x*F\nind := x*2\n"
    assert measurement_model(text) == "F =~ a + b + c\nG =~ d + e + f\n"
