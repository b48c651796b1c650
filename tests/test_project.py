"""The project's own consistency: pinned environments agree, the workflow lints clean."""

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from govsurvey.paths import library_files

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


def _imported_distributions(files):
    """Distributions (normalized names) of the third-party modules these files import,
    anywhere in them (function-level imports too); parquet I/O also needs pyarrow, which
    pandas imports for it."""
    modules, parquet = set(), False
    for path in files:
        text = Path(path).read_text(encoding="utf-8")
        parquet = parquet or "parquet" in text
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                modules |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    modules -= set(sys.stdlib_module_names) | {"govsurvey", "snakemake", "__future__"}
    by_module = packages_distributions()
    names = {_normal(dist) for m in modules for dist in by_module.get(m, [m])}
    return names | ({"pyarrow"} if parquet else set())


def _normal(name):
    return name.lower().replace("_", "-")


def _rule_families():
    """{env file: [script paths]} from the rule files' conda: and script: entries."""
    families = {}
    for rule_file in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        for env, script in re.findall(r'conda:\s*"([^"]+)".*?script:\s*"([^"]+)"', rule_file.read_text(), re.S):
            families.setdefault((rule_file.parent / env).resolve(), []).append((rule_file.parent / script).resolve())
    return families


def test_each_conda_env_holds_exactly_what_its_rules_import():
    """Each env lists every package its rules' scripts import, through the library too, and
    nothing they do not (its pins are checked against requirements.txt above)."""
    families = _rule_families()
    assert {p.name for p in families} == {"analysis.yaml", "figures.yaml", "report.yaml"}
    for env_file, scripts in families.items():
        files = set(scripts)
        for script in scripts:
            files |= {f for f in library_files(script, ROOT / "src" / "govsurvey") if f.endswith(".py")}
        env = yaml.safe_load(env_file.read_text())
        pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
        listed = {_normal(name) for name in _pins(pip)}
        assert listed == _imported_distributions(files), env_file.name


def test_pyproject_declares_what_the_library_imports():
    declared = {_normal(d) for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    assert declared == _imported_distributions((ROOT / "src" / "govsurvey").rglob("*.py"))


def test_a_job_that_uses_the_words_depends_on_the_prose_files():
    """Rewording a template in src/govsurvey/prose/ must rerun the jobs that print it."""
    files = library_files(ROOT / "scripts" / "screening_flow.py", ROOT / "src" / "govsurvey")
    assert {Path(f).name for f in files} >= {"words.py", "en.yaml", "zh.yaml"}
    ingest = library_files(ROOT / "scripts" / "ingest.py", ROOT / "src" / "govsurvey")
    assert not any(f.endswith(".yaml") for f in ingest)


def test_the_licence_and_citation_agree_with_pyproject():
    """pyproject declares MIT: the LICENSE file is that licence, and CITATION.cff (Citation File
    Format 1.2.0) names the same licence and the package's version."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in licence
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and {"message", "title", "authors"} <= set(citation)
    assert citation["license"] == project["license"] and str(citation["version"]) == project["version"]
