import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT
from govsurvey.paths import ResultFiles
from govsurvey.report.context import Chapter
from govsurvey.report.design import demographics_table, design_text, instrument_text
from govsurvey.report.measurement import reliability_table
from govsurvey.report.structure import indirect_table, paths_table, supported_causes, total_effects
from govsurvey.report.tables import markdown_table
from govsurvey.study import load_instrument, parse_model, read_model
from govsurvey.words import effect_label

LIBRARY = ROOT / "tests" / "data" / "library_study"
STREET = {"name": {"zh": "M街道", "en": "M Street"}, "city": {"zh": "某市", "en": "Some City"}}


def chapter(instrument, model, draws=5000, level=0.95):
    settings = {"alpha": 0.05, "bootstrap": {"draws": draws, "level": level}}
    return Chapter(instrument, model, STREET, settings, "en", ResultFiles({}))


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


def test_reliability_table_names_each_variant(instrument):
    """ω and AVE as semTools computes them, CR and AVE of Fornell & Larcker: each header says which."""
    reliability = pd.DataFrame([{"construct": "IN", "n_items": 4, "alpha": 0.8, "alpha_ci_lower": 0.75,
                                 "alpha_ci_upper": 0.84, "omega": 0.81, "ave_semtools": 0.47, "cr": 0.82,
                                 "ave": 0.53, "min_loading": 0.6}])  # fmt: skip
    text = reliability_table(chapter(instrument, None), reliability)
    header = [h.strip() for h in text.splitlines()[0].strip("|").split("|")]
    plain = [h.replace("\u00a0", " ").replace("\u2060", "") for h in header]
    assert plain == ["Construct", "Items", "α [95% CI]", "ω", "AVE", "CR (F–L)", "AVE (F–L)", "λmin"]
    row = [c.strip() for c in text.splitlines()[2].strip("|").split("|")]
    assert row[4:7] == [".470", ".820", ".530"]  # AVE is semTools'; the F-L pair beside it
    assert "semTools AVE()" in text and "Fornell & Larcker" in text


PATHS = pd.DataFrame({"lhs": ["PL"], "op": ["~"], "rhs": ["OB"], "est": [0.4], "se": [0.05], "std_all": [0.38],
                      "std_all_se": [0.04], "pvalue": [0.001]})  # fmt: skip
DEFINED = pd.DataFrame({"lhs": ["ind_OB_PL_GS"], "op": [":="], "rhs": ["a1*d1"], "est": [0.12], "se": [0.03],
                        "std_all": [0.11], "pvalue": [0.0001], "ci_lower": [0.06], "ci_upper": [0.18]})  # fmt: skip


def test_interval_headers_follow_the_bootstrap_level(instrument):
    boot = pd.DataFrame({"lhs": ["PL", "ind_OB_PL_GS"], "op": ["~", ":="], "rhs": ["OB", "a1*d1"],
                         "ci_of": ["std_all", "est"], "est": [0.4, 0.12], "std_all": [0.38, 0.11],
                         "boot_se": [0.05, 0.03], "ci_lower_perc": [0.3, 0.07], "ci_upper_perc": [0.46, 0.18],
                         "ci_lower_bc": [0.31, 0.07], "ci_upper_bc": [0.47, 0.19]})  # fmt: skip
    c = chapter(instrument, None, level=0.90)
    assert "β 90% CI (bootstrap)" in paths_table(c, PATHS, boot)
    summary = {"draws": 1000, "admissible": 990, "level": 0.90}
    assert "bias-corrected (BC) 90% CIs" in indirect_table(c, DEFINED, boot, summary)


def test_without_the_bootstrap_intervals_come_from_the_delta_method(instrument):
    c = chapter(instrument, None, draws=0)
    paths = paths_table(c, PATHS, None)
    assert "β 95% CI (delta method)" in paths and "[.30, .46]" in paths  # .38 ± 1.96 × .04
    effects = indirect_table(c, DEFINED, None, None)
    assert "delta-method SE" in effects and "[0.060, 0.180]" in effects and "bootstrap is switched off" in effects


def test_the_design_follows_the_instrument_and_model(instrument):
    default = design_text(chapter(instrument, read_model(ROOT / "data/models/governance.lavaan")))
    assert "four causes — Depth of integration" in default and "PL is regressed on OB and IN" in default
    library = load_instrument(LIBRARY / "instrument.yaml")
    text = design_text(chapter(library, read_model(LIBRARY / "model.lavaan")))
    assert "The questionnaire measures three constructs: Quality of librarian service (SQ)" in text
    assert "no structural paths" in text and "cause" not in text
    ingest = {"columns_absent": []}
    described = instrument_text(chapter(library, None), ingest)
    assert "12 items answered on a seven-point scale (1 = completely disagree, 7 = completely agree)" in described
    assert "Two reverse-keyed items were recoded" in described and "no attention-check item" in described
    assert "{#tbl-items}" in described and "@tbl-items lists them" in described


def test_an_attention_check_the_export_lacks_is_not_described(instrument):
    text = instrument_text(chapter(instrument, None), {"columns_absent": [{"code": "AC1", "kind": "check"}]})
    assert "instructed-response" not in text and "no attention-check item" not in text


def test_roles_are_the_instruments_own(instrument):
    roles = {"driver": {"zh": "驱动因素", "en": "drivers"}, "result": {"zh": "结果", "en": "results"}}
    constructs = {code: dataclasses.replace(c, role="driver" if c.role == "cause" else "result")
                  for code, c in instrument.constructs.items()}  # fmt: skip
    other = dataclasses.replace(instrument, roles=roles, constructs=constructs)
    text = design_text(chapter(other, parse_model("IN =~ IN1 + IN2 + IN3\nOB =~ OB1 + OB2 + OB3\nOB ~ IN")))
    assert "four drivers — " in text and "four results — " in text and "OB is regressed on IN" in text


def test_a_numeric_demographic_is_summarised_by_mean_sd_and_range(instrument):
    age = dataclasses.replace(instrument.demographics[0], code="age_years", zh="年龄", en="Age (years)",
                              options=(), kind="numeric")
    other = dataclasses.replace(instrument, demographics=(age,))
    kept = pd.DataFrame({"age_years": [30.0, 40.0, 50.0, None]})
    text = demographics_table(chapter(other, None), kept)
    assert "| Age (years) | M = 40.0, SD = 10.0, range 30–50 | 3 | 75.0 |" in text
    assert "| Not answered | 1 | 25.0 |" in text


def test_every_display_word_exists_in_both_languages():
    from govsurvey.words import WORDS

    def keys(table, prefix=""):
        out = set()
        for key, value in table.items():
            out.add(f"{prefix}{key}")
            if isinstance(value, dict):
                out |= keys(value, f"{prefix}{key}.")
        return out

    assert keys(WORDS["en"]) == keys(WORDS["zh"])


def test_the_chapter_opens_only_the_files_its_rule_declares():
    """Snakemake waits only for declared inputs: a result the chapter reads but its rule does not
    declare would be read before it is written (or stale), so reading it is an error."""
    from govsurvey.paths import report_inputs

    declared = report_inputs("m_street", "en", structural=True, bootstrap=False, definitions=True, compared=False)
    files = ResultFiles(declared)
    assert files.path("sem", "fit") == Path("results/m_street/sem/fit.json")
    assert files.figure("path") == Path("results/m_street/figures/en/path_diagram.png")
    for read in (lambda: files.path("bootstrap", "indirect"), lambda: files.figure("forest"),
                 lambda: files.comparison("summary"), lambda: files.comparison_figure("ipma")):
        with pytest.raises(RuntimeError, match="which the report rule does not declare as an input"):
            read()
    compared = ResultFiles(report_inputs("m_street", "en", structural=True, bootstrap=True, definitions=True, compared=True))
    assert compared.comparison("summary") == Path("results/comparison/summary.json")
    assert compared.figure("forest") == Path("results/m_street/figures/en/forest.png")
