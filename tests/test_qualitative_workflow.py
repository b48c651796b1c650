"""End to end: the interviews and cases jobs of the workflow, on the shipped L Street interviews
(with a phone number, an address and a third person's name planted into a copied transcript)
and the shipped case files, beside a small synthetic L Street survey whose construct means rank
what the street lacks (no comparison runs here, so the cases job takes the means)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, copy_run, run_workflow, workflow_config
from govsurvey.paths import case_files, figure_files, stage_files
from govsurvey.report.interviews import nested_quotes
from govsurvey.study.instrument import load_instrument
from govsurvey.synthetic.streets import write_synthetic_export
from test_workflow import _faults, html_text, planned_jobs

pytestmark = pytest.mark.slow

INSTRUMENT = ROOT / "data" / "instruments" / "party_building_governance.yaml"
SHIPPED = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
UNTIL = ("--until", "interviews", "cases")
# Planted into A3's transcript and coded by both coders, so it reaches segments.csv as a quote.
PLANTED_SENTENCE = "我的手机号是13905431234，住在幸福路18号3栋2单元401室，老同事赵德胜也常来"
PLANTED = ["13905431234", "幸福路18号", "3栋2单元401室", "赵德胜"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("qualitative_run")
    street = SHIPPED["streets"]["l_street"]
    export = write_synthetic_export(load_instrument(INSTRUMENT), work / "data" / "raw" / "l_street", 200, seed=5)
    folder = work / "data" / "interviews" / "l_street"
    shutil.copytree(ROOT / "data" / "interviews" / "l_street", folder)
    transcript = folder / "transcripts" / "A3.txt"
    lines = transcript.read_text(encoding="utf-8").split("\n")
    lines.insert(4, f"答：{PLANTED_SENTENCE}。")
    transcript.write_text("\n".join(lines), encoding="utf-8")
    for coder in ("coder_a", "coder_b"):
        with open(folder / "coding" / f"{coder}.csv", "a", encoding="utf-8") as table:
            table.write(f"A3,,,{PLANTED_SENTENCE},PM_contact,{coder}\n")
    config = workflow_config(work, "l_street", street, export, languages=["zh", "en"])
    config["interviews"] = {"l_street": {**SHIPPED["interviews"]["l_street"], "names": ["赵德胜"]}}
    config["cases"] = {**SHIPPED["cases"], "dimensions": str(ROOT / SHIPPED["cases"]["dimensions"]),
                       "files": [str(ROOT / f) for f in SHIPPED["cases"]["files"]],
                       "bibliography": [str(ROOT / f) for f in SHIPPED["cases"]["bibliography"]]}  # fmt: skip
    config["synthesis"] = {**SHIPPED["synthesis"], "recommendations": str(ROOT / SHIPPED["synthesis"]["recommendations"])}
    command = run_workflow(work, config, *UNTIL)
    return work, command


def test_every_output_exists(run):
    work, _ = run
    files = [*stage_files("interviews", "l_street").values(), *case_files().values()]
    files += [p for lang in ("zh", "en") for p in figure_files("saturation", "l_street", lang).values()]
    assert [f for f in files if not (work / f).is_file()] == []
    assert (work / "results/l_street/logs/interviews.log").read_text().count("saturation figure drawn") == 2
    assert not (work / "results/l_street/sem").exists()  # --until stopped before the survey's later stages


def test_no_name_or_planted_value_is_written_anywhere(run):
    work, _ = run
    register = pd.read_csv(ROOT / "data/interviews/l_street/register.csv", dtype=str)
    values = PLANTED + register["name"].tolist()
    places = [p for root in ("results", ".snakemake/log") for p in (work / root).rglob("*") if p.is_file()]
    leaks = [(str(p.relative_to(work)), v) for p in places for v in values if v.encode("utf-8") in p.read_bytes()]
    assert leaks == []
    # masked, not dropped: the planted passage is quoted with its tokens
    segments = pd.read_csv(work / stage_files("interviews", "l_street")["segments"])
    planted = segments[segments["quote"].str.startswith("我的手机号是", na=False)]
    assert len(planted) == 2 and {"[电话]", "[地址]", "[姓名]"} <= set(planted["quote"].str.findall(r"\[.+?\]").sum())
    assert "name" not in pd.read_csv(work / stage_files("interviews", "l_street")["interviewees"]).columns


def test_agreement_and_lacks_come_from_the_stages(run):
    work, _ = run
    files = stage_files("interviews", "l_street")
    agreement = pd.read_csv(work / files["agreement"]).set_index("code")
    summary = yaml.safe_load((work / files["agreement_summary"]).read_text(encoding="utf-8"))
    assert summary["kappa"] == pytest.approx(agreement.at["(all)", "kappa"]) and summary["kappa_band"]
    # the standing is the focal street's construct means on 0-100 (no comparison in this config)
    means = pd.read_csv(work / stage_files("measure", "l_street")["midpoint"])
    means = means[means["group"] == "all"].set_index("construct")["mean"]
    lacks = pd.read_csv(work / case_files()["lacks"])
    ranked = lacks.dropna(subset=["rank"])
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1)) and len(ranked) == 4
    for row in ranked.itertuples():
        assert row.performance == pytest.approx(100 * (means[row.construct] - 1) / 4)
    assert not lacks.set_index("dimension").at["technology", "measured"]  # no construct: listed, unranked
    assert "[@" in pd.read_csv(work / case_files()["matrix_en"]).to_string()  # cited practices keep their keys


def _edited(run, tmp_path, edit):
    work, command = run
    config = yaml.safe_load((work / "config.yaml").read_text(encoding="utf-8"))
    edit(config)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return [str(tmp_path / "config.yaml") if part == str(work / "config.yaml") else part for part in command]


@pytest.mark.parametrize("edit, expected", [
    (lambda c: None, set()),
    (lambda c: c["interviews"]["l_street"]["names"].append("钱多多"), {"interviews"}),
    (lambda c: c["interviews"]["l_street"].update(quotes_per_code=2), {"interviews"}),
    (lambda c: c["streets"]["l_street"]["fieldwork"].update(end="2026-10-31"), set()),  # only the chapter shows it
    (lambda c: c["cases"].update(files=list(reversed(c["cases"]["files"]))), {"cases"}),
])  # fmt: skip
def test_a_config_edit_reruns_exactly_the_jobs_that_use_it(run, tmp_path, edit, expected):
    assert set(planned_jobs(_edited(run, tmp_path, edit), *UNTIL)) == expected


def test_a_missing_interview_folder_is_named_before_anything_runs(run, tmp_path):
    command = _edited(run, tmp_path, lambda c: c["interviews"]["l_street"].update(folder="data/interviews/nowhere"))
    result = subprocess.run([*command, "--dry-run"], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "interviews.l_street.folder: the folder data/interviews/nowhere does not exist" in result.stdout + result.stderr


def test_with_the_comparison_the_cases_job_waits_for_the_ipma(tmp_path):
    """The shipped config compares L Street: what it lacks is ranked by the IPMA, so asking for
    lacks.csv plans the comparison (a job that did not wait would read a stale or missing map)."""
    (tmp_path / "data").symlink_to(ROOT / "data")
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(SHIPPED, allow_unicode=True), encoding="utf-8")
    command = [str(Path(sys.executable).parent / "snakemake"), "--snakefile", str(ROOT / "Snakefile"),
               "--directory", str(tmp_path), "--configfile", str(tmp_path / "config.yaml"), "--cores", "1"]
    planned = planned_jobs([*command, case_files()["lacks"]])
    assert {"compare", "cases"} <= set(planned) and "interviews" not in planned, planned
    # Without the comparison, the focal street's construct means (measure) rank it instead.
    config = {k: v for k, v in SHIPPED.items() if k != "comparison"}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    planned = planned_jobs([*command, case_files()["lacks"]])
    assert {"measure", "cases"} <= set(planned) and "compare" not in planned and "sem" not in planned, planned


# ---------------------------------------------------------------- on to the chapter
@pytest.fixture(scope="module")
def chapter(run, tmp_path_factory):
    """The same study run on to the chapter in both languages (HTML and PDF): the interview, case
    and joint-display sections, and the optimisation path built from the joint display."""
    work, command = run
    copy = tmp_path_factory.mktemp("qualitative_chapter") / "work"
    command = copy_run(work, command, copy)
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    logs = "\n".join(p.read_text() for p in sorted(copy.glob("results/**/*.log")))
    assert result.returncode == 0, result.stderr[-4000:] + logs[-4000:]
    return copy


SECTIONS = {"zh": ["访谈资料分析", "问题与成因的访谈证据", "典型案例比较", "定量与定性证据的整合"],
            "en": ["Interviews", "Interview evidence on the problems and causes", "Case analysis",
                   "Joint display of the evidence"]}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_chapter_has_the_interview_case_and_joint_display_sections(chapter, language):
    text = html_text(chapter / f"results/report/chapter.{language}.html")
    for heading in SECTIONS[language]:
        assert heading in text, heading
    words = yaml.safe_load((ROOT / f"src/govsurvey/prose/{language}.yaml").read_text(encoding="utf-8"))
    joint = pd.read_csv(chapter / stage_files("synthesis", "l_street")["joint"])
    assert len(joint) == 7 and set(joint["verdict"]) <= {"converges", "complements", "diverges"}
    # every row's verdict and quotation are in the table as the chapter prints it
    cells = words["synthesis"]["verdict_cells"]
    for row in joint.itertuples():
        assert nested_quotes(row.quote) in text, row.construct  # quoted in the cell: inner quotes single
    assert text.count(cells["converges"]) >= (joint["verdict"] == "converges").sum()
    # the path's recommendations appear in the order of optimisation.csv, under their own titles
    path = pd.read_csv(chapter / stage_files("synthesis", "l_street")["optimisation"])
    titles = list(path.loc[path["recommended"]].sort_values("rank")[f"title_{language}"])
    plain = text.replace("’", "'")  # pandoc sets apostrophes curly
    positions = [plain.find(t) for t in titles]
    assert titles and -1 not in positions and positions == sorted(positions), titles
    assert words["synthesis"]["caption"].split("{")[0] in text
    assert words["interviews"]["synthetic"].split("**")[1] in text  # the shipped interviews are marked synthetic


def test_the_verdicts_follow_from_the_evidence_and_the_survey_files(chapter):
    """Recomputed from evidence.csv and midpoint.csv by the rule the chapter states (no comparison
    runs here, so the survey reads the midpoint tests alone): interviewees counted once per stance."""
    evidence = pd.read_csv(chapter / stage_files("interviews", "l_street")["evidence"], keep_default_na=False)
    midpoint = pd.read_csv(chapter / stage_files("measure", "l_street")["midpoint"]).set_index("construct")
    joint = pd.read_csv(chapter / stage_files("synthesis", "l_street")["joint"]).set_index("construct")
    for construct, row in joint.iterrows():
        people = {s: set() for s in ("weakness", "strength")}
        for e in evidence[evidence["construct"] == construct].itertuples():
            if e.stance in people:
                people[e.stance] |= {p.strip() for p in e.interviewee_codes.split(",") if p.strip()}
        interviews = ("weak" if len(people["weakness"]) >= 3 else "strong" if len(people["strength"]) >= 3 else "none")
        m = midpoint.loc[construct]
        significant = m["p_holm"] < 0.05
        survey = "weak" if significant and m["mean"] < 3 else "strong" if significant and m["mean"] > 3 else "none"
        expected = ("converges" if survey == interviews else "complements" if "none" in (survey, interviews)
                    else "diverges")
        assert (row["survey_reading"], row["interview_reading"], row["verdict"]) == (survey, interviews, expected), construct


def test_nothing_personal_reaches_the_chapter(chapter):
    register = pd.read_csv(ROOT / "data/interviews/l_street/register.csv", dtype=str)
    values = PLANTED + register["name"].tolist()
    places = [p for p in (chapter / "results").rglob("*") if p.is_file()]
    assert any(p.name == "chapter.zh.html" for p in places)
    leaks = [(str(p.relative_to(chapter)), v) for p in places for v in values if v.encode("utf-8") in p.read_bytes()]
    assert leaks == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_chapter_with_interviews_and_cases_passes_the_proofreading_rules(chapter, language):
    faults = _faults(chapter, language, INSTRUMENT)
    assert not faults, "\n".join(map(str, faults))
