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
    config["report"] = {"street": street_id, "languages": ["en"], "formats": ["html", "pdf"], "engine": "fallback", **report}
    config["ingest"] = {"salt_file": str(work / "secret" / "salt")}
    config["analysis"]["bootstrap"] = {"draws": 200, "shards": 2, "level": 0.95}  # the real B is for the thesis
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
