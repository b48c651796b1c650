"""Coded segments from tables and REFI-QDA projects, the .qdpx round trip, and their errors."""

import zipfile

import pandas as pd
import pytest
from lxml import etree

from govsurvey.errors import InputError
from govsurvey.interviews.coding import XSD, read_coding, read_coding_table, read_qdpx, write_qdpx
from govsurvey.interviews.inputs import read_study
from interviews_helpers import DEMO, copy_demo

KEY = ["transcript", "start", "end", "code", "coder"]


@pytest.fixture(scope="module")
def study():
    return read_study(DEMO)


@pytest.fixture(scope="module")
def segments(study):
    return read_coding(DEMO / "coding", study)


def _sorted(frame):
    return frame[KEY].sort_values(KEY).reset_index(drop=True)


def test_a_table_gives_positions_from_quotes_and_from_start_end(study, segments):
    assert len(segments) == 21 and set(segments["coder"]) == {"coder_a", "coder_b"}
    text = study.transcripts["A1"]
    first = segments.iloc[0]
    assert text[first.start:first.end] == "年轻党员少，很多支部活动还是老同志撑着"
    by_range = segments[(segments["coder"] == "coder_b") & (segments["transcript"] == "A1")].iloc[0]
    assert (by_range.start, by_range.end) == (61, 68) and text[61:68] == "但是年轻党员少"


def test_the_qdpx_round_trip_keeps_every_segment(tmp_path, study, segments):
    path = write_qdpx(tmp_path / "coding.qdpx", study, segments)
    with zipfile.ZipFile(path) as zf:
        qde = etree.fromstring(zf.read("project.qde"))
        assert len([n for n in zf.namelist() if n.startswith("sources/")]) == 3
    assert etree.XMLSchema(etree.parse(str(XSD))).validate(qde)  # the standard's schema, independently applied
    back = read_qdpx(path, study)
    pd.testing.assert_frame_equal(_sorted(back), _sorted(segments))
    again = write_qdpx(tmp_path / "again.qdpx", study, back)
    with zipfile.ZipFile(path) as a, zipfile.ZipFile(again) as b:
        assert a.read("project.qde") == b.read("project.qde")  # deterministic GUIDs


def _project(source_text, code_name="居民参与不足", start=0, end=4, source_name="A3.txt"):
    """A minimal project as a QDA program might write it: nested codes, embedded text."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="hand made">
  <Users><User guid="11111111-1111-1111-1111-111111111111" name="Coder C"/></Users>
  <CodeBook><Codes>
    <Code guid="22222222-2222-2222-2222-222222222222" name="问题" isCodable="false">
      <Code guid="33333333-3333-3333-3333-333333333333" name="{code_name}" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="44444444-4444-4444-4444-444444444444" name="{source_name}">
      <PlainTextContent>{source_text}</PlainTextContent>
      <PlainTextSelection guid="55555555-5555-5555-5555-555555555555" startPosition="{start}" endPosition="{end}">
        <Coding guid="66666666-6666-6666-6666-666666666666" creatingUser="11111111-1111-1111-1111-111111111111">
          <CodeRef targetGUID="33333333-3333-3333-3333-333333333333"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""


def _zip(path, xml):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", xml.encode("utf-8"))
    return path


def test_a_project_from_elsewhere_maps_codes_by_name_and_users_to_coders(tmp_path, study):
    text = study.transcripts["A3"]
    start = text.index("参加过几次议事会")
    path = _zip(tmp_path / "c.qdpx", _project(text, start=start, end=start + 8))
    got = read_qdpx(path, study)
    assert got.to_dict("records") == [
        {"transcript": "A3", "start": start, "end": start + 8, "code": "low_participation", "coder": "Coder C"}]


@pytest.mark.parametrize("spoil, message", [
    (dict(code_name="不存在的编码"), r"selection 5555.*code '不存在的编码' of the project is not in the codebook.*Fix: rename"),
    (dict(start=100, end=999), r"selection 5555.*segment \[100, 999\) lies outside transcript A3.*Fix"),
    (dict(source_name="Z7"), r"selection 5555.*transcript 'Z7' is not in the register.*Fix: use a code"),
])
def test_bad_coding_in_a_project_is_named(tmp_path, study, spoil, message):
    text = study.transcripts["A3"]
    with pytest.raises(InputError, match=message):
        read_qdpx(_zip(tmp_path / "c.qdpx", _project(text, **spoil)), study)


def test_a_project_failing_the_schema_is_refused(tmp_path, study):
    xml = _project(study.transcripts["A3"]).replace(' isCodable="true"', "")  # isCodable is required
    with pytest.raises(InputError, match=r"c\.qdpx: project\.qde fails the REFI-QDA schema at line \d+:.*isCodable.*Fix"):
        read_qdpx(_zip(tmp_path / "c.qdpx", xml), study)


def test_a_project_coded_on_other_text_is_refused(tmp_path, study):
    with pytest.raises(InputError, match=r"source A3\.txt: its text differs from .*A3\.txt from character 0 on"):
        read_qdpx(_zip(tmp_path / "c.qdpx", _project("别的文本" + study.transcripts["A3"])), study)


@pytest.mark.parametrize("row, message", [
    ("A1,,,不在文中的引语,member_ageing,x", r"coder_x\.csv, row 2: the quote is not in transcript A1"),
    ("A1,,,答：,member_ageing,x", r"row 2: the quote occurs more than once in transcript A1.*Fix: quote a longer"),
    ("A1,0,5000,,member_ageing,x", r"row 2: segment \[0, 5000\) lies outside transcript A1"),
    ("A1,0,5,,no_such_code,x", r"row 2: code 'no_such_code' is not in the codebook"),
    ("Q4,0,5,,member_ageing,x", r"row 2: transcript 'Q4' is not in the register"),
])
def test_bad_rows_of_a_table_are_named(tmp_path, study, row, message):
    path = tmp_path / "coder_x.csv"
    path.write_text("transcript,start,end,quote,code,coder\n" + row + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_coding_table(path, study)


def test_the_coding_folder_mixes_tables_and_projects(tmp_path, study, segments):
    folder = copy_demo(tmp_path)
    write_qdpx(folder / "coding" / "coder_a.qdpx", study, segments[segments["coder"] == "coder_a"])
    (folder / "coding" / "coder_a.csv").unlink()
    pd.testing.assert_frame_equal(_sorted(read_coding(folder / "coding", read_study(folder))), _sorted(segments))
