"""The case analysis: case files and dimensions load and are checked against the study; the
cross-case matrix and what the focal street lacks, on small inputs with known answers."""

import copy

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT
from govsurvey.cases.files import (
    Case,
    Dimension,
    Practice,
    bibliography_keys,
    case_of_street,
    load_case,
    load_cases,
    load_dimensions,
)
from govsurvey.cases.matrix import (
    comparison_matrix,
    focal_lacks,
    performance_from_ipma,
    performance_from_means,
    practices_table,
)
from govsurvey.errors import InputError

CASES = ROOT / "data" / "cases"
BIBLIOGRAPHIES = [ROOT / "report" / "references.bib", CASES / "references.bib"]
SHIPPED = ["l_street", "wuhu_road", "wangma"]


@pytest.fixture(scope="module")
def dimensions(instrument):
    return load_dimensions(CASES / "dimensions.yaml", instrument)


@pytest.fixture(scope="module")
def streets():
    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["streets"]


# ---------------------------------------------------------------- the shipped files


def test_the_default_study_declares_its_five_dimensions_with_the_causes_they_relate_to(dimensions, instrument):
    assert [d.name["en"] for d in dimensions] == [
        "Party leadership", "Serving the people", "Social-organisation linkage", "Governance mechanisms", "Technology"]
    related = {c for d in dimensions for c in d.constructs}
    assert related and all(instrument.constructs[c].role == "cause" for c in related)


def test_the_shipped_case_files_load_against_the_study(dimensions, streets):
    keys = bibliography_keys(BIBLIOGRAPHIES)
    cases = load_cases([CASES / f"{name}.yaml" for name in SHIPPED], dimensions, keys, streets, root=ROOT)
    assert list(cases) == SHIPPED
    assert case_of_street(cases, "l_street").id == "l_street" and cases["l_street"].surveyed
    for name in ("wuhu_road", "wangma"):
        case = cases[name]
        assert case.kind == "documentary" and case.street is None
        # every dimension is covered, most from a cited source, each cited key in the bibliography
        assert {p.dimension for p in case.practices} == {d.code for d in dimensions}
        sourced = [p for p in case.practices if not p.illustrative]
        assert len(sourced) >= 3 and all(p.source in keys and p.source in case.sources for p in sourced)
    assert cases["wuhu_road"].admin["district"]["zh"] == "包河区" and cases["wuhu_road"].admin["city"]["zh"] == "合肥市"
    assert cases["wangma"].admin["subdistrict"]["zh"] == "长庆街道" and cases["wangma"].admin["city"]["zh"] == "杭州市"
    # the focal street is anonymised: nothing of it may pretend to a source
    assert all(p.illustrative and p.source is None for p in cases["l_street"].practices)


def test_the_case_sources_are_web_pages_in_chinese_with_url_and_access_date():
    text = (CASES / "references.bib").read_text(encoding="utf-8")
    entries = [e for e in text.split("\n@")[1:]]
    assert len(entries) == len(bibliography_keys([CASES / "references.bib"])) == 4
    for entry in entries:
        assert "url " in entry and "urldate " in entry and "language = {zh-CN}" in entry


def test_bibliography_keys_skip_comments_strings_and_preambles(tmp_path):
    bib = tmp_path / "x.bib"
    bib.write_text("@comment{not, this}\n@String{j = {J}}\n@PREAMBLE{x}\n@article{a2000,\n}\n  @online{ b_c ,\n}\n",
                   encoding="utf-8")
    assert bibliography_keys([bib]) == {"a2000", "b_c"}
    with pytest.raises(InputError, match="does not exist"):
        bibliography_keys([tmp_path / "missing.bib"])


# ---------------------------------------------------------------- errors in a case file

BASE = {
    "id": "demo",
    "place": {"zh": "示例街道", "en": "Demo Sub-district"},
    "admin": {"city": {"zh": "某市", "en": "A City"}},
    "kind": "documentary",
    "sources": ["src2020"],
    "practices": [
        {"dimension": "leadership", "zh": "甲", "en": "A", "source": "src2020"},
        {"dimension": "service", "zh": "乙", "en": "B", "illustrative": True},
    ],
}


def _write(tmp_path, data, name="demo.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _edited(**changes):
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def _practice(n, **changes):
    data = copy.deepcopy(BASE)
    data["practices"][n].update(changes)
    return data


@pytest.mark.parametrize("data, message", [
    (_practice(0, dimension="culture"), r"practices/0/dimension: 'culture' is not a dimension of the study\. "
                                        r"Fix: use one of: leadership, service"),
    (_edited(sources=["src2020", "nobody1999"]), r"at sources: 'nobody1999' is not a key of the bibliography"),
    (_practice(0, source="nobody1999"), r"practices/0/source: 'nobody1999' is not a key of the bibliography"),
    (_practice(0, source="other2021"), r"practices/0/source: 'other2021' is not listed under sources"),
    (_practice(1, illustrative=False), r"practices/1 \(乙\): the practice has neither a source nor illustrative: true\. "
                                       r"Fix: give the bibliography key"),
    (_practice(0, illustrative=True), r"practices/0 \(甲\): the practice has both a source and illustrative: true"),
    (_edited(kind="documentary_and_survey"), r"'street' is a required property"),
    (_edited(street="s1"), r"a documentary case has no survey street"),
    (_edited(kind="survey"), r"at kind: 'survey' is not one of"),
    (_edited(colour="red"), r"unknown key 'colour'"),
])  # fmt: skip
def test_a_bad_case_file_gets_an_error_naming_file_field_and_fix(tmp_path, data, message):
    path = _write(tmp_path, data)
    with pytest.raises(InputError, match=message) as error:
        load_case(path, _DIMENSIONS, {"src2020", "other2021"})
    assert error.value.source == str(path)


def test_a_surveyed_case_names_a_street_of_config_whose_export_exists(tmp_path):
    (tmp_path / "export.csv").write_text("x\n", encoding="utf-8")
    streets = {"s1": {"raw_export": "export.csv"}, "s2": {"raw_export": "gone.csv"}}
    good = load_case(_write(tmp_path, _edited(kind="documentary_and_survey", street="s1")), _DIMENSIONS, {"src2020"},
                     streets, root=tmp_path)  # fmt: skip
    assert good.surveyed and good.street == "s1"
    with pytest.raises(InputError, match=r"at street: 's9' is not a street of config.yaml.*Fix: name one of: s1, s2"):
        load_case(_write(tmp_path, _edited(kind="documentary_and_survey", street="s9")), _DIMENSIONS, {"src2020"},
                  streets, root=tmp_path)  # fmt: skip
    with pytest.raises(InputError, match=r"the survey export of street 's2' \(gone.csv\) does not exist"):
        load_case(_write(tmp_path, _edited(kind="documentary_and_survey", street="s2")), _DIMENSIONS, {"src2020"},
                  streets, root=tmp_path)  # fmt: skip


def test_two_cases_may_not_share_an_id_or_a_street(tmp_path):
    one, two = _write(tmp_path, BASE, "one.yaml"), _write(tmp_path, BASE, "two.yaml")
    with pytest.raises(InputError, match=r"two.yaml: at id: 'demo' is also the id of .*one.yaml"):
        load_cases([one, two], _DIMENSIONS, {"src2020"})
    streets = {"s1": {"raw_export": "one.yaml"}}
    a = _write(tmp_path, _edited(kind="documentary_and_survey", street="s1"), "a.yaml")
    b = _write(tmp_path, _edited(id="other", kind="documentary_and_survey", street="s1"), "b.yaml")
    with pytest.raises(InputError, match=r"b.yaml: at street: street 's1' is also the street of .*a.yaml"):
        load_cases([a, b], _DIMENSIONS, {"src2020"}, streets, root=tmp_path)


def test_a_bad_dimensions_file_gets_a_named_error(tmp_path, instrument):
    path = tmp_path / "dimensions.yaml"
    entry = {"code": "a", "name": {"zh": "甲", "en": "A"}, "constructs": ["OB", "XX"]}
    path.write_text(yaml.safe_dump({"dimensions": [entry]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=r"dimensions/0 \(a\)/constructs: XX is not a construct of the instrument"):
        load_dimensions(path, instrument)
    assert load_dimensions(path)[0].constructs == ("OB", "XX")  # without an instrument, not checked
    path.write_text(yaml.safe_dump({"dimensions": [entry, entry]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=r"dimensions/1 \(a\): the code 'a' is used twice"):
        load_dimensions(path)


# ---------------------------------------------------------------- the matrix and the lacks

_DIMENSIONS = (
    Dimension("leadership", {"zh": "党建引领", "en": "Leadership"}, ("OB", "IN")),
    Dimension("service", {"zh": "服务群众", "en": "Service"}, ("PM",)),
    Dimension("linkage", {"zh": "联动", "en": "Linkage"}, ("MS",)),
    Dimension("tech", {"zh": "科技", "en": "Technology"}, ()),
)


def _case(id, zh, en, practices, street=None):
    return Case(id, {"zh": zh, "en": en}, {"zh": zh, "en": en}, {}, "documentary_and_survey" if street else "documentary",
                street, (), tuple(Practice(*p) for p in practices))  # fmt: skip


@pytest.fixture()
def cases():
    return {
        "a": _case("a", "甲地", "Place A", [("leadership", "甲一", "A one", "k1"), ("leadership", "甲二", "A two", "k2"),
                                           ("tech", "甲三", "A three", None, True)]),  # fmt: skip
        "f": _case("f", "焦点街道", "Focal", [("service", "焦一", "F one", None, True)], street="focal"),
        "b": _case("b", "乙地", "Place B", [("linkage", "乙一", "B one", "k3")]),
    }


def test_the_matrix_puts_the_focal_case_first_and_cites_or_marks_every_practice(cases):
    zh = comparison_matrix(cases, _DIMENSIONS, "zh", focal="f", header="维度")
    assert list(zh.columns) == ["焦点街道", "甲地", "乙地"] and list(zh.index) == ["党建引领", "服务群众", "联动", "科技"]
    assert zh.index.name == "维度"
    assert zh.loc["党建引领", "甲地"] == "甲一[@k1]；甲二[@k2]"
    assert zh.loc["服务群众", "焦点街道"] == "焦一†"
    assert zh.loc["科技", "甲地"] == "甲三†" and zh.loc["科技", "乙地"] == "—"
    en = comparison_matrix(cases, _DIMENSIONS, "en", focal="f", cite=False, mark="*", empty="")
    assert list(en.columns) == ["Focal", "Place A", "Place B"]
    assert en.loc["Leadership", "Place A"] == "A one; A two" and en.loc["Service", "Focal"] == "F one*"
    assert en.loc["Linkage", "Focal"] == ""
    assert list(comparison_matrix(cases, _DIMENSIONS, "en").columns) == ["Place A", "Focal", "Place B"]
    with pytest.raises(InputError, match="the focal case 'z' is not among the cases"):
        comparison_matrix(cases, _DIMENSIONS, "en", focal="z")


def test_practices_table_has_one_row_per_practice(cases):
    table = practices_table(cases)
    assert len(table) == 5 and table["illustrative"].sum() == 2
    assert table.loc[table["zh"] == "乙一", ["case", "dimension", "source"]].values.tolist() == [["b", "linkage", "k3"]]


def _performance(values, importance=None):
    frame = pd.DataFrame({"performance": values}).rename_axis("construct")
    frame["importance"] = pd.Series(importance or {}, dtype=float)
    frame["benchmark_gap"] = np.nan
    return frame


def test_lacks_rank_the_dimensions_by_their_weakest_cause(cases):
    # leadership's weakest is IN (40) below OB (60); service PM 45; linkage MS 50; tech unmeasured
    table = focal_lacks(_DIMENSIONS, _performance({"OB": 60, "IN": 40, "PM": 45, "MS": 50}), cases, "f")
    assert table["dimension"].tolist() == ["leadership", "service", "linkage", "tech"]
    assert table["rank"].tolist()[:3] == [1, 2, 3] and pd.isna(table["rank"].iloc[3])
    assert table["construct"].tolist()[:3] == ["IN", "PM", "MS"] and table["performance"].tolist()[:3] == [40, 45, 50]
    assert table["measured"].tolist() == [True, True, True, False]
    assert table["focal_practices"].tolist() == [0, 1, 0, 0]
    lead = table.set_index("dimension")
    # what the focal street lacks: the benchmarks' practices, after their place
    assert lead.at["leadership", "lacks_zh"] == "甲地：甲一；甲地：甲二"
    assert lead.at["linkage", "lacks_en"] == "Place B: B one" and lead.at["service", "lacks_en"] == ""


def test_lacks_break_ties_by_importance_then_by_file_order(cases):
    tied = _performance({"OB": 50, "IN": 70, "PM": 50, "MS": 50}, {"OB": 0.1, "IN": 0.9, "PM": 0.3, "MS": 0.3})
    table = focal_lacks(_DIMENSIONS, tied, cases, "f")
    # PM and MS equally weak and important: file order (service before linkage); OB less important
    assert table["dimension"].tolist() == ["service", "linkage", "leadership", "tech"]
    # a construct the table does not hold does not count; none held leaves the dimension unranked
    partial = focal_lacks(_DIMENSIONS, _performance({"IN": 30, "PM": 20}), cases, "f")
    assert partial["dimension"].tolist() == ["service", "leadership", "linkage", "tech"]
    assert partial["rank"].isna().tolist() == [False, False, True, True]


def test_performance_from_an_ipma_table_keeps_the_focal_street_and_the_largest_benchmark_lead():
    ipma = pd.DataFrame({
        "construct": ["OB", "OB", "OB", "PM", "PM", "PM"],
        "street": ["f", "x", "y"] * 2, "focal": [True, False, False] * 2,
        "importance": [0.3, 0.2, 0.25, 0.1, 0.1, 0.1], "importance_std": 0.0,
        "performance": [50.0, 60.0, 55.0, 40.0, 38.0, 47.0], "gap": [0.0, 10.0, 5.0, 0.0, -2.0, 7.0],
        "comparison": "streets",
    })  # fmt: skip
    perf = performance_from_ipma(ipma)
    assert perf.loc["OB"].tolist() == [50.0, 0.3, 10.0] and perf.loc["PM"].tolist() == [40.0, 0.1, 7.0]
    # rows of another comparison are not the streets' map
    other = ipma.assign(comparison="groups", performance=0.0)
    assert performance_from_ipma(pd.concat([ipma, other])).equals(perf)
    with pytest.raises(InputError, match="lacks gap"):
        performance_from_ipma(ipma.drop(columns="gap"))
    with pytest.raises(InputError, match="no rows of the focal street"):
        performance_from_ipma(ipma.assign(focal=False))


def test_performance_from_construct_means_rescales_to_0_100():
    means = pd.DataFrame({"group": ["all", "all", "men"], "construct": ["OB", "PM", "OB"], "mean": [3.0, 2.0, 9.0]})
    perf = performance_from_means(means, 1, 5)
    assert perf["performance"].tolist() == [50.0, 25.0] and perf["importance"].isna().all()
    with pytest.raises(InputError, match="needs the columns construct and mean"):
        performance_from_means(means.rename(columns={"mean": "m"}), 1, 5)
