"""The project's own consistency: pinned environments agree, the workflow lints clean."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

BIN = Path(sys.executable).parent


def _pins(lines):
    pins = {}
    for line in lines:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)==([^\s#]+)\s*", line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_conda_envs_pin_what_requirements_pins():
    required = _pins((ROOT / "requirements.txt").read_text().splitlines())
    for env_file in sorted((ROOT / "envs").glob("*.yaml")):
        env = yaml.safe_load(env_file.read_text())
        pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
        pins = _pins(pip)
        assert pins, env_file
        for name, version in pins.items():
            assert required.get(name) == version, f"{env_file.name}: {name}=={version} vs requirements.txt"


def test_every_rule_names_a_conda_env_that_exists():
    for rule_file in (ROOT / "workflow" / "rules").glob("*.smk"):
        for env in re.findall(r'conda:\s*"([^"]+)"', rule_file.read_text()):
            assert (rule_file.parent / env).resolve().exists(), f"{rule_file.name}: {env}"


def _run(*args):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_snakemake_lint_is_clean():
    result = _run(str(BIN / "snakemake"), "--lint")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(not (BIN / "snakefmt").exists(), reason="snakefmt not installed")
def test_snakefmt_is_clean():
    result = _run(str(BIN / "snakefmt"), "--check", "Snakefile", "workflow/rules")
    assert result.returncode == 0, result.stdout + result.stderr


def test_scripts_stay_thin():
    for script in (ROOT / "scripts").glob("*.py"):
        text = script.read_text()
        assert len(text) < 1600, f"{script.name} holds logic: move it into src/govsurvey"
        assert "snakemake.log[0]" in text, f"{script.name} does not log to the rule's log"
