"""Issue 16, items 1 and 2: no personal value passes ingest in a free-text or metadata column, and
no error message (nor the log it lands in) quotes one.

The workflow-level test copies the shipped L Street export, plants personal values in every
free-text and metadata column, adds one broken copy per error path that quotes a cell, runs the
stages the paths need in one Snakemake call (-k), and greps everything under results/ and
.snakemake/log for the planted values.
"""

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import ROOT, quiet, workflow_config
from govsurvey.errors import InputError
from govsurvey.ingest import ingest_export
from govsurvey.io import write_json, write_table
from govsurvey.paths import stage_files
from govsurvey.screening import screen
from govsurvey.synthetic.exports import write_export
from govsurvey.synthetic.population import DEFAULT_STREET
from test_privacy import _leaks

SHIPPED_CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
L_STREET = SHIPPED_CONFIG["streets"]["l_street"]
SHIPPED = ROOT / L_STREET["raw_export"]

# What the issue names: a name beside a landline, a WeChat handle, a 15-digit ID, an 18-digit
# ID with a wrong check digit, an e-mail, a mobile, an IP, an address; and more landline shapes.
PLANTED = [
    "张三丰 0543-3212345",
    "微信:黄蓉",
    "370602800101123",
    "110101199003071234",
    "huang.rong@example.cn",
    "13912345678",
    "61.132.163.68",
    "安徽省合肥市蜀山区黄山路88号",
    "(0551)62345678",
    "021 12345678",
    "黄河社区 张三 110101199003071234",
]
# Parts that identify on their own, and the numbers without their separators.
NEEDLES = PLANTED + ["张三丰", "黄蓉", "黄山路88号", "05433212345", "055162345678", "02112345678"]


# ---------------------------------------------------------------- masking in messages (unit level)


def _error(tmp_path, simulated, instrument, header_part, value, row=3):
    """The InputError of an export whose cell (row, column containing header_part) holds value."""
    path = write_export(simulated, instrument, tmp_path / "export.xlsx", "wenjuanxing_text_xlsx").path
    book = openpyxl.load_workbook(path)
    sheet = book.active
    column = next(c.column for c in sheet[1] if header_part in str(c.value))
    sheet.cell(row=row, column=column, value=value)
    book.save(path)
    with pytest.raises(InputError) as error:
        ingest_export(path, instrument, DEFAULT_STREET, "salt", log=quiet)
    return str(error.value)


@pytest.mark.parametrize(
    "header, value, kind",
    [
        ("党建活动与解决", "黄河社区 张三 110101199003071234", "ID-card-like numbers"),
        ("党建活动与解决", "370602800101123", "15-digit ID-card numbers"),
        ("党建活动与解决", "110101199003071235", "ID-card-like numbers"),
        ("所在的社区", "0543-3212345", "landline numbers"),
        ("所在的社区", "张三丰 (0551)62345678", "landline numbers / names next to contact or ID data"),
        ("性别", "微信:黄蓉", "WeChat/QQ handles"),
        ("性别", "安徽省合肥市蜀山区黄山路88号", "street addresses"),
        ("所用时间", "021 12345678", "landline numbers"),
        ("序号", "13912345678", "phone numbers"),
        ("序号", "110101199003071234", "ID-card-like numbers"),
    ],
)
def test_an_error_quoting_a_personal_cell_masks_it_and_names_its_kind(tmp_path, simulated, instrument, header,
                                                                        value, kind):  # fmt: skip
    text = _error(tmp_path, simulated, instrument, header, value)
    assert f"<{kind}" in text and "hidden>" in text, text
    for part in [value, *value.split()]:
        assert part not in text, text


def test_a_record_number_that_is_an_id_number_never_passes(tmp_path, simulated, instrument):
    """A record column holding ID numbers would put them in every result: an error, masked."""
    path = write_export(simulated, instrument, tmp_path / "export.xlsx", "wenjuanxing_text_xlsx").path
    book = openpyxl.load_workbook(path)
    sheet = book.active
    for row in range(2, sheet.max_row + 1):  # all whole numbers, all distinct: only the pattern stops them
        sheet.cell(row=row, column=1, value=f"3706028001011{row:02d}")
    book.save(path)
    with pytest.raises(InputError, match="looks like personal data") as error:
        ingest_export(path, instrument, DEFAULT_STREET, "salt", log=quiet)
    assert "370602800101102" not in str(error.value) and "<15-digit ID-card numbers: hidden>" in str(error.value)


def test_screening_masks_a_submission_time_it_cannot_read(instrument, simulated):
    responses = simulated[instrument.item_codes].astype(float).assign(
        record=range(1, len(simulated) + 1), submitted_at="2026-09-03 12:00:00")
    responses.loc[4, "submitted_at"] = "张三丰 0543-3212345"
    settings = SHIPPED_CONFIG["screening"]
    with pytest.raises(InputError) as error:
        screen(responses, instrument, settings, "responses.parquet")
    assert "张三丰" not in str(error.value) and "3212345" not in str(error.value)
    assert "<landline numbers / names next to contact or ID data: hidden>" in str(error.value)


# ---------------------------------------------------------------- free-text metadata (unit level)


def test_free_text_metadata_never_passes_ingest(tmp_path, simulated, instrument):
    """来源 / 来源详情 holding a name and a landline (no mobile, e-mail, IP or valid ID) were kept verbatim."""
    path = write_export(simulated, instrument, tmp_path / "export.xlsx", "wenjuanxing_text_xlsx").path
    book = openpyxl.load_workbook(path)
    sheet = book.active
    headers = {c.value: c.column for c in sheet[1]}
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=headers["来源"], value="微信" if row % 2 else "张三丰 0543-3212345")
        sheet.cell(row=row, column=headers["来源详情"], value="直接访问" if row % 2 else "微信:黄蓉")
    book.save(path)
    table, report = ingest_export(path, instrument, DEFAULT_STREET, "salt", log=quiet)
    out = tmp_path / "results"
    write_table(table, out / "responses.parquet", out / "responses.csv")
    write_json(report, out / "ingest_report.json")
    assert _leaks(out, NEEDLES) == []
    assert not {"source", "source_detail"} & set(table.columns)
    dropped = {d["column"]: d for d in report["columns_dropped_personal"]}
    assert dropped["来源"]["kind"] == "pattern" and dropped["来源"]["found"] == {"landline": 6, "name": 6}
    assert dropped["来源详情"]["found"] == {"handle": 6}
    assert dropped["来源"]["reason"] == (
        "values look like landline numbers (6 of 12), names next to contact or ID data (6 of 12)")


def test_unused_metadata_is_left_behind_and_reported_without_its_values(tmp_path, simulated, instrument):
    """Even harmless-looking free text (a channel, a referrer) is not carried: a keep-list, not a drop-list."""
    path = write_export(simulated, instrument, tmp_path / "export.xlsx", "wenjuanxing_text_xlsx").path
    table, report = ingest_export(path, instrument, DEFAULT_STREET, "salt", log=quiet)
    assert list(table.columns[:4]) == ["record", "submitted_at", "duration_s", "ip_hash"]
    assert set(table.columns) - {"record", "submitted_at", "duration_s", "ip_hash"} <= (
        set(instrument.item_codes) | {c.code for c in instrument.attention_checks}
        | {d.code for d in instrument.demographics})  # fmt: skip
    assert report["columns_dropped_unused"] == [
        {"column": "来源", "kind": "unused", "what": "source", "reason": "metadata (source) the analysis does not read"},
        {"column": "来源详情", "kind": "unused", "what": "source_detail",
         "reason": "metadata (source_detail) the analysis does not read"},
    ]  # fmt: skip


# ---------------------------------------------------------------- the workflow (closing test)


def _plant(sheet, first_data_row=2):
    """Personal values in every free-text and metadata column of a Wenjuanxing sheet, plus the
    columns a Wenjuanxing export may add (用户ID, 总分, 答题序号) and a free-text column (备注)."""
    headers = {str(c.value): c.column for c in sheet[1]}
    width = sheet.max_column
    for offset, header in enumerate(("用户ID", "总分", "答题序号", "备注"), start=1):
        sheet.cell(row=1, column=width + offset, value=header)
        headers[header] = width + offset
    free_text = ["来源", "来源详情", "备注", "总分", "答题序号"]
    free_text += [h for h in headers if "姓名" in h or "联系电话" in h]
    n = len(PLANTED)
    for row in range(first_data_row, sheet.max_row + 1):
        k = row - first_data_row
        for shift, header in enumerate(free_text):
            sheet.cell(row=row, column=headers[header], value=PLANTED[(k + shift) % n])
        sheet.cell(row=row, column=headers["用户ID"], value=f"{PLANTED[k % n]}-{k}")  # unique: hashed, not a duplicate
        if k % 5 == 0:
            sheet.cell(row=row, column=headers["来自IP"], value="61.132.163.68(安徽-合肥)")
    return headers


def _workbook(path, edit=None):
    """The shipped L Street export with personal values planted; `edit(sheet, headers)` breaks it."""
    book = openpyxl.load_workbook(SHIPPED)
    sheet = book.active
    headers = _plant(sheet)
    if edit:
        edit(sheet, headers)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return book


def _cell(header_part, value, row=5):
    def edit(sheet, headers):
        column = next(j for h, j in headers.items() if header_part in h)
        sheet.cell(row=row, column=column, value=value)

    return edit


def _rows(book):
    return [[("" if c is None else str(c)) for c in row] for row in book.active.iter_rows(values_only=True)]


def _csv(path, book, delimiter=",", encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding, errors="replace") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(_rows(book))


def _second_sheet(path):
    book = _workbook(path)
    data = book.active
    data.title = "数据"
    cover = book.create_sheet("说明", 0)
    cover["A1"] = "L街道问卷导出"
    book.active = 0
    book.save(path)


def _columns(item_parts, edit):
    def change(sheet, headers):
        columns = [next(j for h, j in headers.items() if part in h) for part in item_parts]
        for row in range(2, sheet.max_row + 1):
            edit(sheet, row, columns)

    return change


# street id -> (how its export is made, the error it must give (None: runs clean), targets)
ITEM = "党建活动与解决"
CASES = {
    "ok": (lambda p: _workbook(p), None, ["clean"]),
    "e_item": (lambda p: _workbook(p, _cell(ITEM, "黄河社区 张三 110101199003071234")), "ID-card-like numbers", ["ingest"]),
    "e_item_id15": (lambda p: _workbook(p, _cell(ITEM, "370602800101123")), "15-digit ID-card numbers", ["ingest"]),
    "e_handle": (lambda p: _workbook(p, _cell(ITEM, "微信:黄蓉")), "WeChat/QQ handles", ["ingest"]),
    "e_community": (lambda p: _workbook(p, _cell("所在的社区", "张三丰 0543-3212345")), "landline numbers", ["ingest"]),
    "e_gender": (lambda p: _workbook(p, _cell("性别", "huang.rong@example.cn")), "e-mail addresses", ["ingest"]),
    "e_duration": (lambda p: _workbook(p, _cell("所用时间", "(0551)62345678")), "landline numbers", ["ingest"]),
    # an unreadable submission time stops ingest, and the error quotes it masked
    "e_submitted": (lambda p: _workbook(p, _cell("提交答卷时间", "安徽省合肥市蜀山区黄山路88号")), "street addresses",
                    ["ingest"]),
    "e_record": (lambda p: _workbook(p, _cell("序号", "13912345678")), "phone numbers", ["ingest"]),
    "e_record_id": (lambda p: _workbook(p, _cell("序号", "110101199003071234")), "ID-card-like numbers", ["ingest"]),
    # the other error paths of bad input: a Big5 csv (refused), the data on a second sheet and
    # semicolons (read); a zero-variance item and two identical item columns (measure refuses)
    "e_big5": (lambda p: _csv(p, _workbook(p.with_suffix(".xlsx")), encoding="big5"), "", ["ingest"]),
    "e_sheet": (_second_sheet, "", ["ingest"]),
    "e_semicolon": (lambda p: _csv(p, _workbook(p.with_suffix(".xlsx")), delimiter=";"), "", ["ingest"]),
    "e_constant": (lambda p: _workbook(p, _columns([ITEM], lambda s, r, c: s.cell(row=r, column=c[0], value="同意"))),
                   "", ["measure"]),
    "e_twins": (lambda p: _workbook(p, _columns([ITEM, "党组织工作贯穿"], lambda s, r, c: s.cell(
        row=r, column=c[1], value=s.cell(row=r, column=c[0]).value))), "", ["measure"]),
}
SUFFIX = {"e_big5": ".csv", "e_semicolon": ".csv"}


@pytest.mark.slow
def test_no_planted_value_reaches_results_or_logs_on_any_path(tmp_path):
    work = tmp_path
    exports = {}
    for street_id, (make, _, _) in CASES.items():
        path = work / "data" / "raw" / street_id / f"export{SUFFIX.get(street_id, '.xlsx')}"
        path.parent.mkdir(parents=True)
        make(path)
        exports[street_id] = path
    config = workflow_config(work, "ok", L_STREET, exports["ok"])
    street = {k: v for k, v in L_STREET.items() if k != "format"}  # auto: the broken files are not all xlsx
    config["streets"] = {s: {**street, "raw_export": str(p.relative_to(work))} for s, p in exports.items()}
    (work / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    targets = [f for s, (_, _, stages) in CASES.items() for stage in stages for f in stage_files(stage, s).values()]
    result = subprocess.run(
        [str(Path(sys.executable).parent / "snakemake"), "--snakefile", str(ROOT / "Snakefile"),
         "--directory", str(work), "--configfile", str(work / "config.yaml"), "--cores", "2", "-k", *targets],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    logs = {s: (work / "results" / s / "logs" / f"{CASES[s][2][0]}.log") for s in CASES}
    assert (work / "results" / "ok" / "clean" / "scored.parquet").exists(), result.stderr[-3000:]
    for street_id, (_, kind, _) in CASES.items():
        if kind:  # the error names what it hid
            text = logs[street_id].read_text(encoding="utf-8")
            assert "ERROR: " in text and f"<{kind}" in text, (street_id, text)
    # the leaks: every file the run wrote (results, logs, Snakemake's own log), and its console
    written = [work / "results", work / ".snakemake" / "log"]
    assert list((work / ".snakemake" / "log").glob("*.log"))
    found = [leak for folder in written for leak in _leaks(folder, NEEDLES)]
    found += [f"console: {v}" for v in NEEDLES if v in result.stdout + result.stderr]
    assert found == []
    shutil.rmtree(work / "data")


def test_the_chapter_names_the_columns_left_behind_and_every_kind_in_its_language(tmp_path, simulated, instrument):
    from govsurvey.report.tables import provenance
    from test_chapter_text import StubChapter

    path = write_export(simulated, instrument, tmp_path / "export.xlsx", "wenjuanxing_text_xlsx").path
    book = openpyxl.load_workbook(path)
    sheet = book.active
    column = next(c.column for c in sheet[1] if c.value == "来源详情")
    sheet.cell(row=2, column=column, value="张三丰 0543-3212345")
    book.save(path)
    _, report = ingest_export(path, instrument, DEFAULT_STREET, "salt", log=quiet)
    zh = provenance(StubChapter(instrument, "zh"), report)
    assert "分析不使用的元数据列（未纳入）" in zh and "来源" in zh
    assert "来源详情（取值疑似固定电话号码（12个中有1个）、与联系方式或证件号相邻的姓名（12个中有1个））" in zh
    en = provenance(StubChapter(instrument, "en"), report)
    assert "Metadata columns the analysis does not read (left out)" in en
    assert "landline numbers (1 of 12)" in en and "names beside contact or ID data (1 of 12)" in en


def test_an_id_number_among_answer_codes_is_neither_shown_nor_offered_as_a_code(tmp_path, simulated, instrument):
    """按序号 export: a 15-digit ID typed into the gender column is listed masked, and no code_map entry is suggested."""
    export = write_export(simulated, instrument, tmp_path / "code.xlsx", "wenjuanxing_code_xlsx")
    book = openpyxl.load_workbook(export.path)
    sheet = book.active
    column = next(c.column for c in sheet[1] if "性别" in str(c.value))
    sheet.cell(row=4, column=column, value="370602800101123")
    book.save(export.path)
    with pytest.raises(InputError) as error:  # no code map: which codes the column holds
        ingest_export(export.path, instrument, DEFAULT_STREET, "salt", log=quiet)
    text = str(error.value)
    assert "codes 1, 2, <15-digit ID-card numbers: hidden>" in text and "gender: {1: …, 2: …}" in text
    assert "370602800101123" not in text
    with pytest.raises(InputError) as error:  # with one: the unknown answer
        ingest_export(export.path, instrument, {**DEFAULT_STREET, "code_map": export.code_map}, "salt", log=quiet)
    text = str(error.value)
    assert "answer '<15-digit ID-card numbers: hidden>' is not one of the answer options" in text
    assert "370602800101123" not in text and "stands for" not in text
