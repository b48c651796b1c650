"""The study's two definition files and their agreement: the model is parsed by one parser,
and the workflow refuses, when it builds the DAG, a model whose =~ lines disagree with the
instrument's constructs."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import INSTRUMENT_PATH, ROOT
from govsurvey.errors import InputError
from govsurvey.study import load_instrument, parse_model
from govsurvey.study.model import check_against_instrument

GOVERNANCE = (ROOT / "data" / "models" / "governance.lavaan").read_text()


def test_the_default_model_measures_each_construct_by_its_items(instrument):
    check_against_instrument(parse_model(GOVERNANCE, "governance.lavaan"), instrument)


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("IN =~ IN1 + IN2 + IN3 + IN4", "IN =~ IN1 + IN2 + IN3"),
     r"construct IN is measured by IN1 \+ IN2 \+ IN3 in the model but by IN1 \+ IN2 \+ IN3 \+ IN4 in the "
     r"instrument \(only in the instrument: IN4\)"),
    (lambda t: t.replace("OB =~ OB1 + OB2 + OB3 + OB4", "OB =~ OB1 + OB2 + OB3 + OB4 + PM1"),
     r"only in the model: PM1"),
    (lambda t: t.replace("GS =~ GS1 + GS2 + GS3 + GS4\n", ""), r"construct GS has no `GS =~ …` line"),
    (lambda t: t + "\nXX =~ GS1 + GS2\n", r"the model measures XX, which the instrument does not define"),
])  # fmt: skip
def test_a_model_that_disagrees_with_the_instrument_is_refused(instrument, edit, message):
    with pytest.raises(InputError, match=message) as error:
        check_against_instrument(parse_model(edit(GOVERNANCE), "m.lavaan"), instrument)
    assert "m.lavaan" in str(error.value) and "party_building_governance.yaml" in str(error.value)


def test_the_workflow_refuses_the_disagreement_before_running_anything(tmp_path):
    (tmp_path / "m.lavaan").write_text(GOVERNANCE.replace(" + IN4\n", "\n"))
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["study"] = {"instrument": str(INSTRUMENT_PATH), "model": str(tmp_path / "m.lavaan")}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    command = [str(Path(sys.executable).parent / "snakemake"), "--snakefile", str(ROOT / "Snakefile"),
               "--directory", str(tmp_path), "--configfile", str(tmp_path / "config.yaml"), "-n"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "construct IN is measured by IN1 + IN2 + IN3 in the model" in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_roles_must_be_declared_ones(tmp_path):
    data = yaml.safe_load(INSTRUMENT_PATH.read_text(encoding="utf-8"))
    data["constructs"]["IN"]["role"] = "driver"
    (tmp_path / "i.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="construct IN has role 'driver', which is not one of the declared roles"):
        load_instrument(tmp_path / "i.yaml")
    del data["roles"]
    for construct in data["constructs"].values():
        construct.pop("role")
    (tmp_path / "i.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    plain = load_instrument(tmp_path / "i.yaml")
    assert plain.roles == {} and [r for r, _ in plain.constructs_by_role()] == [None]


def test_a_street_without_an_item_the_model_uses_is_refused():
    from govsurvey.study.model import check_streets_carry_the_model

    model = parse_model(GOVERNANCE, "governance.lavaan")
    check_streets_carry_the_model({"a": {"items_absent": ["AC1"]}}, model)  # a check: fine
    with pytest.raises(InputError, match=r"streets.b.items_absent: the street's export lacks IN4, which the model"):
        check_streets_carry_the_model({"a": {}, "b": {"items_absent": ["IN4", "AC1"]}}, model)


def test_the_focal_chapter_waits_for_the_comparison(tmp_path):
    """The chapter of the focal street shows the comparison, so asking for the chapter alone must
    plan the comparison and its figures (a report that does not wait races them)."""
    (tmp_path / "data").symlink_to(ROOT / "data")
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    assert config["report"]["street"] == config["comparison"]["focal"]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    command = [str(Path(sys.executable).parent / "snakemake"), "results/report/chapter.en.html", "--snakefile",
               str(ROOT / "Snakefile"), "--directory", str(tmp_path), "--configfile", str(tmp_path / "config.yaml"),
               "-n", "--quiet", "rules"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout + result.stderr, flags=re.M))
    assert {"compare", "comparison_figures", "report"} <= set(planned), planned
    # A chapter of a street outside the comparison does not wait for it.
    config["report"]["street"] = "wuhu_road"
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout + result.stderr, flags=re.M))
    assert result.returncode == 0 and "report" in planned and "compare" not in planned, planned
