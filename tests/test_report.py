import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from govsurvey.paths import ResultFiles
from govsurvey.report.context import Chapter
from govsurvey.report.design import demographics_table, design_text, instrument_text
from govsurvey.report.measurement import reliability_table
from govsurvey.report.mediation import mediation_table, mediation_text
from govsurvey.report.structure import paths_table
from govsurvey.report.tables import markdown_table
from govsurvey.sem import fit_sem
from govsurvey.sem.bootstrap import prepare_bootstrap, run_draws
from govsurvey.sem.effects import add_bootstrap, effects_table
from govsurvey.study import load_instrument, parse_model, read_model
from govsurvey.words import effect_label, words

LIBRARY = ROOT / "tests" / "data" / "library_study"
STREET = {"name": {"zh": "M街道", "en": "M Street"}, "city": {"zh": "某市", "en": "Some City"}}


def chapter(instrument, model, draws=5000, level=0.95):
    settings = {"alpha": 0.05, "bootstrap": {"draws": draws, "level": level}}
    return Chapter(instrument, model, STREET, settings, "en", ResultFiles({}))


def paths_frame(rows):
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "std_all", "pvalue"])


def test_markdown_table_aligns_numbers_right_and_text_left():
    text = markdown_table(pd.DataFrame({"Item": ["IN1", "OB2"], "λ": [".74", "−.05"]}), "Cap", "tbl-x")
    header, rule, *_ = text.splitlines()
    assert header == "| Item | λ |"
    left, right = rule.strip("|").split("|")
    assert left.startswith(":") and right.endswith(":")
    assert text.rstrip().endswith(": Cap {#tbl-x}")


def test_effect_labels():
    assert effect_label("ind_OB_PL_GS") == "OB → PL → GS"
    assert effect_label("total_PL_GS", "zh") == "总效应 PL → GS"
    assert effect_label("custom") == "custom"


def test_reliability_table_names_each_variant(instrument):
    """ω and AVE as semTools computes them, CR and AVE of Fornell & Larcker: each header says which."""
    reliability = pd.DataFrame([{"construct": "IN", "n_items": 4, "alpha": 0.8, "alpha_ci_lower": 0.75,
                                 "alpha_ci_upper": 0.84, "omega": 0.81, "ave_semtools": 0.47, "cr": 0.82,
                                 "ave": 0.53, "min_loading": 0.6}])  # fmt: skip
    text = reliability_table(chapter(instrument, None), reliability)
    header = [h.strip() for h in text.splitlines()[0].strip("|").split("|")]
    plain = [h.replace("\u00a0", " ").replace("\u2060", "") for h in header]
    assert plain == ["Construct", "Items", "α [95% CI]", "ω", "AVE", "CR (F–L)", "AVE (F–L)", "λmin"]
    row = [c.strip() for c in text.splitlines()[2].strip("|").split("|")]
    assert row[4:7] == [".470†", ".820", ".530"]  # AVE is semTools'; the F-L pair beside it; † below .50
    assert "semTools AVE()" in text and "Fornell & Larcker" in text


PATHS = pd.DataFrame({"lhs": ["PL"], "op": ["~"], "rhs": ["OB"], "est": [0.4], "se": [0.05], "std_all": [0.38],
                      "std_all_se": [0.04], "pvalue": [0.001]})  # fmt: skip
MODEL = ROOT / "data" / "models" / "governance.lavaan"


@pytest.fixture(scope="module")
def effects():
    """The default model's effects on the lavaan fixture's data: delta-method and bootstrap."""
    fit = fit_sem(read_model(MODEL), pd.read_csv(ROOT / "tests/reference/governance_data.csv"), log=lambda line: None)
    delta = effects_table(fit)
    return delta, add_bootstrap(delta, run_draws(prepare_bootstrap(fit), range(60), seed=1), 0.90)


def test_interval_headers_follow_the_bootstrap_level(instrument, effects):
    boot = pd.DataFrame({"lhs": ["PL", "ind_OB_PL_GS"], "op": ["~", ":="], "rhs": ["OB", "a1*d1"],
                         "ci_of": ["std_all", "est"], "est": [0.4, 0.12], "std_all": [0.38, 0.11],
                         "boot_se": [0.05, 0.03], "ci_lower_perc": [0.3, 0.07], "ci_upper_perc": [0.46, 0.18],
                         "ci_lower_bc": [0.31, 0.07], "ci_upper_bc": [0.47, 0.19]})  # fmt: skip
    c = chapter(instrument, read_model(MODEL), level=0.90)
    assert "β 90% CI (bootstrap)" in paths_table(c, PATHS, boot)
    summary = {"draws": 60, "admissible": 60, "level": 0.90}
    table = mediation_table(c, effects[1], summary)
    assert "percentile 90% CI" in table and "| 90% CI |" in table


def test_without_the_bootstrap_intervals_come_from_the_delta_method(instrument, effects):
    c = chapter(instrument, read_model(MODEL), draws=0)
    paths = paths_table(c, PATHS, None)
    assert "β 95% CI (delta method)" in paths and "[.30, .46]" in paths  # .38 ± 1.96 × .04
    table = mediation_table(c, effects[0], None)
    route = effects[0].set_index("route").loc["OB → PL → GS"]
    assert "delta-method SE" in table and "bootstrap is switched off" in table
    assert f"[{route.ci_lower:.3f}, {route.ci_upper:.3f}]" in table


def _cells(table):
    return [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()[2:] if line.startswith("|")]


def test_the_mediation_table_is_grouped_by_cause(instrument, effects):
    c = chapter(instrument, read_model(MODEL), level=0.90)
    table = mediation_table(c, effects[1], {"draws": 60, "admissible": 60, "level": 0.90})
    rows = _cells(table)
    labels = [r[0] for r in rows]
    labels = [label.replace("\u00a0", " ") for label in labels]
    ob = labels.index("**OB**: full (by specification)")
    assert labels[ob + 1:ob + 7] == ["Direct (fixed at 0)", "OB → PL → GS", "OB → PL → PW → GS",
                                     "OB → PL → RI → GS", "Total indirect", "Total"]
    assert rows[ob + 1][1:] == ["0", "—", "—", "—", "—"]  # fixed by the model: nothing estimated
    ms = labels.index("**MS**: full (by specification)")
    assert labels[ms + 1:ms + 4] == ["Direct (fixed at 0)", "MS → RI → GS", "Total"]  # one route: its total
    pl = labels.index("**PL**: partial mediation")
    assert labels[pl + 1] == "Direct"
    share = effects[1].set_index(["cause", "kind"]).loc[("PL", "total_indirect"), "proportion"]
    assert rows[pl + 4][0] == "Total indirect" and rows[pl + 4][-1] == f"{100 * share:.1f}%"
    assert rows[pl + 5][-1] == "—"  # the total is no share of itself
    assert len([r for r in labels if r.startswith("**")]) == 5  # IN, OB, MS, PM and PL
    assert len(rows) == 5 + 7 + 6 + 3 + 3 + 5  # per cause a header; IN: direct, 4 routes, total indirect, total …
    assert "*Note.*" in table and "proportion mediated" in table and "[@zhao2010]" in table


def test_the_mediation_text_counts_routes_and_totals_apart(instrument, effects):
    c = chapter(instrument, read_model(MODEL), level=0.90)
    text = mediation_text(c, effects[1])
    assert ("The model implies 11 indirect routes to GS: seven through one mediator and four through two or "
            "more mediators in sequence (serial routes)") in text
    assert "The 90% percentile bootstrap interval excludes zero for every one of them." in text
    assert "excludes zero for each of the five constructs with a route to the outcome (IN, OB, MS, PM and PL)" in text
    assert "Zhao et al. [-@zhao2010]" in text
    assert ("The model has no direct path from IN, OB, MS and PM to GS, so their direct effects are fixed at zero "
            "by the model: their full mediation follows from the specification and is not a finding.") in text
    share = effects[1].set_index(["cause", "kind"]).loc[("PL", "total_indirect"), "proportion"]
    assert f"The effect of PL on GS is partially mediated" in text and f"carry {100 * share:.1f}% of its total" in text
    assert "eight effects" not in text and "(of 8)" not in text


def test_the_mediation_text_names_routes_whose_interval_includes_zero(instrument, effects):
    c = dataclasses.replace(chapter(instrument, read_model(MODEL), draws=0), language="zh")
    table = effects[0].copy()
    weak = table["route"] == "IN → PL → PW → GS"
    table.loc[weak, ["ci_lower", "nonzero"]] = [-0.01, False]
    text = mediation_text(c, table)
    assert "模型共蕴含11条通向GS的间接路径：7条只经由一个中介变量，4条依次经由两个及以上中介变量（链式中介）" in text
    assert "其中10条路径的Delta法95%置信区间不包含零；IN → PL → PW → GS的区间则包含零。" in text
    assert "参照Zhao等[@zhao2010]的判定方法" in text
    assert "模型未设定由IN、OB、MS、PM指向GS的直接路径" in text


def test_the_design_follows_the_instrument_and_model(instrument):
    default = design_text(chapter(instrument, read_model(ROOT / "data/models/governance.lavaan")))
    assert "four causes — Depth of integration" in default and "PL is regressed on OB and IN" in default
    library = load_instrument(LIBRARY / "instrument.yaml")
    text = design_text(chapter(library, read_model(LIBRARY / "model.lavaan")))
    assert "The questionnaire measures three constructs: Quality of librarian service (SQ)" in text
    assert "no structural paths" in text and "cause" not in text
    ingest = {"columns_absent": []}
    described = instrument_text(chapter(library, None), ingest)
    assert "12 items answered on a seven-point scale (1 = completely disagree, 7 = completely agree)" in described
    assert "Two reverse-keyed items were recoded" in described and "no attention-check item" in described
    assert "{#tbl-items}" in described and "@tbl-items lists them" in described


def test_an_attention_check_the_export_lacks_is_not_described(instrument):
    text = instrument_text(chapter(instrument, None), {"columns_absent": [{"code": "AC1", "kind": "check"}]})
    assert "instructed-response" not in text and "no attention-check item" not in text


def test_roles_are_the_instruments_own(instrument):
    roles = {"driver": {"zh": "驱动因素", "en": "drivers"}, "result": {"zh": "结果", "en": "results"}}
    constructs = {code: dataclasses.replace(c, role="driver" if c.role == "cause" else "result")
                  for code, c in instrument.constructs.items()}  # fmt: skip
    other = dataclasses.replace(instrument, roles=roles, constructs=constructs)
    text = design_text(chapter(other, parse_model("IN =~ IN1 + IN2 + IN3\nOB =~ OB1 + OB2 + OB3\nOB ~ IN")))
    assert "four drivers — " in text and "four results — " in text and "OB is regressed on IN" in text


def test_a_numeric_demographic_is_summarised_by_mean_sd_and_range(instrument):
    age = dataclasses.replace(instrument.demographics[0], code="age_years", zh="年龄", en="Age (years)", short=None,
                              options=(), kind="numeric")
    other = dataclasses.replace(instrument, demographics=(age,))
    kept = pd.DataFrame({"age_years": [30.0, 40.0, 50.0, None]})
    text = demographics_table(chapter(other, None), kept)
    assert "| Age (years) | M = 40.0, SD = 10.0, range 30–50 | 3 | 75.0 |" in text
    assert "| Not answered | 1 | 25.0 |" in text


def test_every_display_word_exists_in_both_languages():
    from govsurvey.words import WORDS

    def keys(table, prefix=""):
        out = set()
        for key, value in table.items():
            out.add(f"{prefix}{key}")
            if isinstance(value, dict):
                out |= keys(value, f"{prefix}{key}.")
        return out

    assert keys(WORDS["en"]) == keys(WORDS["zh"])


def test_the_chapter_opens_only_the_files_its_rule_declares():
    """Snakemake waits only for declared inputs: a result the chapter reads but its rule does not
    declare would be read before it is written (or stale), so reading it is an error."""
    from govsurvey.paths import report_inputs

    declared = report_inputs("m_street", "en", structural=True, bootstrap=False, mediation=True, compared=False)
    files = ResultFiles(declared)
    assert files.path("sem", "fit") == Path("results/m_street/sem/fit.json")
    assert files.figure("path") == Path("results/m_street/figures/en/path_diagram.png")
    for read in (lambda: files.path("bootstrap", "indirect"), lambda: files.figure("forest"),
                 lambda: files.comparison("summary"), lambda: files.comparison_figure("ipma")):
        with pytest.raises(RuntimeError, match="which the report rule does not declare as an input"):
            read()
    compared = ResultFiles(report_inputs("m_street", "en", structural=True, bootstrap=True, mediation=True, compared=True))
    assert compared.comparison("summary") == Path("results/comparison/summary.json")
    assert compared.figure("forest") == Path("results/m_street/figures/en/forest.png")


def test_the_effects_file_is_the_bootstraps_when_it_ran():
    from govsurvey.paths import effects_file

    assert effects_file("l_street") == "results/l_street/bootstrap/effects.csv"
    assert effects_file("l_street", bootstrap=False) == "results/l_street/sem/effects.csv"


def test_a_cause_without_routes_is_not_said_to_lack_an_indirect_effect(instrument):
    # x reaches y directly and through m; z only directly: z has no indirect route to speak of
    parsed = parse_model("y ~ a*x + c*m + z\nm ~ b*x\n")
    data = pd.read_csv(ROOT / "tests/reference/politdem_data.csv")[["x1", "y1", "y5", "x2"]]
    data.columns = ["x", "m", "y", "z"]
    table = effects_table(fit_sem(parsed, data, log=lambda line: None))
    assert list(table.loc[table["cause"] == "z", "kind"]) == ["direct", "total"]
    c = chapter(instrument, parsed, draws=0)
    text = mediation_text(c, table)
    assert "z has no indirect route to y: its effect is the direct path alone." in text
    assert "total indirect effect of z" not in text and "For z" not in text


@pytest.mark.parametrize("language, shapes", [("en", ["Ellipses", "rectangles", "circles"]),
                                              ("zh", ["椭圆", "矩形", "圆形"])])
def test_the_path_diagram_caption_says_what_the_full_diagrams_shapes_are(instrument, language, shapes):
    from govsurvey.report.variables import path_caption

    def caption(mode):
        settings = {"alpha": 0.05, "bootstrap": {"draws": 0, "level": 0.95}, "path_diagram": mode}
        return path_caption(Chapter(instrument, None, STREET, settings, language, ResultFiles({})))

    assert all(word in caption("full") for word in shapes)
    assert not any(word in caption("structural") for word in shapes)
    assert "*** p <" in caption("full") and "*** p <" in caption("structural")


def test_the_admissibility_check_names_a_too_small_sample_in_both_languages():
    """Before: N = 20 for the 27 free parameters of a CFA read 'no inadmissible estimates were
    found'. Now the chapter says the model cannot be trusted, and why, with the rule's source."""
    from govsurvey.report.variables import admissibility_text
    from govsurvey.words import words
    from test_sem import SMALL_CFA, small_sample

    cfa = fit_sem(SMALL_CFA, small_sample(20), log=lambda line: None).admissibility
    sound = fit_sem(SMALL_CFA, small_sample(120), log=lambda line: None).admissibility
    en = admissibility_text(words("en"), {"cfa": cfa})
    assert en.startswith("the 20 respondents are fewer than the 27 free parameters of the measurement model, so the "
                         "measurement model cannot be trusted")
    assert "no inadmissible" not in en and "Kline [-@kline2016]" in en
    zh = admissibility_text(words("zh"), {"cfa": cfa})
    assert zh.startswith("纳入分析的20名受访者少于测量模型的27个自由参数") and "；样本量（20）不足200" in zh
    # a sound solution from a small sample: admissible, with the warnings and their sources; N < 200 said once
    en = admissibility_text(words("en"), {"cfa": sound, "structural": sound})
    assert en.startswith("no inadmissible estimates were found; the 120 respondents give 4.4 cases per free "
                         "parameter of the measurement model (q = 27), below the five per parameter that Bentler "
                         "and Chou [-@bentler1987] give as the least")
    assert en.count("Kline") == 1 and "of the structural model (q = 27)" in en
    assert admissibility_text(words("zh"), {"cfa": []}) == "未发现不可接受的估计值"


def test_the_chapter_says_when_the_draws_are_few_or_a_bc_interval_was_refused(instrument, effects):
    from govsurvey.report.mediation import bootstrap_note
    table = effects[1]
    summary = {"draws": 60, "admissible": 60, "level": 0.90, "advised_draws": 1000}
    en = bootstrap_note(chapter(instrument, read_model(MODEL), draws=60, level=0.90), summary, table)
    assert en.startswith("The intervals rest on 60 admissible draws, fewer than the 1,000 that Efron and "
                         "Tibshirani [-@efron1993] advise for confidence intervals")
    zh_chapter = dataclasses.replace(chapter(instrument, read_model(MODEL), draws=60, level=0.90), language="zh")
    zh = bootstrap_note(zh_chapter, summary, table)
    assert zh.startswith("区间仅基于60次可接受的抽样，少于Efron与Tibshirani[@efron1993]为置信区间建议的1000次")
    refused = table.assign(ci_lower_bc=np.where(table["kind"] == "total", np.nan, table["ci_lower_bc"]))
    n = int((refused["kind"] == "total").sum())
    text = bootstrap_note(chapter(instrument, read_model(MODEL)), {**summary, "draws": 5000, "admissible": 5000},
                          refused)
    estimable = int((table["ci_lower_perc"] < table["ci_upper_perc"]).sum())  # not the effects fixed at 0
    assert 0 < n < estimable < len(table)
    assert text.startswith(f"The bias-corrected interval could not be estimated for {words('en')['number'](n)} of "
                           f"the {estimable} effects")
    assert bootstrap_note(chapter(instrument, read_model(MODEL)), {**summary, "admissible": 5000}, table) == ""
