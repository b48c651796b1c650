"""Personal data stops at ingest: recognised by value, hashed or dropped, never in results/."""

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import run_workflow, workflow_config
from govsurvey.synthetic.exports import EXPORTS, write_export
from govsurvey.ingest import ingest_export
from govsurvey.io import write_json, write_table
from govsurvey.ingest.privacy import hash_identifier, mask, personal_kinds, scan_column
from govsurvey.synthetic.population import DEFAULT_STREET, simulate_responses


def quiet(*_):
    pass


@pytest.mark.parametrize(
    "text, kinds",
    [
        ("13812345678", ["phone"]),
        ("电话：+86 139-1234-5678", ["phone"]),
        ("120.221.3.4(山东-滨州)", ["ipv4"]),
        ("2408:8207:2c34::1a2b", ["ipv6"]),
        ("11010519491231002X", ["id_card"]),
        ("zhang.san+survey@example.com", ["email"]),
        ("2026/09/03 12:00:00", []),  # times, durations, codes and record numbers are not personal
        ("12:00:00", []),
        ("312秒", []),
        ("4", []),
        ("1.2.3", []),
        ("同意", []),
        # Issue 16: landlines, first-generation and mistyped ID numbers, handles, addresses and a
        # name beside any of them are personal too.
        ("0543-3212345", ["landline"]),
        ("(0551)62345678", ["landline"]),
        ("（0551）62345678", ["landline"]),
        ("021 12345678", ["landline"]),
        ("010-12345678转123", ["landline"]),
        ("370602800101123", ["id_card_15"]),
        ("110105194912310021", ["id_like"]),  # 18 digits, wrong check digit: a mistyped ID is still someone's
        ("110105194913310025", ["id_like"]),  # month 13
        ("1.10101199003071E+17", ["id_like"]),  # an ID number a spreadsheet turned into a float
        ("微信:黄蓉", ["handle"]),
        ("微信号 huangrong88", ["handle"]),
        ("QQ：12345678", ["handle"]),
        ("安徽省合肥市蜀山区黄山路88号", ["address"]),
        ("黄河小区3号楼2单元401室", ["address"]),
        ("张三丰 0543-3212345", ["landline", "name"]),
        ("黄河社区 张三 110101199003071234", ["id_like", "name"]),
        ("李四：zhang.san@example.com", ["email", "name"]),
        ("姓名：王五", ["name"]),
        # ... but labels, channels, answers, communities, timestamps and durations are not.
        ("电话：0543-3212345", ["landline"]),
        ("微信", []),
        ("手机提交", []),
        ("直接访问", []),
        ("黄河社区", []),
        ("31–40岁", []),
        ("10年以上", []),
        ("00:05:12", []),
        ("2026-09-03 12:00:00", []),
        ("20260903120000", []),
        ("-99", []),
        ("wx_user_000001_4", []),
    ],
)
def test_personal_values_are_recognised(text, kinds):
    assert personal_kinds(text) == kinds


@pytest.mark.parametrize(
    "text, shown",
    [
        ("黄河社区 张三 110101199003071234",
         "<ID-card-like numbers (check digit or birth date invalid, or 16 to 19 digits) / "
         "names next to contact or ID data: hidden>"),
        ("370602800101123", "<15-digit ID-card numbers: hidden>"),
        ("(0551)62345678", "<landline numbers: hidden>"),
        ("张三丰 0543-3212345", "<landline numbers / names next to contact or ID data: hidden>"),
        ("微信:黄蓉", "<WeChat/QQ handles: hidden>"),
        ("安徽省合肥市蜀山区黄山路88号", "<street addresses: hidden>"),
        ("非常同意了", "非常同意了"),  # not personal: shown as it is, so that the user can find it
    ],
)
def test_mask_hides_the_whole_value_and_names_its_kind(text, shown):
    assert mask(text) == shown


def test_scan_counts_each_kind():
    assert scan_column(["a@b.cn", "", "13812345678", "13812345678", "ok"]) == {"email": 1, "phone": 2}


PLANTED_NAMES = [f"隐私测试姓名{i:03d}" for i in range(400)]


def planted_export(path, instrument, n, seed, street=DEFAULT_STREET):
    """A Wenjuanxing export carrying every kind of personal data; returns (path, planted values)."""
    simulated = simulate_responses(instrument, n, seed, street)
    simulated["name"] = [PLANTED_NAMES[i] if i % 3 == 0 else None for i in range(n)]
    write_export(simulated, instrument, path, "wenjuanxing_text_xlsx", street)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    extra = {
        "用户ID": [f"wx_user_{i:06d}_{seed}" for i in range(n)],
        "联系邮箱": [f"resident{i:04d}@mail{seed}.example.cn" for i in range(n)],
        "身份证号码": [_id_number(i) for i in range(n)],
        "备注": [f"请回电{13700000000 + 7919 * i}" if i % 4 == 0 else "(空)" for i in range(n)],
    }
    for offset, (header, values) in enumerate(extra.items(), start=len(headers) + 1):
        sheet.cell(row=1, column=offset, value=header)
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=offset, value=value)
    ip_column = headers.index("来自IP") + 1
    ipv6 = [f"2408:8207:{seed:x}:{i:x}::1" for i in range(0, n, 5)]
    for k, i in enumerate(range(0, n, 5)):
        sheet.cell(row=i + 2, column=ip_column, value=f"{ipv6[k]}(山东-滨州)")
    book.save(path)
    planted = [v for v in simulated["phone"].dropna()] + [ip.split("(")[0] for ip in simulated["ip"]] + ipv6
    planted += [v for v in simulated["name"].dropna()] + [v for vs in extra.values() for v in vs if v != "(空)"]
    return path, planted


# The questionnaire as fielded numbered these options in another order than the instrument.
FIELDED = {"gender": ["女", "男"], "political_status": ["中共党员", "共青团员", "群众", "民主党派"]}


def planted_variant(path, instrument, name, n, seed):
    """A 按文本 GBK csv or a 按序号 xlsx (options in the fielded order) carrying every kind of
    personal data; returns (export, planted values, 序号 of the raw rows)."""
    simulated = simulate_responses(instrument, n, seed, DEFAULT_STREET)
    simulated["name"] = [PLANTED_NAMES[i] if i % 3 == 0 else None for i in range(n)]
    export = write_export(simulated, instrument, path, name, DEFAULT_STREET, fielded_order=FIELDED)
    read = dict(engine="openpyxl") if path.suffix == ".xlsx" else dict(encoding=export.encoding)
    frame = pd.read_excel(path, dtype=str, keep_default_na=False, **read) if path.suffix == ".xlsx" else (
        pd.read_csv(path, dtype=str, keep_default_na=False, **read))  # fmt: skip
    extra = {
        "用户ID": [f"wx_user_{i:06d}_{seed}" for i in range(n)],
        "联系邮箱": [f"resident{i:04d}@mail{seed}.example.cn" for i in range(n)],
        "身份证号码": [_id_number(i) for i in range(n)],
        "备注": [f"请回电{13700000000 + 7919 * i}" if i % 4 == 0 else "(空)" for i in range(n)],
    }
    frame = frame.assign(**extra)
    ipv6 = {i: f"2408:8207:{seed:x}:{i:x}::1" for i in range(0, n, 5)}
    for i, address in ipv6.items():
        frame.loc[i, "来自IP"] = f"{address}(山东-滨州)"
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding=export.encoding)
    planted = [v for v in simulated["phone"].dropna()] + [ip.split("(")[0] for ip in simulated["ip"]]
    planted += list(ipv6.values()) + [v for v in simulated["name"].dropna()]
    planted += [v for vs in extra.values() for v in vs if v != "(空)"]
    return export, planted, frame["序号"].astype(int).tolist()


@pytest.mark.parametrize("name, file", [("wenjuanxing_text_gbk_csv", "raw.csv"), ("wenjuanxing_code_xlsx", "raw.xlsx")])
def test_new_export_variants_keep_personal_data_out_and_every_raw_record(tmp_path, instrument, name, file):
    """按文本 GBK csv and 按序号 xlsx: no planted value past ingest; each raw row is one tidy row."""
    export, planted, raw_records = planted_variant(tmp_path / file, instrument, name, 45, seed=6)
    table, report = ingest_export(
        export.path, instrument, {**DEFAULT_STREET, "code_map": export.code_map}, "salt", log=quiet
    )
    out = tmp_path / "results"
    write_table(table, out / "responses.parquet", out / "responses.csv")
    write_json(report, out / "ingest_report.json")
    assert _leaks(out, planted) == []
    assert report["format"] == EXPORTS[name][0] and report["rows"] == len(raw_records) == 45
    assert table["record"].tolist() == raw_records  # one tidy row per raw row, in the file's order
    reasons = {d["column"]: d["reason"] for d in report["columns_dropped_personal"]}
    assert {"联系邮箱", "身份证号码", "备注", "用户ID", "来自IP"} <= set(reasons)


def _id_number(i):
    body = f"37160219{80 + i % 20:02d}0{1 + i % 9}{10 + i % 18:02d}{i % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def _leaks(folder, planted):
    """Planted values found in any file under folder: raw bytes, Parquet cells, PDF text."""
    found = []
    needles = [(v, str(v).encode("utf-8")) for v in planted]
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        blobs = [path.read_bytes()]
        if path.suffix == ".parquet":  # compressed pages: look at the cells too
            blobs.append(pq.read_table(path).to_pandas().to_csv().encode("utf-8"))
        if path.suffix == ".pdf" and shutil.which("pdftotext"):
            blobs.append(subprocess.run(["pdftotext", str(path), "-"], capture_output=True).stdout)
        found += [f"{path.name}: {value}" for value, needle in needles if any(needle in blob for blob in blobs)]
    return found


def test_the_leak_detector_sees_into_parquet_and_plain_files(tmp_path):
    planted = ["13812345678", "resident0001@mail.example.cn"]
    write_table(pd.DataFrame({"x": planted * 50}), tmp_path / "t.parquet")
    (tmp_path / "r.json").write_text('{"a": "13812345678"}', encoding="utf-8")
    assert _leaks(tmp_path, planted) == [
        "r.json: 13812345678",
        "t.parquet: 13812345678",
        "t.parquet: resident0001@mail.example.cn",
    ]


def test_ingest_drops_or_hashes_every_planted_value(tmp_path, instrument):
    path, planted = planted_export(tmp_path / "raw.xlsx", instrument, 60, seed=4)
    assert all(id_kind == ["id_card"] for id_kind in map(personal_kinds, [_id_number(i) for i in range(60)]))
    table, report = ingest_export(path, instrument, DEFAULT_STREET, "salt", log=quiet)
    out = tmp_path / "results"
    write_table(table, out / "responses.parquet", out / "responses.csv")
    write_json(report, out / "ingest_report.json")
    assert _leaks(out, planted) == []
    reasons = {d["column"]: d["reason"] for d in report["columns_dropped_personal"]}
    assert reasons["联系邮箱"] == "values look like e-mail addresses (60 of 60)"
    assert reasons["身份证号码"] == "values look like Chinese ID-card numbers (60 of 60)"
    assert reasons["备注"] == "values look like phone numbers (15 of 60)"
    assert reasons["用户ID"] == "respondent identifier: kept only as the salted hash respondent_hash"
    assert reasons["来自IP"] == "IP address: kept only as the salted hash ip_hash"
    assert table["respondent_hash"].tolist() == [hash_identifier(f"wx_user_{i:06d}_4", "salt") for i in range(60)]
    assert table["record"].tolist() == list(range(1, 61))  # 序号 is kept: the ledger needs it


@pytest.mark.slow
def test_no_planted_value_reaches_results(tmp_path, instrument):
    work = tmp_path
    street = {**DEFAULT_STREET, "name": {"zh": "P街道", "en": "P Street"}, "synthetic": True}
    street.pop("id")
    raw, planted = planted_export(
        work / "data" / "raw" / "p_street" / "export.xlsx", instrument, 240, seed=8, street=street
    )
    salt_file = work / "secret" / "salt"
    config = workflow_config(work, "p_street", street, raw, formats=["html"])
    config["analysis"]["bootstrap"] = {"draws": 100, "shards": 1, "level": 0.95}  # privacy needs the files, not B
    run_workflow(work, config)
    assert (work / "results" / "report" / "chapter.en.html").exists()
    assert len(planted) > 1000
    assert _leaks(work / "results", planted + [salt_file.read_text().strip()]) == []
