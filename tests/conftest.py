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


def run_workflow(work, config, *extra, library=None):
    """Write config.yaml into `work` and run the whole workflow there; returns the command.
    `library`: a folder holding a copy of the govsurvey package for the workflow to use instead
    of the installed one (so that a test may edit it)."""
    (work / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    command = ["env", f"PYTHONPATH={library}"] if library else []
    command += [
        str(Path(sys.executable).parent / "snakemake"),
        "--snakefile", str(ROOT / "Snakefile"),
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
    run's command pointed at the copy, so a test may plant or edit there and rerun."""
    shutil.copytree(work, copy)
    command = [str(copy) if part == str(work) else part for part in command]
    return [str(copy / "config.yaml") if part == str(work / "config.yaml") else part for part in command]
