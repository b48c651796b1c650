import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from govsurvey.study.instrument import load_instrument

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference"
INSTRUMENT_PATH = ROOT / "data" / "instruments" / "party_building_governance.yaml"


@pytest.fixture(scope="session")
def instrument():
    return load_instrument(INSTRUMENT_PATH)


def keyed(frame):
    """A parameter table indexed by (lhs, op, rhs); a covariance by its two sides in order, since
    lavaan and we may write it either way round."""
    rhs = frame["rhs"].fillna("")
    keys = [(op, *sorted((lhs, r))) if op == "~~" else (lhs, op, r) for lhs, op, r in zip(frame["lhs"], frame["op"], rhs)]
    return frame.set_axis(keys)


def assert_parameters_agree(ours, ref, tol):
    """Our parameter table against lavaan's parameterEstimates (+ std.all): the same rows and
    labels; estimates, SEs, CIs, std.all and its SE within `tol`; z and p where lavaan has an SE."""
    import numpy as np

    ours, ref = keyed(ours), keyed(ref)
    assert sorted(ours.index) == sorted(ref.index)
    ref = ref.loc[ours.index]
    assert (ours["label"] == ref["label"]).all()
    for col, rcol in [("est", "est"), ("se", "se"), ("ci_lower", "ci.lower"), ("ci_upper", "ci.upper"),
                      ("std_all", "std.all"), ("std_all_se", "std.all.se")]:
        np.testing.assert_allclose(ours[col], ref[rcol], atol=tol, rtol=0, err_msg=col)
    free = ref["se"] > 0
    np.testing.assert_allclose(ours.loc[free, "z"], ref.loc[free, "z"], atol=tol)
    np.testing.assert_allclose(ours.loc[free, "pvalue"], ref.loc[free, "pvalue"], atol=tol)
    assert ours.loc[~free, "z"].isna().all()


def quiet(*_):
    """A log that says nothing (the ingest tests read errors, not progress)."""


@pytest.fixture(scope="module")
def simulated(instrument):
    """Twelve clean simulated respondents of the default street: the ingest tests' raw material."""
    from govsurvey.synthetic.population import DEFAULT_STREET, simulate_responses

    return simulate_responses(instrument, 12, seed=2, street=DEFAULT_STREET, defect_rates={})


def workflow_config(work, street_id, street, raw_export, **report):
    """The shipped config, pointed at one street's export in `work` (a small bootstrap)."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["study"]["instrument"] = str(INSTRUMENT_PATH)
    config["study"]["model"] = str(ROOT / "data" / "models" / "governance.lavaan")
    config["study"]["theory"] = str(ROOT / "data" / "theory" / "party_building_governance.yaml")
    config["streets"] = {street_id: {**street, "raw_export": str(Path(raw_export).relative_to(work))}}
    config.pop("comparison")  # one street: nothing to compare with
    config.pop("interviews")  # nor the shipped interviews and cases (tests/test_qualitative_workflow.py)
    config.pop("cases")
    config.pop("synthesis")  # its texts are the default study's
    config["report"] = {"street": street_id, "languages": ["en"], "formats": ["html", "pdf"], "engine": "fallback", **report}
    config["ingest"] = {"salt_file": str(work / "secret" / "salt")}
    config["analysis"]["bootstrap"] = {"draws": 200, "shards": 2, "level": 0.95}  # the real B is for the thesis
    config["power"] = {**config["power"], "replications": 40, "shards": 2}  # a small power study, for the chapter's paragraph
    return config


WORKFLOW_SOURCE = ("Snakefile", "workflow", "scripts", "report", "src", "envs")


def copy_workflow(dest):
    """A copy of the workflow's code (Snakefile, rules, scripts, report, library) in `dest`: run
    from there, its jobs run its own library (common.smk), which a test may then edit."""
    for name in WORKFLOW_SOURCE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def run_workflow(work, config, *extra, source=None):
    """Write config.yaml into `work` and run the whole workflow there; returns the command.
    `source`: a copy of the workflow (copy_workflow) to run instead of the repository's."""
    (work / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    command = [
        str(Path(sys.executable).parent / "snakemake"),
        "--snakefile", str((source or ROOT) / "Snakefile"),
        "--directory", str(work),
        "--configfile", str(work / "config.yaml"),
        "--cores", "2",
    ]  # fmt: skip
    result = subprocess.run([*command, *extra], capture_output=True, text=True, timeout=900)
    logs = "\n".join(p.read_text() for p in sorted(work.glob("results/**/*.log")))
    assert result.returncode == 0, result.stderr[-4000:] + logs[-4000:]
    return command


def copy_run(work, command, copy):
    """Copy a finished run (results and .snakemake metadata) from `work` to `copy`; returns the
    run's command pointed at the copy (its folder, config and, when the run had one, its copy of
    the workflow: the library's inputs are relative paths, which a copy keeps only beside its own
    workflow), so a test may plant or edit there and rerun."""
    shutil.copytree(work, copy, symlinks=True)
    inside = str(work) + "/"
    return [str(copy) if part == str(work) else str(copy) + "/" + part[len(inside):]
            if part.startswith(inside) else part for part in command]


def shipped_study(dest, salt, draws=200):
    """A clean copy of the workflow with the shipped config and data in `dest`: the bootstrap
    cut to `draws` draws in two shards (the thesis's 5,000 change nothing here but the time),
    `salt` as the ingest salt (a study's secret, kept from run to run). Returns `dest`."""
    copy_workflow(dest)
    shutil.copytree(ROOT / "data", dest / "data")
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["analysis"]["bootstrap"] = {"draws": draws, "shards": 2, "level": 0.95}
    (dest / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    (dest / ".secrets").mkdir()
    (dest / ".secrets" / "ingest_salt").write_text(salt, encoding="utf-8")
    return dest


def run_shipped_study(dest, *extra, env=None):
    """Run the copy in `dest` (shipped_study) to the end: every results file, both chapters."""
    command = [str(Path(sys.executable).parent / "snakemake"), "--cores", "2", "-q",
               "--workflow-profile", "none", *extra]
    result = subprocess.run(command, cwd=dest, capture_output=True, text=True, timeout=1800,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "1764547200", **(env or {})})
    logs = "\n".join(p.read_text() for p in sorted(dest.glob("results/**/*.log")))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-4000:] + logs[-4000:]
    return dest


def result_files(dest):
    """{path under dest: bytes} of every result file but the timings (logs, benchmark files)."""
    return {p.relative_to(dest).as_posix(): p.read_bytes() for p in sorted((dest / "results").rglob("*"))
            if p.is_file() and not p.name.endswith((".log", ".benchmark.tsv"))}


@pytest.fixture(scope="session")
def shipped_run(tmp_path_factory):
    """The shipped study run once from clean (shared by the rerun and the Slurm tests)."""
    return run_shipped_study(shipped_study(tmp_path_factory.mktemp("shipped") / "study", SALT))


# One salt for every copy of the shipped study, so that their hashes agree.
SALT = "5f0c9a4e1b7d2c3a8e6f4b1d0a9c7e2f"
