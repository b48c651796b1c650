"""The survey simulator: known population, planted defects, Wenjuanxing-shaped export."""

import re
import shlex
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from govsurvey.synthetic import population as sim
from govsurvey.synthetic import streets
from govsurvey.study.instrument import load_instrument

ROOT = Path(__file__).resolve().parents[1]
INSTRUMENT = ROOT / "data/instruments/party_building_governance.yaml"
MODEL = ROOT / "data/models/governance.lavaan"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def survey(instrument):
    return sim.simulate_survey(instrument, 480, seed=20260903)


@pytest.fixture(scope="module")
def large(instrument):
    return sim.simulate_survey(instrument, 20000, seed=11, defect_rates={})


def matrix_codes(instrument):
    return [row for m in instrument.matrices for row in m["rows"]]


def test_same_seed_same_survey_other_seed_other_survey(instrument, survey):
    again = sim.simulate_survey(instrument, 480, seed=20260903)
    pd.testing.assert_frame_equal(survey.responses, again.responses)
    pd.testing.assert_frame_equal(survey.defects, again.defects)
    other = sim.simulate_responses(instrument, 480, seed=1)
    assert not other[list(instrument.items)].equals(survey.responses[list(instrument.items)])


def test_responses_shape(instrument, survey):
    frame = survey.responses
    assert len(frame) == 480
    assert frame["respondent_id"].tolist() == list(range(1, 481))
    assert frame["submitted_at"].is_monotonic_increasing  # 序号 follows submission order
    answered = frame[matrix_codes(instrument)].stack().dropna()
    assert set(answered.unique()) <= {1, 2, 3, 4, 5}
    communities = {c["zh"] for c in sim.DEFAULT_STREET["communities"]}
    assert set(frame["community"]) == communities
    assert frame["name"].isna().mean() > 0.5 and frame["phone"].isna().mean() > 0.5
    assert frame["ip"].str.fullmatch(r"\d+\.\d+\.\d+\.\d+\(山东-.+\)").all()
    start = sim.FIELDWORK_START
    assert frame["submitted_at"].between(start, start + pd.Timedelta(days=sim.FIELDWORK_DAYS, hours=1)).all()


def test_defect_share_near_eight_percent(survey):
    share = survey.defects["respondent_id"].nunique() / len(survey.responses)
    assert 0.07 <= share <= 0.09
    assert set(survey.defects["defect"]) == set(sim.DEFECT_RATES)
    assert not survey.defects.duplicated(["respondent_id", "defect"]).any()


def test_every_planted_defect_is_in_the_data(instrument, survey):
    frame = survey.responses.set_index("respondent_id")
    rows = matrix_codes(instrument)
    items = list(instrument.items)
    check = instrument.attention_checks[0]
    by_kind = survey.defects.groupby("defect")["respondent_id"].apply(list)

    speeders = frame.loc[by_kind["speeder"]]
    assert speeders["duration"].between(*sim.SPEEDER_SECONDS).all()

    liners = frame.loc[by_kind["straight_liner"], rows]
    assert (liners.nunique(axis=1) == 1).all()
    passing = (liners[check.code] == check.expected).mean()
    assert 0.3 <= passing <= 0.7  # about half also fail the check, yet are recorded as liners

    dups = survey.defects[survey.defects["defect"].isin(sim.DUPLICATE_KINDS)]
    assert dups["copies"].notna().all() and set(dups["defect"]) == set(sim.DUPLICATE_KINDS)
    copied = ["name", "phone", *[d.code for d in instrument.demographics], *rows]
    for dup, original, kind in zip(dups["respondent_id"], dups["copies"], dups["defect"]):
        pd.testing.assert_series_equal(frame.loc[dup, copied], frame.loc[original, copied], check_names=False)
        gap = frame.loc[dup, "submitted_at"] - frame.loc[original, "submitted_at"]
        assert pd.Timedelta(minutes=2) <= gap <= pd.Timedelta(minutes=30)
        assert (frame.loc[dup, "ip"] == frame.loc[original, "ip"]) == (kind == "duplicate")

    careless = frame.loc[by_kind["random_responder"]]
    assert (careless[check.code] == check.expected).all() and (careless["duration"] >= sim.DURATION_FLOOR).all()
    assert careless[items].notna().all().all() and (careless[items].nunique(axis=1) > 2).all()

    broke = frame.loc[by_kind["breakoff"], rows]
    for _, answered in broke.iterrows():
        blank = answered.isna().to_numpy()
        first = blank.argmax()
        assert blank[first:].all() and not blank[:first].any()  # answered up to a point, then nothing
        assert sim.BREAKOFF_SHARE[0] <= first / len(rows) <= sim.BREAKOFF_SHARE[1] + 0.02

    failed = frame.loc[by_kind["attention_fail"]]
    assert (failed[check.code] != check.expected).all()
    assert failed[items].notna().all().all() and (failed["duration"] >= sim.DURATION_FLOOR).all()

    blanks = frame.loc[by_kind["item_nonresponse"], items].isna().sum(axis=1)
    assert blanks.between(1, 3).all()

    # Records without a planted defect show none of these signs.
    clean = frame.drop(index=survey.defects["respondent_id"])
    assert (clean["duration"] >= sim.DURATION_FLOOR).all()
    assert (clean[check.code] == check.expected).all()
    assert clean[items].notna().all().all()
    assert (clean[rows].nunique(axis=1) > 1).all()
    assert not clean.duplicated(rows).any()
    assert (clean[items].nunique(axis=1) > 1).all()


def test_clean_survey_has_no_defects(instrument):
    clean = sim.simulate_survey(instrument, 200, seed=3, defect_rates={})
    assert clean.defects.empty
    assert (clean.responses["AC1"] == 4).all()


def test_problem_constructs_score_below_midpoint(instrument, large):
    scored = large.responses[list(instrument.items)].astype(float)
    scored[instrument.reverse_items] = instrument.reverse_score(scored[instrument.reverse_items])
    means = scored.T.groupby(lambda code: instrument.items[code].construct).mean().T.mean()
    for construct, mean in means.items():
        if instrument.constructs[construct].role == "problem":
            assert mean < 2.8, construct
        else:
            assert mean > 3.05, construct
    # The observed item means are those the thresholds imply.
    expected = sim.population_item_means(instrument)
    assert np.abs(scored.mean() - expected).max() < 0.03
    # Reverse items are answered reversed: raw means of PL4 etc. sit above 3.
    assert large.responses["PL4"].mean() > 3.3


def test_population_helpers_are_consistent():
    cov = sim.population_latent_covariance()
    assert np.allclose(np.diag(cov), 1.0)
    assert np.allclose(cov.loc[list(sim.CAUSES), list(sim.CAUSES)], sim.CAUSE_CORRELATION)
    paths = sim.population_standardized_paths()
    regressions = paths[paths["op"] == "~"]
    assert len(regressions) == 10 and regressions["std_all"].between(0.2, 0.45).all()
    # PL's only causes are OB and IN: its correlation with OB follows from the paths.
    assert cov.loc["PL", "OB"] == pytest.approx(0.35 + 0.30 * 0.45)
    defined = paths[paths["op"] == ":="].set_index("lhs")["std_all"]
    assert defined["ind_OB_PL_GS"] == pytest.approx(0.35 * 0.30)
    assert defined["total_PL_GS"] == pytest.approx(0.30 + 0.30 * 0.25 + 0.25 * 0.35)


def test_labels_and_defined_effects_match_the_model_file():
    text = MODEL.read_text(encoding="utf-8")
    for lhs, rhs in sim.STRUCTURAL_PATHS.items():
        for cause, (label, _) in rhs.items():
            assert re.search(rf"^{lhs} ~ .*\b{label}\*{cause}\b", text, re.M), (lhs, cause, label)
    defined = dict(re.findall(r"^(\w+) := (.+)$", text, re.M))
    mine = {name: " + ".join("*".join(t) for t in terms) for name, terms in sim.DEFINED_EFFECTS.items()}
    assert mine == {k: v.strip() for k, v in defined.items()}


def test_latent_scores_follow_the_population(large):
    sample = large.latent.cov()
    assert np.abs(sample.to_numpy() - sim.population_latent_covariance().to_numpy()).max() < 0.04


def recovered_paths(frame, instrument):
    import semopy

    data = frame[list(instrument.items)].astype(float)
    data[instrument.reverse_items] = instrument.reverse_score(data[instrument.reverse_items])
    syntax = "\n".join(line for line in MODEL.read_text(encoding="utf-8").splitlines() if ":=" not in line)
    model = semopy.Model(syntax)
    model.fit(data)
    est = model.inspect(std_est=True)
    est = est[est["op"] == "~"].rename(columns={"lval": "lhs", "rval": "rhs", "Est. Std": "est"})
    return est[["lhs", "rhs", "est"]]


def test_sem_on_large_sample_recovers_the_population_paths(instrument, large):
    """Fitting the study's model to the answers (1..5, reverse items reversed) gives back the paths."""
    truth = sim.population_standardized_paths()
    recovered = recovered_paths(large.responses, instrument)
    both = recovered.merge(truth, on=["lhs", "rhs"])
    assert len(both) == 10
    assert np.abs(both["est"] - both["std_all"]).max() < 0.05
    # Loadings come back too, a little lower (Pearson correlations of 5-point answers attenuate).
    est = recovered[recovered["lhs"].isin(sim.LOADINGS)].set_index("lhs")["est"]
    loadings = pd.Series(sim.LOADINGS)
    gap = est[loadings.index] - loadings
    assert gap.between(-0.06, 0.01).all()
    assert np.corrcoef(est[loadings.index], loadings)[0, 1] > 0.9


def test_simulator_follows_a_different_population(instrument):
    """Change the truth and the answers change with it: a1 0.35 -> 0.05, d3 0.35 -> 0.55."""
    paths = {lhs: dict(rhs) for lhs, rhs in sim.STRUCTURAL_PATHS.items()}
    paths["PL"]["OB"] = ("a1", 0.05)
    paths["GS"]["RI"] = ("d3", 0.55)
    model = sim.PopulationModel(paths=paths)
    other = sim.simulate_survey(instrument, 20000, seed=12, defect_rates={}, model=model)
    est = recovered_paths(other.responses, instrument).set_index(["lhs", "rhs"])["est"]
    assert est["PL", "OB"] == pytest.approx(0.05, abs=0.05)
    assert est["GS", "RI"] == pytest.approx(0.55, abs=0.05)


def expected_headers(instrument, style):
    headers = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
    headers += [f"{i}、{d.zh}：" for i, d in enumerate(instrument.demographics, 1)]
    number = len(instrument.demographics)
    wording = {**{c: it.zh for c, it in instrument.items.items()}, "AC1": instrument.attention_checks[0].zh}
    for matrix in instrument.matrices:
        number += 1
        for i, code in enumerate(matrix["rows"]):
            headers.append(
                {
                    "numbered": f"{number}、{wording[code]}",
                    "sub": f"{number}、({wording[code]})",
                    "stem_dash": f"{number}、{matrix['stem']['zh']}—{wording[code]}" if i == 0 else wording[code],
                }[style]
            )
    headers += [f"{number + 1 + i}、{q['zh']}：" for i, q in enumerate(instrument.personal_questions)]
    return headers


@pytest.mark.parametrize("style", sim.HEADER_STYLES)
def test_xlsx_round_trips_with_the_expected_headers(instrument, survey, tmp_path, style):
    path = sim.write_wenjuanxing_xlsx(survey.responses, instrument, tmp_path / "x.xlsx", matrix_header_style=style)
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["Sheet1"]
    header = [cell.value for cell in next(book["Sheet1"].iter_rows(max_row=1))]
    book.close()
    assert header == expected_headers(instrument, style)
    spot = {
        "numbered": "9、党建活动与解决居民实际问题紧密结合",
        "sub": "9、(党建活动与解决居民实际问题紧密结合)",
        "stem_dash": "9、请根据您的实际感受，对以下关于党建与社区组织的说法表明同意程度—党建活动与解决居民实际问题紧密结合",
    }[style]
    assert header[14] == spot and header[6] == "1、您的性别：" and header[-1].startswith("14、")

    read = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    frame = survey.responses
    assert len(read) == len(frame)
    assert read["序号"].astype(int).tolist() == frame["respondent_id"].tolist()
    assert read["提交答卷时间"].iloc[0] == frame["submitted_at"].iloc[0].strftime("%Y/%m/%d %H:%M:%S")
    assert re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d", read["提交答卷时间"].iloc[0])
    assert (read["所用时间"] == frame["duration"].astype(str) + "秒").all()
    # Answer text maps back to the numbers; (空) stands for a missing answer.
    codes = {spec["zh"]: point for point, spec in instrument.labels.items()}
    columns = dict(zip(expected_headers(instrument, style), read.columns))
    first_item = read[columns[spot]].map(codes).astype("Int64")
    assert first_item.equals(frame["IN1"].rename(first_item.name))
    all_answers = read.iloc[:, 14:47]
    assert set(np.unique(all_answers.to_numpy())) <= set(codes) | {"(空)"}
    assert (all_answers == "(空)").to_numpy().sum() == frame[matrix_codes(instrument)].isna().to_numpy().sum()
    assert (read[header[-1]] == "(空)").sum() == frame["phone"].isna().sum()


def test_unknown_header_style_is_refused(instrument, survey, tmp_path):
    from govsurvey.errors import InputError

    with pytest.raises(InputError, match="stem_dash"):
        sim.write_wenjuanxing_xlsx(survey.responses, instrument, tmp_path / "x.xlsx", matrix_header_style="nope")


def test_xlsx_is_byte_for_byte_reproducible(instrument, survey, tmp_path):
    a = sim.write_wenjuanxing_xlsx(survey.responses, instrument, tmp_path / "a.xlsx")
    b = sim.write_wenjuanxing_xlsx(survey.responses, instrument, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()


def test_filename_follows_wenjuanxing():
    assert sim.wenjuanxing_filename("287514936", "L街道问卷", 480, 478) == "287514936_按文本_L街道问卷_480_478.xlsx"


def test_cli_writes_export_truth_table_and_readme(tmp_path):
    assert streets.main(["--instrument", str(INSTRUMENT), "--out", str(tmp_path), "--n", "60", "--seed", "5"]) == 0
    xlsx = list(tmp_path.glob("*_按文本_*_60_60.xlsx"))
    assert len(xlsx) == 1 and xlsx[0].name.startswith(sim.DEFAULT_SURVEY_ID)
    truth = pd.read_csv(tmp_path / "planted_defects.csv")
    assert list(truth.columns) == ["respondent_id", "defect", "copies"] and len(truth) > 0
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "--seed 5" in readme


@pytest.mark.parametrize("street", ["l_street", "wuhu_road", "wangma"])
def test_committed_export_is_what_the_command_makes(tmp_path, street):
    """data/raw/<street> holds exactly what the command in its README writes."""
    folder = ROOT / "data/raw" / street
    readme = (folder / "README.md").read_text(encoding="utf-8")
    command = shlex.split(re.search(r"python -m govsurvey\.synthetic (.+)", readme).group(1))
    command[command.index("--out") + 1] = str(tmp_path)
    given = command.index("--instrument") + 1
    command[given] = str(ROOT / command[given])
    assert streets.main(command) == 0
    for made in tmp_path.iterdir():
        committed = folder / made.name
        if made.name == "README.md":
            continue  # names the output folder, which differs here
        assert committed.read_bytes() == made.read_bytes(), made.name
    assert sum(f.stat().st_size for f in folder.iterdir()) < 300_000
