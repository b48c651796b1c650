"""How texts of the same wording are compared across exports: Unicode width (NFKC), spaces,
case, quotes and question numbering are folded before two wordings are compared."""

import re
import unicodedata

_QUOTES = re.compile(r"[\"'“”‘’「」『』]")
_NUMBERING = re.compile(r"^(?:第\d+题[、.:)]?|\d+[、.)]|q\d+[.:、)])")


def normalize_text(text):
    """Fold what differs between exports of the same wording: width, spaces, quotes, numbering."""
    text = unicodedata.normalize("NFKC", str(text))
    text = re.sub(r"\s+", "", text)
    text = _NUMBERING.sub("", text.lower())
    text = _QUOTES.sub("", text)
    return text.rstrip(":：")


def header_candidates(header):
    """Wordings a header may stand for: itself, the row after a stem's dash, the text in (…)."""
    whole = normalize_text(header)
    found = [whole]
    if "—" in whole:
        found.append(whole.rsplit("—", 1)[1])
    match = re.fullmatch(r"\((.+)\)", whole)
    if match:
        found.append(match.group(1))
    return found
