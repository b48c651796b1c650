"""Personal data at ingest: recognise it by its values, and hash identifiers with a secret salt.

Nothing that identifies a person passes ingest. Columns the instrument marks as personal are
dropped by name; any other column whose values look like phone numbers, IP addresses,
Chinese ID-card numbers or e-mail addresses is dropped by what it holds. IPs and respondent
identifiers survive only as salted hashes, so duplicate submissions can still be found.
"""

import hashlib
import ipaddress
import re
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

# Mainland mobile numbers, optionally with +86 / 0086 and separators.
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?|0086[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])")
_IPV6_CANDIDATE = re.compile(r"[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*")
_ID_CANDIDATE = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"

KINDS = {
    "phone": "phone numbers",
    "ipv4": "IPv4 addresses",
    "ipv6": "IPv6 addresses",
    "id_card": "Chinese ID-card numbers",
    "email": "e-mail addresses",
}


def _is_id_card(number):
    """An 18-digit resident ID: valid birth date and ISO 7064 check digit (few false alarms)."""
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


def personal_kinds(text):
    """The kinds of personal data (keys of KINDS) found in one text value."""
    text = str(text)
    found = []
    if _PHONE.search(text):
        found.append("phone")
    if _IPV4.search(text):
        found.append("ipv4")
    if ":" in text and any(_is_ipv6(t) for t in _IPV6_CANDIDATE.findall(text)):
        found.append("ipv6")
    if any(_is_id_card(t) for t in _ID_CANDIDATE.findall(text)):
        found.append("id_card")
    if "@" in text and _EMAIL.search(text):
        found.append("email")
    return found


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
    """The secret salt for hashing identifiers; created once and kept outside results/."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16), encoding="utf-8")
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
