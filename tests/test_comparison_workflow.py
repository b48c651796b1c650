"""End to end: the comparative study on three small synthetic streets (a focal street and two
benchmark streets with higher means on the causes, in other export formats), by config alone."""

import json
import subprocess

import pandas as pd
import pytest
import yaml

from conftest import INSTRUMENT_PATH, ROOT, copy_run, run_workflow
from govsurvey.formatting import apa_number
from govsurvey.study import load_instrument
from govsurvey.synthetic.streets import BENCHMARK_STREETS, write_synthetic_export
from test_workflow import html_text

pytestmark = pytest.mark.slow
FOCAL = {"name": {"zh": "M街道", "en": "M Street"}, "synthetic": True,
         "communities": [{"zh": "东风社区", "en": "Dongfeng Community"}, {"zh": "向阳社区", "en": "Xiangyang Community"}]}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("comparison_run")
    instrument = load_instrument(INSTRUMENT_PATH)
    streets = {"m_street": {**FOCAL, "raw_export": write_synthetic_export(
        instrument, work / "data/raw/m_street", 330, 21, {**FOCAL, "id": "m_street"})}}
    for sid, seed in (("wuhu_road", 22), ("wangma", 23)):
        spec = BENCHMARK_STREETS[sid]
        entry = {"name": spec["name"], "communities": spec["communities"], "synthetic": True}
        streets[sid] = {**entry, "raw_export": write_synthetic_export(
            instrument, work / "data/raw" / sid, 300, seed, {**entry, "id": sid}, export=spec["export"],
            cause_means=spec["cause_means"])}  # fmt: skip
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["study"]["instrument"] = str(INSTRUMENT_PATH)
    config["study"]["model"] = str(ROOT / "data/models/governance.lavaan")
    config["study"]["theory"] = str(ROOT / "data" / "theory" / "party_building_governance.yaml")
    config["streets"] = {s: {**e, "raw_export": str(e["raw_export"].relative_to(work))} for s, e in streets.items()}
    config.pop("interviews")  # l_street is not among these streets
    config.pop("cases")
    config.pop("synthesis")  # its texts are the default study's
    config["comparison"] = {
        "focal": "m_street", "streets": ["wuhu_road", "wangma"], "min_group_size": 40,
        "groups": {"community": {"variable": "community", "name": {"zh": "社区", "en": "communities"}}},
        "invariance": {"steps": ["metric", "scalar"]},
    }  # fmt: skip
    config["report"] = {"street": "m_street", "languages": ["en"], "formats": ["html", "pdf"], "engine": "fallback"}
    config["ingest"] = {"salt_file": str(work / "secret" / "salt")}
    config["analysis"]["bootstrap"] = {"draws": 100, "shards": 2, "level": 0.95}
    command = run_workflow(work, config)
    return work, command


def test_the_comparison_ran_for_streets_and_groups(run):
    work, _ = run
    summary = json.loads((work / "results/comparison/summary.json").read_text())
    assert summary["focal"] == "m_street" and summary["comparisons"]["streets"]["ran"]
    assert summary["comparisons"]["streets"]["groups"] == ["m_street", "wuhu_road", "wangma"]
    assert summary["comparisons"]["community"]["ran"]
    steps = pd.read_csv(work / "results/comparison/invariance.csv")
    assert set(steps["comparison"]) == {"streets", "community"}
    assert list(steps.loc[steps["comparison"] == "streets", "step"]) == ["configural", "metric", "scalar"]
    means = pd.read_csv(work / "results/comparison/latent_means.csv")
    causes = means[(means["comparison"] == "streets") & means["factor"].isin(["IN", "OB", "MS", "PM"])]
    assert len(causes) == 8 and (causes["est"] > 0).mean() >= 0.75  # the benchmarks were drawn higher
    assert (work / "results/comparison/figures/en/ipma.png").exists()


def test_the_chapter_shows_the_comparison_with_the_numbers_of_the_results(run):
    work, _ = run
    text = html_text(work / "results/report/chapter.en.html")
    assert "Comparison with the benchmark streets" in text and "Importance–performance map" in text
    steps = pd.read_csv(work / "results/comparison/invariance.csv")
    metric = steps[(steps["comparison"] == "streets") & (steps["step"] == "metric")].iloc[0]
    assert f"{metric['d_chisq']:.2f}" in text and apa_number(metric["d_cfi"], 3) in text
    ipma = pd.read_csv(work / "results/comparison/ipma.csv")
    focal = ipma[ipma["focal"]].iloc[0]
    assert f"{focal['performance']:.1f}" in text
    for bad in ["{{<", "?var", "@tbl-", "@fig-", "@sec-", "NaN", "None"]:
        assert bad not in text, bad


def test_the_comparison_renders_in_chinese(run, tmp_path):
    work, command = run
    copy = tmp_path / "work"
    command = copy_run(work, command, copy)
    config = yaml.safe_load((copy / "config.yaml").read_text(encoding="utf-8"))
    config["report"]["languages"] = ["zh"]
    (copy / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    text = html_text(copy / "results/report/chapter.zh.html")
    assert "与对标街道的比较" in text and "测量等值性" in text and "重要性—绩效分析" in text
    assert "Comparison with" not in text


def test_a_failed_or_partial_ladder_is_said_so_in_the_chapter(run, tmp_path):
    """Planted into a copy of the results: across the streets scalar invariance fails (no
    latent means to compare); across communities it holds once one intercept is freed."""
    work, command = run
    copy = tmp_path / "work"
    command = copy_run(work, command, copy)
    results = copy / "results/comparison"
    steps = pd.read_csv(results / "invariance.csv", keep_default_na=False, na_values=[""])
    steps.loc[(steps["comparison"] == "streets") & (steps["step"] == "scalar"), "holds"] = False
    # communities: configural and metric hold, so the partial scalar step is what the text reports
    steps.loc[(steps["comparison"] == "community") & steps["step"].isin(["configural", "metric"]), "holds"] = True
    partial = steps[(steps["comparison"] == "community") & (steps["step"] == "scalar")].assign(
        model="scalar_partial1", partial=True, freed="IN2 ~1")
    steps.loc[partial.index, "holds"] = False
    pd.concat([steps, partial]).to_csv(results / "invariance.csv", index=False)
    freed = pd.DataFrame([{"step": "scalar", "order": 1, "parameter": "IN2 ~1", "family": "intercepts",
                           "X2": 12.5, "score_pvalue": 0.0004, "group_a": 1, "group_b": 2,
                           "model": "scalar_partial1", "d_cfi": -0.004, "d_rmsea": 0.001, "holds": True,
                           "comparison": "community"}])  # fmt: skip
    freed.to_csv(results / "freed.csv", index=False)
    means = pd.read_csv(results / "latent_means.csv")
    means[means["comparison"] != "streets"].to_csv(results / "latent_means.csv", index=False)
    result = subprocess.run([*command, "--forcerun", "report"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    text = html_text(copy / "results/report/chapter.en.html")
    assert "Across the streets, metric invariance held, but scalar invariance did not (metric: ΔCFI =" in text
    assert "Scalar invariance did not hold, so latent means are not compared." in text
    assert "scalar (partially, with IN2 ~1 freed)" in text
    assert "Under scalar invariance" not in text and "partial scalar invariance" not in text
    assert "Latent mean differences from" not in text  # no table of what was not estimated
