"""The default study's shipped (synthetic) interview material: it loads against the real
instrument, fits the brief (ten transcripts of 800–2,000 characters, several roles, every code
used by both coders), gives agreement that is high but not perfect, and masks every name."""

import math

import pytest

from conftest import ROOT
from govsurvey.interviews.agreement import agreement, sentence_units, unit_table
from govsurvey.interviews.coding import read_coding, read_coding_table
from govsurvey.interviews.inputs import read_register, read_study
from govsurvey.interviews.privacy import mask_study, with_quotes
from govsurvey.interviews.stage import interview_results

SHIPPED = ROOT / "data" / "interviews" / "l_street"
HEADER = "【合成示例材料：非真实访谈】"


@pytest.fixture(scope="module")
def constructs(instrument):
    return set(instrument.constructs)


@pytest.fixture(scope="module")
def study(constructs):
    return read_study(SHIPPED, constructs)  # links are checked against the instrument here


@pytest.fixture(scope="module")
def segments(study):
    return read_coding(SHIPPED / "coding", study)


def test_register_and_transcripts_match_one_to_one(study):
    assert sorted(study.transcripts) == sorted(study.register.index)
    assert len(study.transcripts) == 10
    roles = set(study.register["role"])
    assert {"街道干部", "社区书记", "网格员", "居民", "社会组织"} <= roles
    assert (study.register["role"] == "居民").sum() >= 3
    assert all(str(d).startswith(("2026-07", "2026-08")) for d in study.register["date"])
    _, names = read_register(SHIPPED / "register.csv")
    assert sorted(names) == sorted(study.register.index)  # every interviewee has a (fictional) name to mask


def test_every_transcript_is_marked_synthetic_and_of_the_briefed_length(study):
    for code, text in study.transcripts.items():
        assert text.split("\n", 1)[0] == HEADER, code
        assert 800 <= len(text) <= 2000, (code, len(text))
        assert "问：" in text and "答：" in text, code
    assert "非真实访谈" in (SHIPPED / "README.md").read_text(encoding="utf-8")


def test_codebook_covers_each_cause_and_problem_of_the_instrument(study, instrument):
    links = [c.link for c in study.codebook.values() if c.link]
    assert set(links) <= set(instrument.constructs)
    wanted = {k for k, c in instrument.constructs.items() if c.role in ("cause", "problem")}
    assert wanted == {"IN", "OB", "MS", "PM", "PL", "PW", "RI"}
    assert wanted <= set(links)
    assert all(c.link for c in study.codebook.values() if c.kind == "deductive")
    inductive = [c for c in study.codebook.values() if c.kind == "inductive"]
    assert 2 <= len(inductive) <= 3 and not any(c.link for c in inductive)
    assert 12 <= len(study.codebook) <= 15


def test_both_coding_tables_import_and_use_every_code(study, segments):
    for coder in ("coder_a", "coder_b"):
        table = read_coding_table(SHIPPED / "coding" / f"{coder}.csv", study)
        assert set(table["coder"]) == {coder}
        assert set(table["transcript"]) == set(study.transcripts), coder  # both coded every transcript
        assert set(table["code"]) == set(study.codebook), coder
    assert len(segments) == sum(len(read_coding_table(p, study)) for p in (SHIPPED / "coding").glob("*.csv"))


def test_agreement_is_high_but_not_perfect(study, segments):
    units = unit_table(study, segments)
    assert len(units) == len(study.codebook) * sum(len(sentence_units(t)) for t in study.transcripts.values())
    table = agreement(units).set_index("code")
    per_code = table.drop("(all)")
    assert list(per_code.index) == list(study.codebook)
    assert all(not math.isnan(k) for k in per_code["kappa"])
    # Two coders who agree on most but not all segments: every κ in Landis & Koch's moderate to
    # almost-perfect range, none perfect (the material is meant to show disagreement).
    assert per_code["kappa"].between(0.4, 0.95).all(), per_code["kappa"].round(3).to_dict()
    overall = table.loc["(all)"]
    assert 0.667 <= overall["alpha"] < 0.9 and 0.6 <= overall["kappa"] < 0.9


def test_masking_removes_every_register_name(study, segments):
    names = list(study.names.values())
    raw = "\n".join(study.transcripts.values())
    planted = [n for n in names if n in raw]
    assert len(planted) >= 5  # the material exercises masking, so this test can fail
    masked, moved = mask_study(study, segments)
    quotes = "\n".join(with_quotes(masked, moved)["quote"])
    for text in [*masked.transcripts.values(), quotes]:
        assert not [n for n in names if n in text]
    assert "H社区的A2书记" in masked.transcripts["A1"]  # a name becomes its interviewee's code
    assert masked.transcripts["A5"].count("A4") == study.transcripts["A5"].count("刘晓静")


def test_each_linked_code_has_its_stance(study):
    stances = {c.code: c.stance for c in study.codebook.values()}
    assert stances == {
        "PL_nominal": "weakness", "PL_vanguard": "strength", "PW_low": "weakness", "RI_fragmented": "weakness",
        "RI_coconstruction": "neutral", "IN_two_skins": "weakness", "IN_embedding": "strength",
        "OB_ageing": "weakness", "OB_disclosure": "neutral", "MS_joint_meeting": "neutral",
        "MS_buckpassing": "weakness", "PM_contact": "neutral",
        "grid_burden": "neutral", "feedback_loop": "neutral", "online_channels": "neutral"}


def _passages_by_overlap(ranges):
    """Independent count of passages: connected groups of [start, end) ranges that share a
    character, found by joining every overlapping pair (not the sweep outputs.passages uses)."""
    group = list(range(len(ranges)))

    def root(i):
        while group[i] != i:
            i = group[i]
        return i

    for i, (s1, e1) in enumerate(ranges):
        for j, (s2, e2) in enumerate(ranges[:i]):
            if s1 < e2 and s2 < e1:
                group[root(i)] = root(j)
    return len({root(i) for i in range(len(ranges))})


@pytest.fixture(scope="module")
def results(constructs):
    return interview_results(SHIPPED, constructs=constructs, log=lambda *_: None)


def test_evidence_of_the_shipped_study_agrees_with_its_segments(results, study):
    table, segments = results["evidence"], results["segments"]
    linked = [c.code for c in study.codebook.values() if c.link]
    assert list(table["code"]) == linked and len(linked) == 12
    assert list(table["construct"]) == [study.codebook[c].link for c in linked]
    order = list(results["interviewees"]["code"])  # interview order
    role_of = dict(zip(results["interviewees"]["code"], results["interviewees"]["role"]))
    for row in table.itertuples(index=False):
        mine = segments[segments["code"] == row.code]
        count = sum(_passages_by_overlap(list(zip(g["start"], g["end"]))) for _, g in mine.groupby("transcript"))
        who = [c for c in order if c in set(mine["transcript"])]
        assert (row.passages, row.interviewees, row.roles, row.interviewee_codes) == (
            count, len(who), len({role_of[c] for c in who}), ", ".join(who)), row.code
        assert row.stance == study.codebook[row.code].stance
    # Two coders coded most answers alike, so passages are fewer than segments but more than none.
    assert 0 < table["passages"].sum() < len(segments[segments["code"].isin(linked)])


def test_word_frequencies_leave_out_the_banner_header_and_questions(results):
    words = set(results["word_frequencies"]["word"])
    assert "社区" in words
    # Only the banner (合成示例材料：非真实访谈) and the header (访谈对象：…；方式：…) hold these.
    assert not {"合成", "示例", "材料", "真实", "访谈", "对象", "方式"} & words
