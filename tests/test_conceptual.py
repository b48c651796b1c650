"""The conceptual-model figure: hypothesised paths drawn from the model before any fit."""

import re
from pathlib import Path

import matplotlib
import pytest
from PIL import Image

from govsurvey.errors import InputError
from govsurvey.figures import style
from govsurvey.figures.conceptual import draw_conceptual_model, hypothesis_label, hypothesis_paths
from govsurvey.figures.path_diagram import draw_paths
from govsurvey.study.instrument import load_instrument
from govsurvey.words import words

ROOT = Path(__file__).resolve().parents[1]
INSTRUMENT = ROOT / "data" / "instruments" / "party_building_governance.yaml"
LIBRARY = ROOT / "tests" / "data" / "library_study" / "instrument.yaml"

# The default model's ~ paths as hypotheses (predictor, outcome), two of them negative, ids as a thesis writes them.
HYPOTHESES = [
    {"id": "H1", "predictor": "OB", "outcome": "PL", "sign": 1},
    {"id": "H2", "predictor": "IN", "outcome": "PL", "sign": 1},
    {"id": "H3a", "predictor": "PM", "outcome": "PW", "sign": 1},
    {"id": "H3b", "predictor": "PL", "outcome": "PW", "sign": -1},
    {"id": "H4", "predictor": "MS", "outcome": "RI", "sign": 1},
    {"id": "H5", "predictor": "IN", "outcome": "RI", "sign": 1},
    {"id": "H6", "predictor": "PL", "outcome": "RI", "sign": -1},
    {"id": "H7", "predictor": "PL", "outcome": "GS", "sign": 1},
    {"id": "H8", "predictor": "PW", "outcome": "GS", "sign": 1},
    {"id": "H9", "predictor": "RI", "outcome": "GS", "sign": 1},
]


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def drawn(instrument, tmp_path_factory):
    out = tmp_path_factory.mktemp("conceptual")
    files = {}
    for language in ("en", "zh"):
        png, svg = out / f"conceptual_{language}.png", out / f"conceptual_{language}.svg"
        files[language] = (png, svg, draw_conceptual_model(instrument, HYPOTHESES, language, png, svg))
    return files


def svg_strings(path):
    """Strings drawn in an SVG: matplotlib writes each text as a comment beside its glyph paths."""
    return re.findall(r"<!-- (.*?) -->", Path(path).read_text(encoding="utf-8"))


def test_labels_carry_id_and_sign():
    assert hypothesis_label({"id": "H1", "sign": 1}) == "H1 (+)"
    assert hypothesis_label({"id": "H2a", "sign": -1}) == "H2a (\u2212)"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_figure_is_written_at_300_dpi_and_text_width(instrument, drawn, language):
    png, svg, _ = drawn[language]
    assert svg.stat().st_size > 0
    with matplotlib.rc_context(style.style(language)):
        fig, _ = draw_paths(hypothesis_paths(HYPOTHESES, instrument), instrument, language,
                            words(language)["conceptual_note"])
    width_in, height_in = fig.get_size_inches()
    assert width_in == pytest.approx(16 / 2.54)  # the A4 text block
    with Image.open(png) as image:
        assert [round(d) for d in image.info["dpi"]] == [300, 300]
        assert abs(image.width - width_in * 300) <= 1
        assert abs(image.height - height_in * 300) <= 1


@pytest.mark.parametrize("language", ["en", "zh"])
def test_svg_names_every_construct_and_hypothesis(instrument, drawn, language):
    _, svg, paths = drawn[language]
    strings = svg_strings(svg)
    # Names are wrapped over lines drawn one after another: at spaces in English, anywhere in Chinese.
    text = (" " if language == "en" else "").join(strings)
    for code, construct in instrument.constructs.items():
        assert code in strings
        assert construct.name[language] in text, code
    labels = {hypothesis_label(h) for h in HYPOTHESES}
    assert labels <= set(strings)
    assert {"H3b (\u2212)", "H6 (\u2212)"} <= set(strings)
    assert not any(re.fullmatch(r"\u2212?\.\d+\**", s) for s in strings)  # no estimates
    assert words(language)["conceptual_note"] in strings
    body = Path(svg).read_text(encoding="utf-8")
    for h in HYPOTHESES:  # one arrow per hypothesis, solid: nothing has been tested yet
        group = re.search(rf'<g id="path-{h["predictor"]}-{h["outcome"]}">(.*?)</g>', body, re.S)
        assert group and "stroke-dasharray" not in group.group(1), h["id"]
    assert list(paths["label"]) == [hypothesis_label(h) for h in HYPOTHESES]


def test_constructs_sit_in_columns_by_role(instrument):
    with matplotlib.rc_context(style.style("en")):
        _, layout = draw_paths(hypothesis_paths(HYPOTHESES, instrument), instrument, "en", "")
    x = layout["x"]
    by_role = {role: [c.code for c in group] for role, group in instrument.constructs_by_role()}
    assert max(x[c] for c in by_role["cause"]) < min(x[c] for c in by_role["problem"])
    assert max(x[c] for c in by_role["problem"]) < min(x[c] for c in by_role["outcome"])
    assert len(layout["label_boxes"]) == len(HYPOTHESES)


def test_instrument_without_roles_follows_the_chain(tmp_path):
    library = load_instrument(LIBRARY)
    hypotheses = [
        {"id": "H1", "predictor": "SQ", "outcome": "CL", "sign": 1},
        {"id": "H2", "predictor": "CL", "outcome": "SP", "sign": -1},
    ]
    with matplotlib.rc_context(style.style("en")):
        _, layout = draw_paths(hypothesis_paths(hypotheses, library), library, "en", "")
    assert layout["x"]["SQ"] < layout["x"]["CL"] < layout["x"]["SP"]
    draw_conceptual_model(library, hypotheses, "zh", tmp_path / "c.png", tmp_path / "c.svg")
    assert {"H1 (+)", "H2 (\u2212)", "馆藏丰富程度"} <= set(svg_strings(tmp_path / "c.svg"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"predictor": "XX"}, r"H2 names XX, which is not a construct"),
        ({"outcome": "GS1"}, r"H2 names GS1"),  # an item, not a construct
        ({"sign": 0}, r"H2 has the sign 0"),
        ({"sign": "+"}, r"H2 has the sign '\+'"),
        ({"outcome": "IN"}, r"H2 has IN predict itself"),
        ({"id": "H1"}, r"the id H1 is used twice"),
        ({"predictor": "OB"}, r"H1 and H2 are both the path OB → PL"),
    ],
)
def test_bad_hypotheses_are_input_errors(instrument, tmp_path, change, message):
    hypotheses = [dict(h) for h in HYPOTHESES]
    hypotheses[1].update(change)
    with pytest.raises(InputError, match=message) as error:
        draw_conceptual_model(instrument, hypotheses, "en", tmp_path / "c.png", tmp_path / "c.svg")
    assert error.value.fix
    assert not (tmp_path / "c.png").exists()


def test_missing_key_or_no_hypotheses_are_input_errors(instrument, tmp_path):
    with pytest.raises(InputError, match="H1 lacks sign"):
        hypothesis_paths([{"id": "H1", "predictor": "OB", "outcome": "PL"}], instrument)
    with pytest.raises(InputError, match="no hypotheses"):
        draw_conceptual_model(instrument, [], "en", tmp_path / "c.png", tmp_path / "c.svg")
    with pytest.raises(InputError, match="'fr'"):
        draw_conceptual_model(instrument, HYPOTHESES, "fr", tmp_path / "c.png", tmp_path / "c.svg")
