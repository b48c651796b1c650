"""The qualitative stages' entry points and their DAG-time checks (the workflow runs them in
tests/test_qualitative_workflow.py; here the branches that run needs no survey for)."""

import shutil

import pandas as pd
import pytest
import yaml

from conftest import ROOT
from govsurvey.cases.settings import check_settings as check_cases
from govsurvey.cases.stage import case_results
from govsurvey.errors import InputError
from govsurvey.interviews.settings import check_settings as check_interviews
from govsurvey.interviews.settings import input_files

SHIPPED = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
CASES = {**SHIPPED["cases"], "dimensions": str(ROOT / SHIPPED["cases"]["dimensions"]),
         "files": [str(ROOT / f) for f in SHIPPED["cases"]["files"]],
         "bibliography": [str(ROOT / f) for f in SHIPPED["cases"]["bibliography"]]}  # fmt: skip
STREETS = {s: {"raw_export": str(ROOT / v["raw_export"])} for s, v in SHIPPED["streets"].items()}


def _cases(instrument, **standing):
    return case_results(CASES["files"], CASES["dimensions"], CASES["bibliography"], instrument, STREETS,
                        "l_street", log=lambda *_: None, **standing)  # fmt: skip


def test_lacks_from_the_ipma_rank_by_the_weakest_construct_and_carry_its_importance(instrument):
    # OB weakest (leadership), then PM (service), MS (linkage, mechanisms tie: MS 40 < IN 55)
    own = {"OB": (20, 0.30), "IN": (55, 0.20), "PM": (35, 0.25), "MS": (40, 0.10)}
    rows = [{"construct": c, "street": "l_street", "focal": True, "importance": i, "performance": p, "gap": 0.0,
             "comparison": "streets"} for c, (p, i) in own.items()]
    rows += [{"construct": c, "street": "wuhu_road", "focal": False, "importance": 0.2, "performance": p + 10,
              "gap": 10.0, "comparison": "streets"} for c, (p, _) in own.items()]  # fmt: skip
    lacks = _cases(instrument, ipma=pd.DataFrame(rows))["lacks"]
    ranked = lacks.dropna(subset=["rank"])
    assert list(ranked["dimension"])[:2] == ["leadership", "service"]
    assert ranked.iloc[0]["construct"] == "OB" and ranked.iloc[0]["importance"] == 0.30
    assert set(ranked.iloc[2:]["dimension"]) == {"linkage", "mechanisms"}
    assert (ranked["benchmark_gap"] == 10.0).all()


def test_without_a_survey_standing_every_dimension_is_listed_unranked(instrument):
    results = _cases(instrument)
    assert results["lacks"]["rank"].isna().all() and len(results["lacks"]) == 5
    assert list(results["matrix_zh"].columns[:2]) == ["dimension", "L街道"]  # the focal case first
    assert set(results["practices"]["case"]) == {"l_street", "wuhu_road", "wangma"}


def test_the_dag_time_checks_name_the_key_and_the_fix(tmp_path):
    folder = tmp_path / "iv"
    shutil.copytree(ROOT / "data/interviews/l_street", folder)
    good = {"folder": str(folder), "coding": ["coding/coder_a.csv", "coding/coder_b.csv"]}
    check_interviews({"l_street": good}, STREETS)
    assert {"register.csv", "codebook.yaml", "A1.txt", "coder_b.csv"} <= {p.split("/")[-1] for p in input_files(good)}
    with pytest.raises(InputError, match=r"interviews.x_street: 'x_street' is not a street"):
        check_interviews({"x_street": good}, STREETS)
    with pytest.raises(InputError, match=r"interviews.l_street.coding: the coding file .*coder_c.csv does not exist"):
        check_interviews({"l_street": {**good, "coding": ["coding/coder_c.csv"]}}, STREETS)
    (folder / "register.csv").unlink()
    with pytest.raises(InputError, match=r"interviews.l_street.folder: .*register.csv does not exist. Fix: add the"):
        check_interviews({"l_street": good}, STREETS)
    assert check_cases(CASES) == "l_street"  # the focal case's survey street
    with pytest.raises(InputError, match=r"cases.focal: 'nowhere' is not the id of a case file"):
        check_cases({**CASES, "focal": "nowhere"})
    with pytest.raises(InputError, match=r"cases.files: the file .*missing.yaml does not exist"):
        check_cases({**CASES, "files": [*CASES["files"], str(tmp_path / "missing.yaml")]})
