"""`govsurvey init`: a new study drafted from an export, checked against the simulation's truth
(the default instrument: its constructs, reverse keys, check, personal columns), and run by the
workflow as drafted: a dry run and a real run up to `measure`."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT
from govsurvey.draft.study import init_study
from govsurvey.errors import InputError
from govsurvey.study import load_instrument
from govsurvey.synthetic.exports import write_export
from govsurvey.synthetic.population import DEFAULT_STREET, simulate_responses

SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


@pytest.fixture(scope="module")
def simulated(instrument):
    return simulate_responses(instrument, 300, seed=7, street=DEFAULT_STREET)


def code_headed_export(simulated, instrument, path):
    """A generic csv whose question columns are headed by their codes (IN1, gender), with the
    record, time, IP, name and phone columns a plain export carries."""
    export = write_export(simulated, instrument, path.with_name("mapped.csv"), "generic_csv")
    frame = pd.read_csv(export.path, dtype=str, keep_default_na=False)
    frame = frame.rename(columns={h: c for h, c in export.column_map.items() if h.startswith(("q_", "d_"))})
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory, simulated, instrument):
    """A project folder holding one code-headed export under data/raw/riverside/."""
    work = tmp_path_factory.mktemp("newstudy")
    export = work / "data" / "raw" / "riverside" / "survey.csv"
    export.parent.mkdir(parents=True)
    code_headed_export(simulated, instrument, export)
    return work


def _init(work, *args):
    return subprocess.run([sys.executable, "-m", "govsurvey", "init", *args], cwd=work, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.fixture(scope="module")
def drafted(project):
    result = _init(project, "data/raw/riverside/survey.csv", "--street", "riverside")
    assert result.returncode == 0, result.stderr
    return project / "studies" / "riverside", result.stdout


def test_constructs_come_from_the_code_prefixes(drafted, instrument):
    folder, _ = drafted
    draft = load_instrument(folder / "instrument.yaml")
    assert {code: [i.code for i in c.items] for code, c in draft.constructs.items()} == {
        code: [i.code for i in c.items] for code, c in instrument.constructs.items()
    }
    assert (folder / "model.lavaan").read_text().count("=~") == len(instrument.constructs)


def test_reverse_keys_check_and_scale_are_guessed_from_the_answers(drafted, instrument):
    draft = load_instrument(drafted[0] / "instrument.yaml")
    assert {c for c, i in draft.items.items() if i.reverse} == {c for c, i in instrument.items.items() if i.reverse}
    assert [(c.code, c.expected) for c in draft.attention_checks] == [("AC1", 4)]
    assert (draft.scale_min, draft.scale_max) == (1, 5)
    assert [draft.labels[p]["zh"] for p in range(1, 6)] == [instrument.labels[p]["zh"] for p in range(1, 6)]


def test_personal_and_metadata_columns_are_flagged(drafted):
    folder, printed = drafted
    draft = load_instrument(folder / "instrument.yaml")
    assert [q["code"] for q in draft.personal_questions] == ["free_name", "free_phone"]
    assert draft.metadata["ip"] == {"header": "ip_addr", "personal": True}
    assert draft.metadata["respondent_id"]["header"] == "resp_no"
    text = (folder / "instrument.yaml").read_text(encoding="utf-8")
    assert "values look like phone numbers" in text and text.count("# REVIEW") >= len(draft.constructs)
    assert "Wrote:" in printed and "Review (" in printed and "free_phone" in printed
    assert "snakemake --directory studies/riverside --configfile studies/riverside/config.yaml" in printed


def test_the_config_has_one_street_and_no_comparison(drafted):
    config = yaml.safe_load((drafted[0] / "config.yaml").read_text(encoding="utf-8"))
    assert set(config) == {"study", "streets", "report"} and list(config["streets"]) == ["riverside"]
    street = config["streets"]["riverside"]
    assert street["format"] == "generic" and "column_map" not in street
    assert (drafted[0] / street["raw_export"]).resolve() == drafted[0].parents[1] / "data/raw/riverside/survey.csv"
    assert street["code_map"]["gender"] == {1: "选项1", 2: "选项2"}


def test_init_does_not_overwrite_without_force(drafted, project):
    folder, _ = drafted
    before = (folder / "config.yaml").read_text(encoding="utf-8")
    (folder / "config.yaml").write_text(before + "# edited by hand\n", encoding="utf-8")
    result = _init(project, "data/raw/riverside/survey.csv", "--street", "riverside")
    assert result.returncode == 2
    assert f"{folder / 'config.yaml'}: exists already; init does not overwrite" in result.stderr
    assert "--force" in result.stderr
    assert (folder / "config.yaml").read_text(encoding="utf-8").endswith("# edited by hand\n")
    forced = _init(project, "data/raw/riverside/survey.csv", "--street", "riverside", "--force")
    assert forced.returncode == 0 and (folder / "config.yaml").read_text(encoding="utf-8") == before


def test_an_export_without_items_is_a_clear_error(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("name,score\nA,x\nB,y\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"other\.csv: no column looks like an item"):
        init_study(path, street="other", out=tmp_path / "study")
    assert not (tmp_path / "study").exists()


def test_a_text_export_gets_its_scale_order_and_matrices(tmp_path, simulated, instrument):
    """Wenjuanxing 按文本: headers are wordings, answers label texts. The scale comes in the
    labels' order, a construct per matrix stem, the check by its wording, the items' wording
    from the export (so ingest matches them), reverse keys by the answers."""
    export = write_export(simulated, instrument, tmp_path / "wjx.xlsx", "wenjuanxing_text_xlsx").path
    files, review = init_study(export, street="wjx", out=tmp_path / "wjx")
    draft = load_instrument(files["instrument"])
    assert [draft.labels[p]["zh"] for p in range(1, 6)] == ["非常不同意", "不同意", "一般", "同意", "非常同意"]
    rows = [[f"F{k}_{j}" for j in range(1, 9)] for k in range(1, 5)]
    rows[2].insert(3, "AC1")  # where the questionnaire asks it: after PL3
    assert [m["rows"] for m in draft.matrices] == rows
    assert [c.code for c in draft.attention_checks] == ["AC1"] and draft.attention_checks[0].expected == 4
    truth = {i.zh for i in instrument.items.values() if i.reverse}
    assert {i.zh for i in draft.items.values() if i.reverse} == truth
    assert [o["zh"] for o in next(d for d in draft.demographics if "年龄" in d.zh).options] == [
        o["zh"] for o in next(d for d in instrument.demographics if d.code == "age").options
    ]
    assert any("personal data" in line and "电话" in line for line in review)


def _snakemake(work, folder, *args):
    command = [SNAKEMAKE, "--snakefile", str(ROOT / "Snakefile"), "--directory", str(folder),
               "--configfile", str(folder / "config.yaml"), *args]  # fmt: skip
    return subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=600)


def test_the_drafted_study_passes_the_workflow_checks(drafted, project):
    result = _snakemake(project, drafted[0], "-n")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "rule measure" in result.stdout and "l_street" not in result.stdout  # config.yaml not merged in
    assert "rule compare" not in result.stdout


@pytest.mark.slow
def test_the_drafted_study_runs_up_to_measure(drafted, project):
    folder = drafted[0]
    result = _snakemake(project, folder, "--cores", "2", "--until", "measure")
    assert result.returncode == 0, result.stderr[-3000:]
    reliability = pd.read_csv(folder / "results" / "riverside" / "measure" / "reliability.csv")
    assert len(reliability) == 8 and (reliability["alpha"] > 0.7).all()  # reverse keys guessed right
    report = json.loads((folder / "results" / "riverside" / "ingest" / "ingest_report.json").read_text())
    assert {"free_name", "free_phone", "ip_addr"} <= {d["column"] for d in report["columns_dropped_personal"]}
