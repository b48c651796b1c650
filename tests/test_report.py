import pandas as pd
import pytest

from govsurvey.figures.forest import effect_label
from govsurvey.report.chapter import markdown_table, supported_causes, total_effects


def paths_frame(rows):
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "std_all", "pvalue"])


def test_markdown_table_aligns_numbers_right_and_text_left():
    text = markdown_table(pd.DataFrame({"Item": ["IN1", "OB2"], "λ": [".74", "−.05"]}), "Cap", "tbl-x")
    header, rule, *_ = text.splitlines()
    assert header == "| Item | λ |"
    left, right = rule.strip("|").split("|")
    assert left.startswith(":") and right.endswith(":")
    assert text.rstrip().endswith(": Cap {#tbl-x}")


def test_total_effects_add_direct_and_indirect_paths():
    paths = paths_frame([("B", "~", "A", 0.5, 0.01), ("C", "~", "B", 0.4, 0.01), ("C", "~", "A", 0.1, 0.5)])
    total = total_effects(paths, ["A", "B", "C"])
    assert total.loc["C", "A"] == pytest.approx(0.1 + 0.5 * 0.4)
    assert total.loc["B", "A"] == pytest.approx(0.5)
    assert total.loc["A", "C"] == 0


def test_supported_causes_need_a_significant_chain(instrument):
    rows = [
        ("PL", "~", "OB", 0.35, 0.001), ("PL", "~", "IN", 0.30, 0.001),
        ("PW", "~", "PM", 0.35, 0.20), ("PW", "~", "PL", 0.30, 0.001),  # PM -> PW not significant
        ("RI", "~", "MS", 0.30, 0.001), ("RI", "~", "IN", 0.20, 0.001), ("RI", "~", "PL", 0.25, 0.001),
        ("GS", "~", "PL", 0.30, 0.001), ("GS", "~", "PW", 0.25, 0.001), ("GS", "~", "RI", 0.35, 0.001),
    ]  # fmt: skip
    ranked, outcome = supported_causes(paths_frame(rows), instrument, alpha=0.05)
    assert outcome == "GS"
    support = {code: ok for code, _, ok in ranked}
    assert support == {"IN": True, "OB": True, "MS": True, "PM": False}
    totals = [abs(total) for _, total, _ in ranked]
    assert totals == sorted(totals, reverse=True)


def test_effect_labels():
    assert effect_label("ind_OB_PL_GS") == "OB → PL → GS"
    assert effect_label("total_PL_GS", "zh") == "总效应 PL → GS"
    assert effect_label("custom") == "custom"
