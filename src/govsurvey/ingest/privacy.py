"""Personal data at ingest: recognise it by its values, mask it in messages, hash identifiers.

Nothing that identifies a person passes ingest. The tidy table is built from a keep-list (the
columns the analysis reads; see responses.py), so free-text metadata never passes whatever it
holds; the patterns here say which dropped columns held personal data (the report counts them)
and hide personal values in every error message that quotes a cell (`mask`). IPs and
respondent identifiers survive only as salted hashes, so duplicate submissions can still be
found.

What counts as personal: mainland mobile and landline numbers, IPv4/IPv6 addresses, e-mail
addresses, ID-card numbers (18 digits with a valid check digit and birth date, but also 15-digit
first-generation numbers and 15- to 19-digit runs that fail the checks: a mistyped ID number is
still someone's), WeChat/QQ handles (微信:黄蓉), street addresses with a house number, and a
Chinese name next to any of these (张三丰 0543-3212345).
"""

import hashlib
import ipaddress
import os
import re
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

# Mainland mobile numbers, optionally with +86 / 0086 and separators.
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?|0086[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
# Landlines: area code 0xx or 0xxx (bare, in brackets, full-width brackets), 7-8 digit number,
# an optional extension: 0543-3212345, (0551)62345678, 021 12345678, 010-12345678转123.
_LANDLINE = re.compile(
    r"(?<![\d.])(?:[(（]0\d{2,3}[)）]\s?|0\d{2,3}[- ]?)[1-9]\d{6,7}(?:\s?(?:-|转|ext\.?)\s?\d{1,6})?(?![\d.])",
    re.IGNORECASE,
)
_IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])")
_IPV6_CANDIDATE = re.compile(r"[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*")
# Runs of 15 to 19 digits (the last may be X): ID-card numbers, valid or mistyped, bank cards.
_LONG_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{14,18}[\dXx](?![\dA-Za-z])")
# The same number after a spreadsheet turned it into a float: 1.10101199003071E+17.
_SCIENTIFIC = re.compile(r"(?<![\d.])\d\.\d{9,}[Ee]\+?1[4-8](?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Messenger handles: 微信:黄蓉, 微信号 huangrong88, QQ：12345678, QQ 12345678, wechat: hr_88.
_HANDLE = re.compile(
    r"(?<![A-Za-z])(?:微信号?|微信id|weixin|wechat(?:\s?id)?|vx|wx|v信|qq号?|钉钉号?|抖音号?)\s*[:：=]\s*[^\s,，;；。、]+"
    r"|(?<![A-Za-z])(?:微信号|qq号?)\s*[A-Za-z0-9_-]{5,}",
    re.IGNORECASE,
)
# A street address with a house number: 安徽省合肥市蜀山区黄山路88号, 黄河小区3号楼2单元401室.
_ADDRESS = re.compile(
    r"(?:省|市|区|县|镇|乡|村|路|街|巷|弄|胡同|小区|花园|苑|里)[^\s,，;；。]{0,12}?\d+\s*(?:号|栋|幢|单元|室|弄)"
    r"|\d+\s*(?:号楼|栋|幢)\s*\d+"
)
_HAN_BEFORE = re.compile(r"([\u4e00-\u9fff·]{2,4})[\s:：,，、/()（）]*$")
_HAN_AFTER = re.compile(r"^[\s:：,，、/()（）]*([\u4e00-\u9fff·]{2,4})")
# Han words that label a value rather than name a person: 电话：…, 请回电…, 身份证号…
_LABEL = re.compile(r"电话|手机|号码|回电|联系|微信|邮箱|身份证|证件|地址|住址|社区|小区|街道|楼|单元|[号址码]$")
_NAMED = re.compile(r"(?:姓名|名字|联系人|本人|户主)\s*[:：]?\s*[\u4e00-\u9fff·]{2,4}")
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"

KINDS = {
    "phone": "phone numbers",
    "landline": "landline numbers",
    "ipv4": "IPv4 addresses",
    "ipv6": "IPv6 addresses",
    "id_card": "Chinese ID-card numbers",
    "id_card_15": "15-digit ID-card numbers",
    "id_like": "ID-card-like numbers (check digit or birth date invalid, or 16 to 19 digits)",
    "email": "e-mail addresses",
    "handle": "WeChat/QQ handles",
    "address": "street addresses",
    "name": "names next to contact or ID data",
}


def _is_id_card(number):
    """An 18-digit resident ID: valid birth date and ISO 7064 check digit."""
    birth = number[6:14]
    if not (birth[:2] in ("19", "20") and "01" <= birth[4:6] <= "12" and "01" <= birth[6:] <= "31"):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


def _is_ipv6(token):
    for candidate in (token, token.rstrip(".")):
        try:
            ipaddress.IPv6Address(candidate)
            return True
        except ValueError:
            pass
    return False


def _names_beside(text, spans):
    """Whether 2-4 Han characters stand right before or after a personal value and are no label."""
    for start, end in spans:
        for pattern, side in ((_HAN_BEFORE, text[:start]), (_HAN_AFTER, text[end:])):
            found = pattern.search(side)
            if found and not _LABEL.search(found.group(1)):
                return True
    return False


def personal_kinds(text):
    """The kinds of personal data (keys of KINDS, in that order) found in one text value."""
    text = str(text)
    found, spans = set(), []

    def look(kind, pattern, beside_name=True):
        for match in pattern.finditer(text):
            found.add(kind if isinstance(kind, str) else kind(match.group(0)))
            if beside_name:  # an address is all Han characters: a name beside it cannot be told apart
                spans.append(match.span())

    look("phone", _PHONE)
    look("landline", _LANDLINE)
    if any(c.isdigit() for c in text):
        look(lambda n: "id_card" if len(n) == 18 and _is_id_card(n) else "id_card_15" if len(n) == 15 else "id_like",
             _LONG_NUMBER)
        look("id_like", _SCIENTIFIC)
        look("address", _ADDRESS, beside_name=False)
    look("handle", _HANDLE)
    if "@" in text:
        look("email", _EMAIL)
    if _names_beside(text, spans) or _NAMED.search(text):
        found.add("name")
    if _IPV4.search(text):
        found.add("ipv4")
    if ":" in text and any(_is_ipv6(t) for t in _IPV6_CANDIDATE.findall(text)):
        found.add("ipv6")
    return [kind for kind in KINDS if kind in found]


# The patterns that mark a stretch of free text as personal, with the kind each stands for
# (interviews/privacy.py masks transcripts with them; a long number counts as an ID number).
SPAN_PATTERNS = (
    ("phone", _PHONE),
    ("landline", _LANDLINE),
    ("id_like", _LONG_NUMBER),
    ("id_like", _SCIENTIFIC),
    ("email", _EMAIL),
    ("handle", _HANDLE),
    ("address", _ADDRESS),
    ("name", _NAMED),
)


def personal_spans(text):
    """[(start, end, kind)] of every match of SPAN_PATTERNS in a text, overlaps included."""
    return [(m.start(), m.end(), kind) for kind, pattern in SPAN_PATTERNS for m in pattern.finditer(text)]


def scan_column(values):
    """{kind: number of values} of personal data in a column of text values (checked once per distinct value)."""
    counts = pd.Series(values, dtype=object).value_counts(dropna=True)
    found = {}
    for value, n in counts.items():
        if value == "" or value is None:
            continue
        for kind in personal_kinds(value):
            found[kind] = found.get(kind, 0) + int(n)
    return found


def describe_kinds(found, n_rows):
    """'values look like phone numbers (3 of 480), e-mail addresses (1 of 480)'."""
    parts = [f"{KINDS[k]} ({n} of {n_rows})" for k, n in found.items()]
    return "values look like " + ", ".join(parts)


def mask(text):
    """The value itself, or a description of it when it looks personal (for error messages)."""
    kinds = personal_kinds(text)
    if kinds:
        return f"<{' / '.join(KINDS[k] for k in kinds)}: hidden>"
    return str(text)


def load_salt(path):
    """The secret salt for hashing identifiers; created once and kept outside results/.

    Parallel ingest jobs may all find it missing: each writes a candidate to a file of its own
    and links it into place, which succeeds for one of them only (a hard link never replaces an
    existing file), so the salt is never overwritten and no job reads a half-written one; the
    others read the winner's."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        candidate.write_text(secrets.token_hex(16), encoding="utf-8")
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another job made it first: use theirs
        finally:
            candidate.unlink()
    return path.read_text(encoding="utf-8").strip()


def hash_identifier(value, salt, strip_place=True):
    """Salted SHA-256 (16 hex digits) of an IP or respondent identifier; None when empty.

    Wenjuanxing appends the place to an IP ("120.221.34.5(山东-滨州)"); with strip_place the
    address alone counts, so the same address hashes alike in every export format.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return None
    bare = str(value).split("(")[0].strip() if strip_place else str(value).strip()
    if bare in ("", "(空)"):
        return None
    return hashlib.sha256(f"{salt}:{bare}".encode()).hexdigest()[:16]


def hash_column(values, salt, strip_place=True):
    """hash_identifier over a column, once per distinct value."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    hashed = np.array([hash_identifier(u, salt, strip_place) for u in uniques] + [None], dtype=object)
    return hashed[codes]
