"""Inter-coder agreement: the unit rule, and κ and α against R's irr (tests/reference)."""

import numpy as np
import pandas as pd
import pytest

from conftest import REFERENCE
from govsurvey.interviews.agreement import (agreement, alpha_band, cohen_kappa, kappa_band, krippendorff_alpha,
                                            sentence_units, unit_table)
from govsurvey.interviews.coding import read_coding
from govsurvey.interviews.inputs import read_study
from interviews_helpers import DEMO

UNITS = REFERENCE / "agreement_units.csv"
R = pd.read_csv(REFERENCE / "agreement_reference.csv").set_index("code")  # make_agreement_reference.R


def test_sentences_are_the_units():
    text = "问：好吗？\n答：好。很好！  \n\nEnd; fin"
    assert [text[s:e] for s, e in sentence_units(text)] == ["问：好吗？", "答：好。", "很好！", "End;", " fin"]


def test_a_unit_is_coded_when_a_segment_overlaps_it_by_one_character():
    from types import SimpleNamespace

    study = SimpleNamespace(folder=DEMO, transcripts={"T": "一二。三四。五六。"}, codebook={"c": None, "d": None})
    segments = pd.DataFrame([("T", 2, 4, "c", "a"), ("T", 0, 9, "d", "a"), ("T", 3, 3 + 1, "c", "b"), ("T", 6, 9, "d", "b")],
                            columns=["transcript", "start", "end", "code", "coder"])
    units = unit_table(study, segments)
    assert units["a"].tolist() == [1, 1, 0, 1, 1, 1]  # [2,4) touches the first sentence at '。' and the second
    assert units["b"].tolist() == [0, 1, 0, 0, 0, 1]


def test_the_demo_coding_gives_the_committed_unit_table():
    study = read_study(DEMO)
    units = unit_table(study, read_coding(DEMO / "coding", study))
    pd.testing.assert_frame_equal(units, pd.read_csv(UNITS, dtype={"transcript": str}))


def test_kappa_and_alpha_match_irr():
    units = pd.read_csv(UNITS)
    table = agreement(units).set_index("code")
    assert list(table.index) == list(R.index)
    np.testing.assert_allclose(table["kappa"], R["kappa"], atol=1e-9, rtol=0)
    np.testing.assert_allclose(table["alpha"], R["alpha"], atol=1e-9, rtol=0)
    part = units[units["code"] == "unresolved_demands"]
    assert cohen_kappa(part["coder_a"], part["coder_b"]) == pytest.approx(R.loc["unresolved_demands", "kappa"], abs=1e-9)
    assert table.loc["unresolved_demands", "alpha_band"] == "reliable"
    assert table.loc["(all)", "units"] == len(units)


def test_undefined_agreement_is_nan_not_a_number_made_up():
    assert np.isnan(cohen_kappa([0, 0, 0], [0, 0, 0]))
    assert np.isnan(krippendorff_alpha([1, 1], [1, 1]))
    assert kappa_band(float("nan")) is None


@pytest.mark.parametrize("kappa, band", [(-0.1, "poor"), (0.0, "slight"), (0.2, "slight"), (0.21, "fair"), (0.5, "moderate"),
                                         (0.8, "substantial"), (0.81, "almost perfect"), (1.0, "almost perfect")])
def test_landis_koch_bands(kappa, band):
    assert kappa_band(kappa) == band


@pytest.mark.parametrize("alpha, band", [(0.8, "reliable"), (0.7999, "tentative"), (0.667, "tentative"), (0.6669, "unreliable")])
def test_krippendorff_thresholds(alpha, band):
    assert alpha_band(alpha) == band
