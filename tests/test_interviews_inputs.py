"""Interview inputs: transcripts (.txt, .md, .docx), register and codebook, and their errors."""

import docx
import pytest

from govsurvey.errors import InputError
from govsurvey.interviews.inputs import read_codebook, read_study, read_transcript
from interviews_helpers import CONSTRUCTS, DEMO, copy_demo


def test_the_synthetic_study_reads():
    study = read_study(DEMO, CONSTRUCTS)
    assert list(study.transcripts) == ["A1", "A2", "A3"]
    assert study.register.loc["A1", "role"] == "社区书记"
    assert study.register["duration_min"].tolist() == [52, 38, 27]
    assert "name" not in study.register.columns  # names stay out of the table, kept only for masking
    assert study.names["A2"] == "王样本"
    assert study.codebook["member_ageing"].link == "OB"
    assert study.codebook["transparency"].kind == "inductive"
    assert study.transcripts["A2"].startswith("<!-- 合成示例")


def test_docx_and_crlf_transcripts_read_as_the_same_text(tmp_path):
    text = read_transcript(DEMO / "transcripts" / "A1.txt")
    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    document.save(tmp_path / "A1.docx")
    (tmp_path / "A1.txt").write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig"))
    assert read_transcript(tmp_path / "A1.docx") == text
    assert read_transcript(tmp_path / "A1.txt") == text


def test_a_transcript_without_register_entry_is_named(tmp_path):
    folder = copy_demo(tmp_path)
    (folder / "transcripts" / "B9.txt").write_text("答：没有登记。", encoding="utf-8")
    with pytest.raises(InputError, match=r"B9\.txt: transcript B9 has no entry in .*register\.csv.*Fix: add a row"):
        read_study(folder)


def test_a_register_row_without_consent_is_named(tmp_path):
    folder = copy_demo(tmp_path)
    path = folder / "register.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("电话,是", "电话,否"), encoding="utf-8")
    with pytest.raises(InputError, match=r"register\.csv, row 4: interviewee A3 has no recorded consent.*Fix"):
        read_study(folder)


def test_an_unknown_link_is_named(tmp_path):
    folder = copy_demo(tmp_path)
    path = folder / "codebook.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("link: PW", "link: XX"), encoding="utf-8")
    with pytest.raises(InputError, match=r"codes\[2\] \(low_participation\): link 'XX' is no construct.*Fix: link to one of"):
        read_codebook(path, CONSTRUCTS)
    assert read_codebook(path)["low_participation"].link == "XX"  # without an instrument, links are not checked


def test_the_codebook_schema_names_a_missing_key(tmp_path):
    folder = copy_demo(tmp_path)
    path = folder / "codebook.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    kind: inductive\n", ""), encoding="utf-8")
    with pytest.raises(InputError, match=r"codes/4.*'kind' is a required property"):
        read_codebook(path)


def test_a_codes_stance_defaults_to_neutral_and_a_wrong_one_is_named(tmp_path):
    folder = copy_demo(tmp_path)
    path = folder / "codebook.yaml"
    assert {c.stance for c in read_codebook(path).values()} == {"neutral"}  # the demo sets none
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("link: OB", "link: OB\n    stance: weakness")
                    .replace("link: PM", "link: PM\n    stance: strength"), encoding="utf-8")
    codebook = read_codebook(path)
    assert [codebook[c].stance for c in ("member_ageing", "unresolved_demands", "cell_coverage")] == [
        "weakness", "strength", "neutral"]
    path.write_text(text.replace("link: PW", "link: PW\n    stance: weak"), encoding="utf-8")
    with pytest.raises(InputError, match=r"codebook\.yaml, codes\[2\] \(low_participation\): stance 'weak' is not "
                                         r"allowed\. Fix: write one of weakness, strength, neutral"):
        read_codebook(path)
