"""The record of what produced the results (govsurvey.provenance): the date every rendered file
carries, the environment every job runs in, the study's checksums, the jobs' software records."""

import hashlib
import json
import subprocess
from types import SimpleNamespace

import pytest

from govsurvey.errors import InputError
from govsurvey.provenance import (
    FALLBACK_EPOCH,
    config_snapshot,
    gathered_versions,
    record_job_versions,
    reproducible_environment,
    source_date_epoch,
    study_record,
)


def test_the_date_is_the_users_then_the_commits_then_the_fallback(tmp_path):
    assert source_date_epoch(tmp_path, {"SOURCE_DATE_EPOCH": "1700000000"}) == 1700000000
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH"):
        source_date_epoch(tmp_path, {"SOURCE_DATE_EPOCH": "yesterday"})
    assert source_date_epoch(tmp_path, {}) == FALLBACK_EPOCH  # not a git work tree
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "f").write_text("x")
    subprocess.run([*git, "add", "f"], check=True)
    subprocess.run([*git, "commit", "-qm", "m", "--date", "@1600000000"], check=True,
                   env={"GIT_COMMITTER_DATE": "@1600000000", "PATH": "/usr/bin:/bin"})
    assert source_date_epoch(tmp_path, {}) == 1600000000


def test_every_job_runs_with_one_thread_and_a_fixed_hash_seed(tmp_path):
    env = reproducible_environment(tmp_path, {"SOURCE_DATE_EPOCH": "5"})
    assert env["PYTHONHASHSEED"] == "0" and env["SOURCE_DATE_EPOCH"] == "5"
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "1"


def test_the_study_record_holds_the_inputs_checksums_and_follows_the_config(tmp_path):
    model = tmp_path / "m.lavaan"
    model.write_text("F =~ a + b + c\n")
    record = study_record({"analysis": {"alpha": 0.05}}, {"model": [model]})
    assert record["inputs"]["model"][str(model)] == hashlib.sha256(model.read_bytes()).hexdigest()
    other = study_record({"analysis": {"alpha": 0.01}}, {"model": [model]})
    assert other["config_sha256"] != record["config_sha256"]
    # the same settings in another order are the same configuration
    assert study_record({"b": 1, "a": 2}, {})["config_sha256"] == study_record({"a": 2, "b": 1}, {})["config_sha256"]


def test_the_config_snapshot_withholds_the_names_to_mask_but_the_hash_follows_them():
    config = {"interviews": {"l": {"folder": "f", "names": ["赵德胜", "钱一"]}}}
    text = config_snapshot(config)
    assert "赵德胜" not in text and "钱一" not in text and "2 name(s) withheld" in text
    assert config["interviews"]["l"]["names"] == ["赵德胜", "钱一"]  # the config itself untouched
    renamed = {"interviews": {"l": {"folder": "f", "names": ["赵德胜", "孙二"]}}}
    assert study_record(renamed, {})["config_sha256"] != study_record(config, {})["config_sha256"]


def test_a_job_records_what_it_imported_and_the_report_gathers_the_records(tmp_path):
    import numpy  # noqa: F401  the job "imported" numpy

    log = tmp_path / "results" / "s" / "logs" / "sem.log"
    log.parent.mkdir(parents=True)
    path = record_job_versions(SimpleNamespace(rule="sem", log=[str(log)]))
    record = json.loads(path.read_text())
    assert path.name == "sem.versions.json" and record["rule"] == "sem"
    assert record["packages"]["numpy"] == numpy.__version__
    older = dict(record, packages={**record["packages"], "numpy": "1.0.0"})
    (log.parent / "old.versions.json").write_text(json.dumps(older))
    gathered = gathered_versions(tmp_path / "results")
    assert gathered["numpy"] == " / ".join(sorted({"1.0.0", numpy.__version__}))
    assert gathered["govsurvey"].startswith(record["govsurvey"]) and " / " not in gathered["govsurvey"]  # once, not again as a package
    assert record_job_versions(SimpleNamespace(rule="all", log=[])) is None  # no log, no record
