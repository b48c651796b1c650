"""The interviews' outputs on the synthetic demo study: counts worked out by hand from
tests/data/interviews/demo/coding/*.csv, the quotation rule on a case built so that each step of
the rule changes the result, no register name in any output, jieba with the shipped dictionary."""

import re
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.patches import StepPatch

from govsurvey.errors import InputError
from govsurvey.figures.saturation import saturation_figure
from govsurvey.interviews import outputs
from govsurvey.interviews.coding import read_coding
from govsurvey.interviews.inputs import Code, read_study
from govsurvey.interviews.privacy import mask_study
from govsurvey.paths import library_files
from interviews_helpers import DEMO, copy_demo

ROLES = ["社区书记", "网格员", "居民"]  # A1, A2, A3 in order of interview date


@pytest.fixture(scope="module")
def demo():
    study = read_study(DEMO)
    return mask_study(study, read_coding(DEMO / "coding", study))


def test_interviewee_table_in_date_order_without_names(tmp_path):
    folder = copy_demo(tmp_path)
    register = pd.read_csv(folder / "register.csv", dtype=str)  # the raw file, name column and all
    register.loc[register["code"] == "A1", "date"] = "2024-06-01"  # now the last interview
    table = outputs.interviewee_table(register)
    assert list(table.columns) == ["code", "role", "gender", "date", "duration_min", "mode"]
    assert list(table["code"]) == ["A2", "A3", "A1"]
    assert "李示例" not in table.to_csv()


def test_code_role_matrix_counts_passages_by_hand(demo):
    study, segments = demo
    matrix = outputs.code_role_matrix(segments, study.register, study.codebook)
    assert list(matrix.columns) == ["name_zh", "name_en", *ROLES, "total"]
    # Two coders' overlapping segments of one code are one passage (A1's four linked answers);
    # coder_a's two unresolved_demands answers in A1 do not overlap coder_b's and count apart.
    expected = {"cell_coverage": [1, 2, 0], "member_ageing": [1, 1, 0], "low_participation": [1, 0, 2],
                "unresolved_demands": [2, 2, 1], "transparency": [0, 0, 2]}
    assert {c: list(matrix.loc[c, ROLES]) for c in matrix.index} == expected
    assert list(matrix["total"]) == [3, 2, 3, 5, 2]
    assert matrix.loc["transparency", "name_zh"] == "结果公开"
    assert matrix.loc["transparency", "name_en"] == "Disclosure of outcomes"
    people = outputs.code_role_matrix(segments, study.register, study.codebook, count="interviewees")
    assert list(people.loc["unresolved_demands", ROLES]) == [1, 1, 1]
    assert list(people["total"]) == [2, 2, 2, 3, 1]


def test_saturation_by_hand_and_follows_the_dates(demo):
    study, segments = demo
    table = outputs.saturation(segments, study.register)
    assert list(table["interviewee"]) == ["A1", "A2", "A3"]
    assert list(table["codes"]) == [4, 3, 3]
    assert list(table["new"]) == [4, 0, 1]
    assert list(table["cumulative"]) == [4, 4, 5]
    assert table["new_codes"].iloc[2] == "transparency"
    # Interviewing the resident first changes what is new when.
    register = study.register.copy()
    register.loc["A3", "date"] = pd.Timestamp("2024-05-01").date()
    table = outputs.saturation(segments, register)
    assert list(table["interviewee"]) == ["A3", "A1", "A2"]
    assert list(table["new"]) == [3, 2, 0]
    assert list(table["cumulative"]) == [3, 5, 5]


def test_saturation_figure_draws_the_table_in_both_languages(demo, tmp_path):
    study, segments = demo
    table = outputs.saturation(segments, study.register)
    for language, label in (("zh", "累计编码数"), ("en", "Codes found so far")):
        png, svg = tmp_path / f"s_{language}.png", tmp_path / f"s_{language}.svg"
        fig = saturation_figure(table, language, png, svg)
        assert png.stat().st_size > 0
        assert label in re.findall(r"<!-- (.*?) -->", svg.read_text(encoding="utf-8"))
        ax = fig.axes[0]
        assert [bar.get_height() for bar in ax.containers[0]] == [4, 0, 1]
        step = next(p for p in ax.patches if isinstance(p, StepPatch))
        assert list(step.get_data().values) == [4, 4, 5]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["A1", "A2", "A3"]


# ---------------------------------------------------------------- the quotation rule

def _code(code, link):
    return Code(code, {"zh": code, "en": code}, {"zh": "", "en": ""}, "deductive", link)


def _rule_case():
    """Five interviews; code X's passages are built so that each step of the rule decides one
    pick, code Y's so that roles run out and the fill step is needed."""
    register = pd.DataFrame({"code": ["T1", "T2", "T3", "T4", "T5"],
                             "role": ["社区书记", "社区书记", "网格员", "居民", "居民"],
                             "date": pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04",
                                                     "2024-05-05"]).date}).set_index("code")
    transcripts = {t: "".join(f"{t}句{k:02d}。" for k in range(20)) for t in register.index}
    codebook = {c: _code(c, link) for c, link in (("X", "PM"), ("Y", "PW"), ("O1", None), ("O2", None))}
    rows = [
        # X in T3 (网格员): two coders, no other code -> first (coders beat everything)
        ("T3", 0, 6, "X", "a"), ("T3", 2, 6, "X", "b"),
        # X in T2 (社区书记): one coder, two other codes overlap -> second
        ("T2", 0, 6, "X", "a"), ("T2", 0, 3, "O1", "a"), ("T2", 3, 6, "O2", "a"),
        # X in T1 (社区书记): one other code, earlier than T2 -> third, but its role is taken
        ("T1", 0, 6, "X", "a"), ("T1", 1, 4, "O1", "a"),
        # X in T5 and T4 (居民): nothing else; T4 is earlier -> T4 is the resident quoted
        ("T5", 0, 6, "X", "a"), ("T4", 12, 18, "X", "a"),
        # Y: two passages in T1, one in T2 (both 社区书记), one in T4 (居民)
        ("T1", 60, 66, "Y", "a"), ("T1", 30, 36, "Y", "a"), ("T2", 30, 36, "Y", "a"), ("T4", 30, 36, "Y", "a"),
        # O1 alone: not linked to the instrument, never quoted
        ("T5", 30, 36, "O1", "a"),
    ]
    segments = pd.DataFrame(rows, columns=["transcript", "start", "end", "code", "coder"])
    return segments, transcripts, register, codebook


def test_quotes_follow_the_stated_rule():
    segments, transcripts, register, codebook = _rule_case()
    table, rule = outputs.select_quotes(segments, transcripts, register, codebook, per_code=3)
    x = table[table["code"] == "X"]
    # T3 (two coders) before T2 (two other codes) before T1 (skipped: 社区书记 taken), then the
    # earlier resident T4 before T5.
    assert list(x["interviewee"]) == ["T3", "T2", "T4"]
    assert list(x["coders"]) == [2, 1, 1] and list(x["other_codes"]) == [0, 2, 0]
    assert list(x["rank"]) == [1, 2, 3]
    assert x["quote"].iloc[0] == transcripts["T3"][0:6]  # the two coders' segments merged
    assert x["quote"].iloc[2] == transcripts["T4"][12:18]
    two = outputs.select_quotes(segments, transcripts, register, codebook, per_code=2)[0]
    assert list(two.loc[two["code"] == "X", "interviewee"]) == ["T3", "T2"]
    # Y: one per role gives T1 (its earlier passage) and T4; the fill adds T2, not T1 again.
    y = table[table["code"] == "Y"]
    assert list(y["interviewee"]) == ["T1", "T2", "T4"]
    assert y["start"].iloc[0] == 30
    assert set(table["code"]) == {"X", "Y"}
    assert list(y["cite_zh"]) == ["访谈对象T1（社区书记）", "访谈对象T2（社区书记）", "访谈对象T4（居民）"]
    assert y["cite_en"].iloc[0] == "Interviewee T1 (community Party secretary)"
    assert "one per role" in rule["en"] and "每种身份至多一段" in rule["zh"] and "前3段" in rule["zh"]


def test_quotes_on_the_demo(demo):
    study, segments = demo
    table, _ = outputs.select_quotes(segments, study.transcripts, study.register, study.codebook)
    # transparency (inductive) has no construct link: no quotations
    assert list(dict.fromkeys(table["code"])) == ["cell_coverage", "member_ageing", "low_participation",
                                                   "unresolved_demands"]
    unresolved = table[table["code"] == "unresolved_demands"]
    # A2's and A3's passages were coded by both coders; A1's by one
    assert list(unresolved["interviewee"]) == ["A2", "A3", "A1"]
    assert unresolved["quote"].iloc[0] == "有的事情部门之间推来推去，居民就觉得我们只会登记不会解决"
    assert unresolved["cite_zh"].iloc[0] == "访谈对象A2（网格员）"
    assert unresolved["cite_en"].iloc[0] == "Interviewee A2 (grid worker)"


def test_an_unknown_role_in_english_names_the_roles_file():
    with pytest.raises(InputError, match=r"roles.yaml.*'宣传委员'.*T9"):
        outputs.citation("T9", "宣传委员", "en")
    assert outputs.citation("T9", "宣传委员", "en", roles={"宣传委员": "publicity officer"}) == \
        "Interviewee T9 (publicity officer)"


def test_raw_transcripts_are_refused():
    segments, transcripts, register, codebook = _rule_case()
    transcripts["T3"] = "13812345678。" + transcripts["T3"][12:]
    segments.loc[segments["transcript"] == "T3", ["start", "end"]] = [0, 11]
    with pytest.raises(InputError, match="mask_study"):
        outputs.select_quotes(segments, transcripts, register, codebook)
    transcripts["T3"] = "[电话]。" + transcripts["T3"][12:]  # as masked
    segments.loc[segments["transcript"] == "T3", ["start", "end"]] = [0, 4]
    assert "[电话]" in set(outputs.select_quotes(segments, transcripts, register, codebook)[0]["quote"])


def test_no_register_name_reaches_any_output(tmp_path):
    folder = copy_demo(tmp_path)
    a3 = folder / "transcripts" / "A3.txt"
    a3.write_text(a3.read_text(encoding="utf-8").replace("说实话", "我叫赵虚构，说实话"), encoding="utf-8")
    study = read_study(folder)
    segments = read_coding(folder / "coding", study)
    start = study.transcripts["A3"].index("我叫")
    end = study.transcripts["A3"].index("有没有用") + 4
    segments.loc[len(segments)] = ["A3", start, end, "low_participation", "coder_c"]  # a quote that names
    masked, segments = mask_study(study, segments)
    table, rule = outputs.select_quotes(segments, masked.transcripts, masked.register, masked.codebook)
    assert table["quote"].str.contains("A3，说实话").any()  # the planted name is in a quotation, masked
    written = "\n".join([
        outputs.interviewee_table(masked.register).to_csv(),
        outputs.code_role_matrix(segments, masked.register, masked.codebook).to_csv(),
        outputs.saturation(segments, masked.register).to_csv(),
        table.to_csv(), *rule.values(),
        outputs.word_frequencies(masked.transcripts, top=1000).to_csv(),
    ])
    register = pd.read_csv(folder / "register.csv", dtype=str)
    assert [n for n in register["name"] if n in written] == []


# ---------------------------------------------------------------- word frequencies

def test_jieba_keeps_governance_terms_and_drops_stop_words():
    found = outputs.chinese_words("我们网格员和党群服务中心一起开居民议事会，说实话这个事情就是比较难。[姓名]")
    assert {"网格员", "党群服务中心", "居民议事会"} <= set(found)
    assert not {"我们", "和", "说实话", "这个", "事情", "就是", "比较", "姓名"} & set(found)
    assert not any(len(w) == 1 for w in found)


def test_word_frequencies_count_and_break_ties_the_same_way():
    transcripts = {
        "B": "网格员入户走访。网格员登记诉求。党群服务中心。",
        "A": "党群服务中心开放。网格员很忙。",
        "C": "The grid worker said the grid was too large. Residents, residents!",
    }
    table = outputs.word_frequencies(transcripts, top=3)
    zh = table[table["language"] == "zh"]
    assert list(zip(zh["word"], zh["count"], zh["interviews"])) == [
        ("网格员", 3, 2), ("党群服务中心", 2, 2), ("入户走访", 1, 1)]  # ties: by interviews, then word
    en = table[table["language"] == "en"]
    assert list(zip(en["word"], en["count"])) == [("grid", 2), ("residents", 2), ("large", 1)]
    assert table.equals(outputs.word_frequencies(dict(reversed(transcripts.items())), top=3))


def test_a_job_using_the_outputs_depends_on_the_dictionary(tmp_path):
    script = tmp_path / "words.py"
    script.write_text("from govsurvey.interviews.outputs import word_frequencies\n")
    names = {Path(f).name for f in library_files(script, Path(outputs.__file__).parents[1])}
    assert {"governance_dict.txt", "stopwords_zh.txt", "roles.yaml"} <= names


# ---------------------------------------------------------------- evidence per construct

def test_evidence_counts_passages_people_and_roles_by_hand():
    # Interview order by date: T3, T1, T2 (not the codes' order).
    register = pd.DataFrame({"code": ["T1", "T2", "T3"], "role": ["居民", "居民", "网格员"],
                             "date": pd.to_datetime(["2024-05-02", "2024-05-03", "2024-05-01"]).date}).set_index("code")
    codebook = {"A": Code("A", {"zh": "甲", "en": "Alpha"}, {"zh": "", "en": ""}, "deductive", "PM", "weakness"),
                "I": _code("I", None),
                "B": Code("B", {"zh": "乙", "en": "Beta"}, {"zh": "", "en": ""}, "inductive", "PW", "strength"),
                "C": _code("C", "PM")}  # fmt: skip
    rows = [
        # A: two coders' overlapping segments in T1 are one passage; a third coder's [8, 12)
        # touches [4, 8) without sharing a character, so it is a second passage
        ("T1", 0, 6, "A", "a"), ("T1", 4, 8, "A", "b"), ("T1", 8, 12, "A", "c"),
        # A in T2 (a second 居民) and T3 (网格员): one passage each -> 4 passages, 3 people, 2 roles
        ("T2", 20, 30, "A", "a"), ("T3", 5, 9, "A", "b"),
        # B: two separate passages in T2 only; a chain of overlaps in T3 is one passage
        ("T2", 0, 5, "B", "a"), ("T2", 40, 45, "B", "a"),
        ("T3", 0, 4, "B", "a"), ("T3", 3, 7, "B", "b"), ("T3", 6, 9, "B", "a"),
        # I: no link, no row, however often it is coded
        ("T1", 0, 12, "I", "a"), ("T2", 0, 12, "I", "a"),
    ]
    segments = pd.DataFrame(rows, columns=["transcript", "start", "end", "code", "coder"])
    table = outputs.evidence(segments, register, codebook)
    assert list(table.columns) == ["construct", "code", "name_zh", "name_en", "kind", "stance", "passages",
                                   "interviewees", "roles", "interviewee_codes"]
    assert table.to_dict("records") == [
        {"construct": "PM", "code": "A", "name_zh": "甲", "name_en": "Alpha", "kind": "deductive",
         "stance": "weakness", "passages": 4, "interviewees": 3, "roles": 2, "interviewee_codes": "T3, T1, T2"},
        {"construct": "PW", "code": "B", "name_zh": "乙", "name_en": "Beta", "kind": "inductive",
         "stance": "strength", "passages": 3, "interviewees": 2, "roles": 2, "interviewee_codes": "T3, T2"},
        {"construct": "PM", "code": "C", "name_zh": "C", "name_en": "C", "kind": "deductive",
         "stance": "neutral", "passages": 0, "interviewees": 0, "roles": 0, "interviewee_codes": ""},
    ]
    empty = outputs.evidence(segments.iloc[:0], register, codebook)  # no coding at all: every row, zeros
    assert list(empty["code"]) == ["A", "B", "C"] and empty["passages"].sum() == 0


def test_word_frequencies_count_only_what_interviewees_said():
    transcripts = {
        # The interviewer says 网格员 five times (one turn running on over an unmarked line);
        # the banner and the header before the first turn name 示例 and 访谈; the answer's second
        # line carries on the answer.
        "A1": "【合成示例材料：非真实访谈】\n访谈对象：A1（网格员）；方式：面谈\n问：网格员网格员的工作怎么样？\n"
              "网格员平时忙吗？\n答：党群服务中心很忙。\n入户走访也多。\n问:网格员呢，网格员？\n答:党群服务中心。\n",
        "A2": "<!-- 示例 -->\nQ: Do grid workers help?\nA: Residents trust the committee.\n",
        "A3": "【示例】\n入户走访，没有标记的记录整篇都算。",  # no turn marked: all of it, but the banner
    }
    table = outputs.word_frequencies(transcripts, top=50)
    zh = dict(zip(table.loc[table["language"] == "zh", "word"], table.loc[table["language"] == "zh", "count"]))
    assert zh["党群服务中心"] == 2 and zh["入户走访"] == 2
    assert not {"网格员", "示例", "访谈", "合成", "材料", "对象", "方式", "工作"} & set(zh)
    en = set(table.loc[table["language"] == "en", "word"])
    assert {"residents", "trust", "committee"} <= en and not {"grid", "workers", "help"} & en
    assert outputs.interviewee_speech("答：好。\n问：为什么？\n答：因为近。") == "好。\n因为近。"
