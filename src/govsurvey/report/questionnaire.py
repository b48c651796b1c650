"""The questionnaire as fielded, for the chapter's appendix, generated from the instrument.

Questions are numbered as the exports number them (synthetic.population.question_headers): the
demographics one by one, then each matrix of agreement statements (attention checks where the
matrix placed them) as one numbered question, then the optional personal-data questions. The
respondent's part holds wording only; construct codes, reverse keys and the expected answer of
the checks go in a closing note for the examiner.
"""

import re
from pathlib import Path

from govsurvey.report.tables import display_width
from govsurvey.words import words

BLANK = r"\_" * 8  # a line to write an answer on (escaped: bare underscores are emphasis)
# Characters pandoc's markdown would read as markup (emphasis, links, math, cites, raw HTML).
_MARKUP = re.compile(r"([\\`*_\[\]<>|@$~^#])")
# Pipe-table dashes per column; their sum exceeds pandoc's 72 columns, so the shares are kept.
NUMBER_DASHES, POINT_DASHES, LINE_DASHES = 7, 4, 88


def questionnaire_markdown(instrument, language, street=None):
    """The full questionnaire in `language` ("zh" or "en") as markdown for the appendix.

    `street` (a streets.<id> config entry) supplies the options of demographics that take them
    from the street (its communities). Headings are level 3 and 4 and unnumbered; the tables of
    statements carry no caption, so they take no table number. InputError for an unknown
    language, or a street without the communities a demographic needs."""
    w = words(language)
    q = w["questionnaire"]
    blocks = [f"### {_md(instrument.title[language])} {{.unnumbered}}",
              _md((instrument.intro or {}).get(language) or q["intro"])]

    number = 0
    for demographic in instrument.demographics:
        number += 1
        blocks.append(_demographic(instrument, demographic, number, language, street))

    # Every matrix shows the same answer scale: its labels once, its numbers as table columns.
    first = number + 1
    numbers = f"{first}–{first + len(instrument.matrices) - 1}" if len(instrument.matrices) > 1 else f"{first}"
    points = q["scale_join"].join(q["scale_point"].format(point=p, label=instrument.labels[p][language])
                                  for p in instrument.scale_points)
    blocks.append(_md(q["scale"].format(questions=_questions(w, numbers, len(instrument.matrices)), points=points)))
    wording = dict(instrument.items)
    wording.update({check.code: check for check in instrument.attention_checks})
    rows = {}  # statement code -> its number on the questionnaire ("9.4"), for the note
    for matrix in instrument.matrices:
        number += 1
        for k, code in enumerate(matrix["rows"], start=1):
            rows[code] = q["row"].format(question=number, row=k)
        statements = [(rows[c], getattr(wording[c], language)) for c in matrix["rows"]]
        blocks.append(_matrix(instrument, number, matrix["stem"][language], statements))

    personal = []
    for question in instrument.personal_questions:
        number += 1
        personal.append(number)
        blocks.append(_question(q, number, question[language]) + "\n\n" + BLANK)

    blocks.append(_notes(instrument, language, rows, personal))
    return "\n\n".join(blocks) + "\n"


def _md(text):
    """Instrument wording as literal markdown text (quotes stay, for pandoc's smart quotes)."""
    return _MARKUP.sub(r"\\\1", str(text))


def _question(q, number, text):
    return f"**{q['question'].format(number=number, text=_md(text))}**"


def _questions(w, numbers, n):
    """'Question 9' / 'Questions 9–12' / '第9–12题'."""
    return w["questionnaire"]["question_numbers"][n != 1].format(numbers=numbers)


def _demographic(instrument, demographic, number, language, street):
    """The question in bold, then on the next line its options numbered as fielded (or, for a
    number, a line to write on with its unit)."""
    q = words(language)["questionnaire"]
    if demographic.numeric:
        unit = (demographic.unit or {}).get(language)
        answer = q["answer_unit"].format(blank=BLANK, unit=_md(unit)) if unit else BLANK
    else:
        options = instrument.demographic_options(demographic, street)
        answer = q["option_gap"].join(q["option"].format(number=k, text=_md(option[language]))
                                      for k, option in enumerate(options, start=1))
    # The options in a paragraph of their own (a line break would let Word stretch the question
    # over a justified line); "(1) …" opening a paragraph would be a list, so its "(" is escaped.
    answer = "\\" + answer if answer.startswith("(") else answer
    return _question(q, number, getattr(demographic, language)) + "\n\n" + answer


def _matrix(instrument, number, stem, statements):
    """One matrix question as a pipe table: its number and stem head the columns of statement
    numbers and statements (so that a page break cannot part the stem from its statements),
    then one empty answer column per scale point. No caption, so it takes no table number."""
    points = [str(p) for p in instrument.scale_points]
    # a word joiner between the last two characters: a wrapped stem never leaves one alone on its line
    if len(stem) > 2 and all("\u3400" <= c <= "\u9fff" for c in stem[-2:]):
        stem = stem[:-1] + "\u2060" + stem[-1]
    header = [f"**{number}**", f"**{_md(stem)}**", *points]
    number_dashes = max(NUMBER_DASHES, max(display_width(n) for n, _ in statements) + 3)
    text_dashes = max(LINE_DASHES - number_dashes - POINT_DASHES * len(points), 20)
    rule = [":" + "-" * (number_dashes - 1), ":" + "-" * (text_dashes - 1)]
    rule += [":" + "-" * (POINT_DASHES - 2) + ":"] * len(points)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    lines += [f"| {number} | {_md(text)} |" + "   |" * len(points) for number, text in statements]
    return "\n".join(lines)


def _notes(instrument, language, rows, personal):
    """What the examiner needs and the respondent did not see: constructs, keys, checks."""
    w = words(language)
    q = w["questionnaire"]
    source = Path(instrument.source).name or instrument.id
    lines = [f"- {_md(q['notes_source'].format(source=source))}", f"- {q['notes_constructs']}"]
    for code, construct in instrument.constructs.items():
        listed = w["join"]([rows[c] for c, item in instrument.items.items() if item.construct == code])
        lines.append("    - " + _md(q["notes_construct"].format(name=construct.name[language], code=code, rows=listed)))
    reverse = [rows[code] for code in instrument.items if instrument.items[code].reverse]
    if reverse:
        lines.append("- " + _md(q["notes_reverse"].format(rows=w["join"](reverse))))
    for check in instrument.attention_checks:
        label = instrument.labels[check.expected][language]
        lines.append("- " + _md(q["notes_check"].format(row=rows[check.code], label=label, point=check.expected)))
    if personal:
        numbers = w["join"]([str(n) for n in personal])
        lines.append("- " + _md(q["notes_personal"].format(questions=_questions(w, numbers, len(personal)))))
    return f"#### {q['notes_heading']} {{.unnumbered}}\n\n" + "\n".join(lines)
