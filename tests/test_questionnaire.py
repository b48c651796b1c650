"""The questionnaire as fielded (appendix): wording, order, options, scale, notes, markdown."""

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pypandoc
import pytest
import yaml

from govsurvey.errors import InputError
from govsurvey.report.questionnaire import questionnaire_markdown as _markdown


def questionnaire_markdown(*args):
    """The questionnaire as a reader sees it (the word joiner that keeps a stem's last two
    characters together is invisible)."""
    return _markdown(*args).replace("\u2060", "")
from govsurvey.report.render import render_chapter
from govsurvey.study.instrument import Demographic, load_instrument
from govsurvey.words import words

ROOT = Path(__file__).resolve().parents[1]
INSTRUMENT = ROOT / "data" / "instruments" / "party_building_governance.yaml"
LIBRARY = ROOT / "tests" / "data" / "library_study" / "instrument.yaml"
STREET = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["streets"]["l_street"]
LANGUAGES = ("zh", "en")


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def library():
    return load_instrument(LIBRARY)


def respondent_part(text, language):
    """What the resident saw: everything above the examiner's note."""
    heading = f"#### {words(language)['questionnaire']['notes_heading']}"
    assert text.count(heading) == 1
    return text.split(heading)[0]


def html_of(text):
    return pypandoc.convert_text(text, "html", format="markdown")


def positions(text, needles):
    found = [text.find(n) for n in needles]
    assert -1 not in found, [n for n, i in zip(needles, found) if i == -1]
    return found


def fielded(instrument):
    """Statement and check codes in the order the matrices placed them, with their wording."""
    wording = {**instrument.items, **{c.code: c for c in instrument.attention_checks}}
    return [(code, wording[code]) for m in instrument.matrices for code in m["rows"]]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("study", ["default", "library"])
def test_every_statement_in_fielded_order_with_its_number(instrument, library, study, language):
    ins, street = (instrument, STREET) if study == "default" else (library, None)
    text = respondent_part(questionnaire_markdown(ins, language, street), language)
    rows = fielded(ins)
    assert sorted(positions(text, [getattr(w, language) for _, w in rows])) == positions(
        text, [getattr(w, language) for _, w in rows])
    first = len(ins.demographics) + 1
    table_rows = re.findall(r"^\| (\d+\.\d+) \| (.+?) \|", text, re.M)
    expected = [(f"{first + m}.{k}", wording) for m, matrix in enumerate(ins.matrices)
                for k, wording in enumerate(matrix["rows"], start=1)]
    assert [(n, w) for n, w in table_rows] == [
        (n, getattr(dict(rows)[code], language)) for n, code in expected]
    for m, matrix in enumerate(ins.matrices):  # each matrix is one question: number and stem head its table
        assert f"| **{first + m}** | **{matrix['stem'][language]}** |" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_attention_check_where_it_was_fielded(instrument, language):
    text = questionnaire_markdown(instrument, language, STREET)
    check = instrument.attention_checks[0]
    before, after = [r for m in instrument.matrices for r in m["rows"] if check.code in m["rows"]][2:5:2]
    wording = {**instrument.items, check.code: check}
    a, b, c = positions(text, [getattr(wording[x], language) for x in (before, check.code, after)])
    assert a < b < c
    assert f"| 11.4 | {getattr(check, language)} |" in text  # third matrix, fourth row
    label = instrument.labels[check.expected][language]
    note = text.split(words(language)["questionnaire"]["notes_heading"])[1]
    assert "11.4" in note and f"“{label}”" in note and f"{check.expected}" in note


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_demographic_with_its_options_in_order(instrument, language):
    text = questionnaire_markdown(instrument, language, STREET)
    q = words(language)["questionnaire"]
    starts = []
    for number, demographic in enumerate(instrument.demographics, start=1):
        question = f"**{q['question'].format(number=number, text=getattr(demographic, language))}**\n\n"
        starts += positions(text, [question])
        line = text[starts[-1] + len(question):].split("\n", 1)[0].removeprefix("\\")  # "\(1)": not a list
        options = instrument.demographic_options(demographic, STREET)
        assert line == q["option_gap"].join(q["option"].format(number=k, text=o[language])
                                             for k, o in enumerate(options, start=1))
    assert starts == sorted(starts)
    communities = [c[language] for c in STREET["communities"]]
    assert all(c in text for c in communities)
    assert starts[-1] < text.find(instrument.matrices[0]["stem"][language])  # background questions first


def test_options_follow_the_street(instrument):
    other = {"communities": [{"zh": "甲社区", "en": "Jia Community"}, {"zh": "乙社区", "en": "Yi Community"}]}
    text = questionnaire_markdown(instrument, "zh", other)
    assert "（1）甲社区\u3000（2）乙社区" in text and STREET["communities"][0]["zh"] not in text
    with pytest.raises(InputError, match="communities"):
        questionnaire_markdown(instrument, "zh")


@pytest.mark.parametrize("language", LANGUAGES)
def test_numeric_demographic_has_a_line_and_its_unit(instrument, language):
    age = Demographic("age", "您的年龄", "Your age", kind="numeric", minimum=18, maximum=99, integer=True,
                      unit={"zh": "岁", "en": "years"})
    changed = dataclasses.replace(instrument, demographics=(age, *instrument.demographics[2:]))
    text = questionnaire_markdown(changed, language, STREET)
    q = words(language)["questionnaire"]
    blank = r"\_" * 8
    answer = f"{blank}岁" if language == "zh" else f"{blank} years"
    assert f"**{q['question'].format(number=1, text=age.zh if language == 'zh' else age.en)}**\n\n{answer}\n" in text
    html = html_of(text)
    assert ("________岁" if language == "zh" else "________ years") in html  # underscores, not emphasis


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("study", ["default", "library"])
def test_scale_labels_once_and_one_answer_column_per_point(instrument, library, study, language):
    ins, street = (instrument, STREET) if study == "default" else (library, None)
    text = questionnaire_markdown(ins, language, street)
    q = words(language)["questionnaire"]
    points = [q["scale_point"].format(point=p, label=ins.labels[p][language]) for p in ins.scale_points]
    assert sorted(positions(text, points)) == positions(text, points)
    assert text.count(points[0]) == 1
    assert text.find(points[-1]) < text.find(ins.matrices[0]["stem"][language])  # shown before the statements
    html = html_of(text)
    assert "<ol" not in html.split("<h4")[0]  # options "(1) Male (2) Female" are text, not a numbered list
    tables = re.findall(r"<table.*?</table>", html, re.S)
    assert len(tables) == len(ins.matrices)
    for table in tables:
        header = re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
        assert header[2:] == [str(p) for p in ins.scale_points]  # 5 or 7 answer columns
        assert len(header) <= 10  # prints at A4 width
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            assert len(cells) == len(header) and all(not c.strip() for c in cells[2:])  # nothing pre-ticked


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("study", ["default", "library"])
def test_codes_and_keys_only_in_the_examiner_note(instrument, library, study, language):
    ins, street = (instrument, STREET) if study == "default" else (library, None)
    text = questionnaire_markdown(ins, language, street)
    shown, note = text.split(f"#### {words(language)['questionnaire']['notes_heading']}")
    codes = [*ins.constructs, *ins.items, *(c.code for c in ins.attention_checks)]
    leaked = [c for c in codes if re.search(rf"(?<![A-Za-z0-9]){c}(?![A-Za-z0-9])", shown)]
    assert not leaked
    assert "(R)" not in shown and "reverse" not in shown.lower() and "反向" not in shown
    for code, construct in ins.constructs.items():
        assert f"{construct.name[language]}（{code}）" in note or f"{construct.name[language]} ({code})" in note
    number = {code: f"{len(ins.demographics) + m + 1}.{k}" for m, matrix in enumerate(ins.matrices)
              for k, code in enumerate(matrix["rows"], start=1)}
    reverse_line = next(line for line in note.splitlines() if ("x" in line and "−" in line) or "原始分" in line)
    listed = re.findall(r"\d+\.\d+", reverse_line)
    assert listed == [number[c] for c in ins.reverse_items]


@pytest.mark.parametrize("language", LANGUAGES)
def test_headings_level_three_or_deeper_and_no_numbered_tables(instrument, language):
    text = questionnaire_markdown(instrument, language, STREET)
    headings = re.findall(r"^(#+) ", text, re.M)
    assert headings and all(len(h) >= 3 for h in headings)
    assert text.startswith(f"### {instrument.title[language]} ")
    assert "{#tbl-" not in text and not re.search(r"^: ", text, re.M)  # no caption, so no table number
    html = html_of(text)
    assert not re.search(r"<h[12][ >]", html) and "<h3" in html and "<h4" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_personal_questions_come_last_and_are_noted(instrument, language):
    text = questionnaire_markdown(instrument, language, STREET)
    shown = respondent_part(text, language)
    last = [q[language] for q in instrument.personal_questions]
    assert positions(shown, last)[0] > shown.rfind("|")
    numbers = [len(instrument.demographics) + len(instrument.matrices) + k + 1 for k in range(len(last))]
    note = text.split(words(language)["questionnaire"]["notes_heading"])[1]
    assert ("第13、14题" if language == "zh" else "Questions 13 and 14") in note and numbers == [13, 14]


def test_intro_from_the_instrument_or_neutral_words(library, tmp_path):
    for language in LANGUAGES:
        assert words(language)["questionnaire"]["intro"] in questionnaire_markdown(library, language)
    data = yaml.safe_load(LIBRARY.read_text(encoding="utf-8"))
    data["intro"] = {"zh": "您好！本问卷用于了解读者对本馆的评价。",
                     "en": "Hello! This survey asks how you find the library."}
    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with_intro = load_instrument(path)
    assert with_intro.intro == data["intro"]
    for language in LANGUAGES:
        text = questionnaire_markdown(with_intro, language)
        assert data["intro"][language] in text
        assert words(language)["questionnaire"]["intro"] not in text


def test_wording_is_printed_literally(library):
    """Markdown characters in the wording (emphasis, cites, tags, pipes) are text, not markup."""
    item = dataclasses.replace(library.items["SQ1"], en="Staff *never* use_the @fig-x <b>bold</b> | $5 ~fee~")
    items = {**library.items, "SQ1": item}
    changed = dataclasses.replace(library, items=items, title={"zh": "问卷", "en": "Survey #1 [draft]"})
    html = html_of(questionnaire_markdown(changed, "en"))
    plain = re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    plain = re.sub(r"\s+", " ", plain)
    assert "Staff *never* use_the @fig-x <b>bold</b> | $5 ~fee~" in plain
    assert "Survey #1 [draft]" in plain
    assert "<em>" not in html and "<strong>never" not in html


def test_chinese_reads_as_chinese_prose(instrument):
    text = questionnaire_markdown(instrument, "zh", STREET)
    prose = [line for line in text.splitlines() if line and not line.startswith("|")]
    generated = [line for line in prose if "答题选项" in line or line.startswith(("- ", "    - "))]
    assert generated
    for line in generated:
        assert not re.search(r"[\u4e00-\u9fff] \d|\d [\u4e00-\u9fff]", line), line  # no space between 字 and digit
        assert not re.search(r"[,;:()]", line.replace("\\_", "")), line  # full-width punctuation
    assert "第9–12题的答题选项：" in text


def test_unknown_language_is_an_input_error(instrument):
    with pytest.raises(InputError, match="'fr'"):
        questionnaire_markdown(instrument, "fr", STREET)


@pytest.mark.parametrize(("study", "language"), [("default", "zh"), ("library", "en")])
def test_renders_to_pdf_under_an_appendix_section(instrument, library, tmp_path, study, language):
    """Through the chapter's own renderer and styles (pandoc + Typst), as the appendix includes it."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not on PATH")
    ins, street = (instrument, STREET) if study == "default" else (library, None)
    (tmp_path / "generated").mkdir()
    shutil.copy(ROOT / "report" / "_quarto.yml", tmp_path / "_quarto.yml")
    shutil.copytree(ROOT / "report" / "styles", tmp_path / "styles")
    (tmp_path / "generated" / "questionnaire.md").write_text(questionnaire_markdown(ins, language, street),
                                                             encoding="utf-8")
    (tmp_path / "chapter.qmd").write_text(
        "---\ntitle: Chapter\n---\n\n# Appendix {#sec-appendix}\n\n## Questionnaire {#sec-questionnaire}\n\n"
        "{{< include generated/questionnaire.md >}}\n", encoding="utf-8")
    out = render_chapter(tmp_path, formats=("pdf",), engine="fallback", lang=language, log=lambda _: None)
    pdf = subprocess.run(["pdftotext", str(out["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", pdf)
    for _, wording in fielded(ins):
        assert re.sub(r"[\s\"']", "", getattr(wording, language)) in re.sub(r"[“”‘’\"']", "", flat)


def test_a_chinese_stem_never_leaves_its_last_character_alone(instrument):
    """'…表明同意程' over '度' in the PDF: a word joiner binds the last two characters."""
    text = _markdown(instrument, "zh", STREET)
    assert "同意程\u2060度" in text
    assert "\u2060" not in _markdown(instrument, "en", STREET)
