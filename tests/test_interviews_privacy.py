"""Personal data planted in a transcript and in a .qdpx survives in none of the package's outputs."""

import re
import zipfile

import pandas as pd

from govsurvey.interviews.coding import read_coding, write_qdpx
from govsurvey.interviews.inputs import read_study
from govsurvey.interviews.outputs import select_quotes
from govsurvey.interviews.privacy import mask_study, mask_text, surname_pattern, with_quotes
from interviews_helpers import copy_demo

PLANTED = ["李示例", "王样本", "孙测名", "13812345678", "139-1234-5678", "0551-62345678", "11010519491231002X",
           "370602800101123", "test.person@example.com", "幸福路18号", "幸福", "阳光小区3栋2单元401室", "401室"]
PASSAGE = ("答：王样本说，有事打他手机139-1234-5678，或者座机0551-62345678。孙测名的身份证11010519491231002X，"
           "老证370602800101123，邮箱 test.person@example.com。他住在幸福路18号，后来搬到阳光小区3栋2单元401室。\n")


def test_masking_replaces_each_kind_and_keeps_positions():
    masked = mask_text("我是李示例，住在幸福路18号。", {"李示例": "A1"})
    assert masked.text == "我是A1，住在[地址]。"
    assert masked.position(8) == masked.text.index("[地址]")  # a start inside a masked value takes the token
    assert masked.position(15) == len(masked.text)


def test_nothing_planted_survives_in_the_outputs(tmp_path):
    folder = copy_demo(tmp_path)
    a2 = folder / "transcripts" / "A2.md"
    a2.write_text(a2.read_text(encoding="utf-8") + PASSAGE, encoding="utf-8")
    study = read_study(folder)
    text = study.transcripts["A2"]
    start = text.index("答：王样本说")
    # The planted passage reaches the package also through a REFI-QDA project that codes it.
    coding = folder / "coding"
    (coding / "coder_b.csv").unlink()
    planted = pd.DataFrame([("A2", start, start + len(PASSAGE) - 1, "unresolved_demands", "coder_c")],
                           columns=["transcript", "start", "end", "code", "coder"])
    write_qdpx(coding / "coder_c.qdpx", study, planted)
    with zipfile.ZipFile(coding / "coder_c.qdpx") as zf:
        assert any("13812345678" in zf.read(n).decode() or "139-1234-5678" in zf.read(n).decode() for n in zf.namelist())
    segments = read_coding(coding, study)

    masked, moved = mask_study(study, segments, extra_names=["孙测名"])
    out = tmp_path / "results"
    out.mkdir()
    with_quotes(masked, moved).to_csv(out / "segments.csv", index=False)
    masked.register.to_csv(out / "interviewees.csv")
    for code, body in masked.transcripts.items():
        (out / f"{code}.txt").write_text(body, encoding="utf-8")
    write_qdpx(out / "coding.qdpx", masked, moved)
    with zipfile.ZipFile(out / "coding.qdpx") as zf:
        zf.extractall(out / "unzipped")

    written = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file() and p.suffix != ".qdpx")
    survivors = [value for value in PLANTED if value in written]
    assert survivors == []
    assert "A2说" in written and "[电话]" in written and "[地址]" in written  # masked, by code and token
    quote = with_quotes(masked, moved).query("coder == 'coder_c'")["quote"].iloc[0]
    assert quote.startswith("答：A2说") and quote.endswith("[地址]。")  # the segment still spans the passage


def test_a_listed_surname_with_a_title_or_lao_xiao_is_masked():
    names = {"王样本": "A2", "欧阳明": None, "方雅琴": None, "Smith": None}
    text = ("王书记和王副主任说，老王说过；小王。欧阳经理来了，老欧阳的车。方姐问老方法好不好。"
            "赵书记来了，老师说，老王家就在这儿。")
    masked = mask_text(text, names).text
    assert masked == ("[姓名]和[姓名]说，[姓名]说过；[姓名]。[姓名]来了，[姓名]的车。[姓名]问老方法好不好。"
                      "赵书记来了，老师说，老王家就在这儿。")  # 赵 is listed nowhere; 老师, 老方法, 老王家 stay
    assert mask_text("欧经理", names).text == "欧经理"  # 欧阳明's surname is 欧阳, not 欧
    assert surname_pattern(["Smith", "王", "王样本示例五"]) is None  # only names of 2 to 4 Han characters


def test_planted_surname_forms_leave_transcripts_and_quotes(tmp_path):
    folder = copy_demo(tmp_path)
    a3 = folder / "transcripts" / "A3.txt"
    # 李 and 王 are register surnames (李示例, 王样本), 孙 a configured name's (孙测名); 钱 is nobody's.
    planted = "答：王书记和李阿姨都来过，老王说会解决，孙主任也说了，小孙。钱书记没来，老师们也没来。\n"
    a3.write_text(a3.read_text(encoding="utf-8") + planted, encoding="utf-8")
    study = read_study(folder)
    segments = read_coding(folder / "coding", study)
    start = study.transcripts["A3"].index("答：王书记")
    segments.loc[len(segments)] = ["A3", start, start + len(planted) - 1, "cell_coverage", "coder_c"]  # A3 has none else
    masked, moved = mask_study(study, segments, extra_names=["孙测名"])
    quotes = with_quotes(masked, moved)
    quote = quotes.query("coder == 'coder_c'")["quote"].iloc[0]
    assert quote == "答：[姓名]和[姓名]都来过，[姓名]说会解决，[姓名]也说了，[姓名]。钱书记没来，老师们也没来。"
    table, _ = select_quotes(moved, masked.transcripts, masked.register, masked.codebook, per_code=10)
    for text in [*masked.transcripts.values(), *quotes["quote"], *table["quote"]]:
        assert not re.search("王书记|李阿姨|老王|孙主任|小孙", text), text
    assert "钱书记" in masked.transcripts["A3"] and quote in table["quote"].tolist()
