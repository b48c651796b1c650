"""The ingest salt: made once, never overwritten, whoever gets there first (issue 19, item 5).
Three parallel ingest jobs of a fresh project must hash every IP with the salt left on disk."""

import multiprocessing
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, run_workflow, workflow_config
from govsurvey.ingest import ingest_export
from govsurvey.ingest import privacy
from govsurvey.ingest.privacy import load_salt
from govsurvey.paths import stage_files
from govsurvey.study.instrument import load_instrument
from govsurvey.synthetic.streets import DEFAULT_STREET, write_synthetic_export

INSTRUMENT = ROOT / "data" / "instruments" / "party_building_governance.yaml"
SHIPPED = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def test_a_job_that_finds_no_salt_too_late_keeps_the_one_made_meanwhile(tmp_path, monkeypatch):
    """Another job makes the salt between this job's check and its write: this job must use it."""
    path = tmp_path / "secret" / "salt"
    path.parent.mkdir()
    path.write_text("made-by-the-first-job", encoding="utf-8")
    monkeypatch.setattr(privacy.Path, "exists", lambda self: False)  # the check ran before the first job wrote
    assert load_salt(path) == "made-by-the-first-job"
    assert path.read_text(encoding="utf-8") == "made-by-the-first-job"
    assert [p.name for p in path.parent.iterdir()] == ["salt"]  # no candidate left behind


def _salt(path):
    return load_salt(path)


def test_processes_racing_for_a_new_salt_all_get_the_one_on_disk(tmp_path):
    path = tmp_path / "secret" / "salt"
    with multiprocessing.get_context("fork").Pool(6) as pool:
        salts = pool.map(_salt, [path] * 24)
    assert set(salts) == {path.read_text(encoding="utf-8").strip()} and len(salts[0]) == 32


@pytest.mark.slow
def test_three_parallel_ingest_jobs_hash_with_the_salt_on_disk(tmp_path):
    instrument = load_instrument(INSTRUMENT)
    streets = {}
    for n, sid in enumerate(("a_street", "b_street", "c_street")):
        name = {"zh": f"{sid[0].upper()}街道", "en": f"{sid[0].upper()} Street"}
        export = write_synthetic_export(instrument, tmp_path / "data" / "raw" / sid, 120, seed=30 + n,
                                        street={**DEFAULT_STREET, "name": name})
        streets[sid] = {**SHIPPED["streets"]["l_street"], "name": name,
                        "raw_export": str(Path(export).relative_to(tmp_path))}
    config = workflow_config(tmp_path, "a_street", streets["a_street"], tmp_path / streets["a_street"]["raw_export"])
    config["streets"] = streets
    config["robustness"]["controls"] = []
    run_workflow(tmp_path, config, "--until", "ingest", "--cores", "3")
    salt = (tmp_path / "secret" / "salt").read_text(encoding="utf-8").strip()
    for sid, street in streets.items():
        written = pd.read_parquet(tmp_path / stage_files("ingest", sid)["responses"])
        again, _ = ingest_export(tmp_path / street["raw_export"], instrument, street, salt,
                                 settings=config["ingest"], log=lambda m: None)
        assert written["ip_hash"].notna().sum() > 100, sid
        assert written["ip_hash"].tolist() == again["ip_hash"].tolist(), sid
