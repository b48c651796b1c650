"""A second, unrelated questionnaire through config alone: a library user survey (three
constructs without roles, seven-point scale, no attention check, no timing metadata) and a
pure CFA model. The chapter must make sense for it and carry nothing of the default study."""

import json
import re
import shutil
import subprocess

import pandas as pd
import pytest
import yaml

from conftest import INSTRUMENT_PATH, ROOT, run_workflow
from govsurvey.study import load_instrument
from govsurvey.synthetic.factor_model import simulate_factor_model, write_generic_csv
from test_workflow import html_text

pytestmark = pytest.mark.slow
STUDY = ROOT / "tests" / "data" / "library_study"
BRANCH = {
    "name": {"zh": "河滨分馆", "en": "Riverside Branch"},
    "synthetic": True,
    "format": "generic",
    "fieldwork": {"start": "2026-05-04", "end": "2026-05-29"},
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("library_run")
    instrument = load_instrument(STUDY / "instrument.yaml")
    export = work / "data" / "raw" / "riverside" / "survey.csv"
    export.parent.mkdir(parents=True)
    write_generic_csv(simulate_factor_model(instrument, 260, seed=3), instrument, export)
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["study"] = {"instrument": str(STUDY / "instrument.yaml"), "model": str(STUDY / "model.lavaan")}
    config["streets"] = {"riverside": {**BRANCH, "raw_export": str(export.relative_to(work))}}
    config.pop("comparison")
    config.pop("interviews")  # the default study's interviews and cases are not this one's
    config.pop("cases")
    config.pop("synthesis")  # its texts are the default study's
    config["report"] = {"street": "riverside", "languages": ["en", "zh"], "formats": ["html", "pdf"], "engine": "fallback"}
    config["ingest"] = {"salt_file": str(work / "secret" / "salt")}
    config["robustness"]["controls"] = ["visits"]  # the default study's demographics are not this one's
    run_workflow(work, config)
    return work


def default_study_words():
    """Construct codes, construct names, item wording and study words of the default study."""
    default = load_instrument(INSTRUMENT_PATH)
    words = set(default.constructs) | {"Party", "governance", "L Street", "five-point", "causes", "problems"}
    words |= {c.name["en"] for c in default.constructs.values()}
    words |= {item.en for item in default.items.values()}
    return words


def test_the_chapter_carries_nothing_of_the_default_study(run):
    text = html_text(run / "results/report/chapter.en.html")
    found = [w for w in default_study_words() if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
    assert found == []


def test_the_chapter_describes_this_study(run):
    text = html_text(run / "results/report/chapter.en.html")
    fit = json.loads((run / "results/riverside/measure/cfa_fit.json").read_text())
    assert "Public library user survey in Riverside Branch (河滨分馆)" in text
    assert "measures three constructs: Quality of librarian service (SQ)" in text
    assert "12 items answered on a seven-point scale (1 = completely disagree, 7 = completely agree)" in text
    assert "no structural paths" in text and "no attention-check item" in text
    assert f"χ²({fit['df']}) = {fit['chisq']:.2f}" in text
    # rules that need times the export does not have are reported, not silently skipped
    assert "Completed too fast (the export has no completion times)" in text


def test_sections_of_a_structural_model_are_left_out(run):
    text = html_text(run / "results/report/chapter.en.html")
    for absent in ["Structural model", "Mediation", "bootstrap", "R² =", "regressed on", "Figure 4.3",
                   "Theory and hypotheses", "hypothes", "Hypothes", "Conceptual model", "H1"]:
        assert absent not in text, absent
    assert "Figure 4.2" in text and "Chapter 4" in text  # a chapter of its own, numbered as configured
    for bad in ["{{<", "?var", "@tbl-", "@fig-", "@sec-", "NaN", "None", "—%"]:
        assert bad not in text, bad
    assert not (run / "results/riverside/bootstrap").exists()
    assert not (run / "results/riverside/figures/en/path_diagram.png").exists()
    assert not (run / "results/riverside/hypotheses").exists()
    assert not (run / "results/study/figures").exists()  # no conceptual model to draw
    assert (run / "results/study/provenance.json").is_file()  # but the study's record, as for any study


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_the_pdf_says_the_same(run):
    pdf = run / "results/report/chapter.en.pdf"
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                             check=True).stdout)
    assert "seven-point scale" in text and "Structural model" not in text
    assert not [w for w in default_study_words() if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


def test_ledger_accounts_for_every_record(run):
    ledger = pd.read_csv(run / "results/riverside/clean/ledger.csv")
    raw = pd.read_csv(run / "data/raw/riverside/survey.csv")
    assert len(ledger) == len(raw) and ledger["kept"].sum() > 200


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_second_questionnaires_chapter_passes_the_proofreading_rules(run, language):
    from test_workflow import _faults

    faults = _faults(run, language, STUDY / "instrument.yaml")
    assert not faults, "\n".join(map(str, faults))
