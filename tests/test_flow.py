"""The CONSORT-style screening flow diagram: numbers from the summary, deterministic files."""

import re

import pytest

from govsurvey.errors import InputError
from govsurvey.figures.flow import flow_diagram
from govsurvey.screening import REASONS
from govsurvey.words import WORDS


def summary(listwise=True):
    excluded = dict.fromkeys(REASONS, 0)
    excluded.update(duplicate_ip=5, speeder=10, attention_check=7, mahalanobis=4, incomplete=5 if listwise else 0)
    flagged = {**excluded, "attention_check": 18, "mahalanobis": 16}
    rules = {key: {"enabled": True, "applied": True, "note": ""} for key in REASONS}
    rules["duplicate_id"] = {"enabled": True, "applied": False, "note": "no_respondent_id"}
    rules["evenodd"] = {"enabled": False, "applied": False, "note": ""}
    rules["incomplete"]["enabled"] = rules["incomplete"]["applied"] = listwise
    n_raw = 480
    n_screened = n_raw - sum(v for k, v in excluded.items() if k != "incomplete")
    return {
        "n_raw": n_raw,
        "n_screened": n_screened,
        "n_kept": n_screened - excluded["incomplete"],
        "order": list(REASONS),
        "excluded_by_primary_reason": excluded,
        "flagged_by_rule": flagged,
        "rules": rules,
    }


def svg_strings(path):
    """The strings drawn in the SVG (matplotlib keeps each as a comment beside its glyph paths)."""
    return re.findall(r"<!-- (.*?) -->", path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_flow_shows_the_ledger_numbers_and_is_deterministic(tmp_path, language):
    data = summary()
    flow_diagram(data, language, tmp_path / "a.png", tmp_path / "a.svg")
    flow_diagram(data, language, tmp_path / "b.png", tmp_path / "b.svg")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = "\n".join(svg_strings(tmp_path / "a.svg"))
    for n in (480, 454, 449, 26, 5):  # raw, screened, analysed, excluded by screening, by listwise
        assert f"n = {n}" in text, n
    labels = WORDS[language]["reasons"]
    colon = ": " if language == "en" else "："
    assert f"{labels['speeder']}{colon}10" in text
    flagged = " (flagged 16)" if language == "en" else "（共标记16）"
    assert f"{labels['mahalanobis']}{colon}4{flagged}" in text
    assert f"{labels['out_of_range']}{colon}0" in text  # applied rules show even when nothing fired
    footer = text.replace("\n", " " if language == "en" else "")
    assert labels["evenodd"] in footer  # switched off
    assert ("no respondent identifier" if language == "en" else "导出文件中没有答题者标识") in footer  # not applied
    assert f"{labels['duplicate_id']}{colon}" not in text  # not applied: in the footnote, not in the box


def test_without_listwise_deletion_the_screened_records_are_analysed(tmp_path):
    flow_diagram(summary(listwise=False), "en", tmp_path / "f.png", tmp_path / "f.svg")
    text = "\n".join(svg_strings(tmp_path / "f.svg"))
    assert "Analysed" in text and "Screened records" not in text and "n = 454" in text
    assert text.count("Excluded (") == 1  # no listwise box
    assert f"Switched off in config: {WORDS['en']['reasons']['evenodd']}; {WORDS['en']['reasons']['incomplete']}." in text


def test_unknown_language_is_refused(tmp_path):
    with pytest.raises(InputError, match="language 'fr'"):
        flow_diagram(summary(), "fr", tmp_path / "f.png", tmp_path / "f.svg")
