"""How texts of the same wording are compared across exports: Unicode width (NFKC), look-alike
dashes, tildes, dots and quotes, invisible characters, spaces, case and question numbering are
folded before two wordings are compared."""

import re
import unicodedata

# Characters that look alike and stand for the same thing in a wording; each class folds to one.
# Tildes are kept apart from dashes: '1~3年' and '1-3年' may mean the same, but that is a guess.
_LOOKALIKES = str.maketrans(
    {
        **dict.fromkeys("‐‑‒–—―⁃−﹘⸺⸻", "-"),  # hyphens, dashes, minus (NFKC folds －﹣ to '-')
        **dict.fromkeys("〜〰∼", "~"),  # wave dashes (NFKC folds ～ to '~')
        **dict.fromkeys("・•‧∙⋅", "·"),  # middle dots (NFKC folds ･ to ・)
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad"),  # zero-width characters, soft hyphen: dropped
    }
)
_QUOTES = re.compile(r"[\"'“”‘’„‚«»‹›「」『』〝〞〟]")
_NUMBERING = re.compile(r"^(?:第\d+题[、.:)]?|\d+[、.)]|q\d+[.:、)])")


def fold_lookalikes(text):
    """Width (NFKC), look-alike dashes, tildes and dots, invisible characters; case and spaces kept."""
    return unicodedata.normalize("NFKC", str(text)).translate(_LOOKALIKES)


def normalize_text(text):
    """Fold what differs between exports of the same wording: width, look-alikes, spaces, quotes, numbering."""
    text = re.sub(r"\s+", "", fold_lookalikes(text))
    text = _NUMBERING.sub("", text.lower())
    text = _QUOTES.sub("", text)
    return text.rstrip(":：")


def header_candidates(header):
    """Wordings a header may stand for: itself, the row after a stem's dash, the text in (…)."""
    whole = normalize_text(header)
    found = [whole]
    if "-" in whole:
        found.append(whole.rsplit("-", 1)[1])
    match = re.fullmatch(r"\((.+)\)", whole)
    if match:
        found.append(match.group(1))
    return found


def _describe(char):
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


def _look_alike(a, b):
    """Two characters a reader may take for one another: not two letters of the same script
    (很 and 不 are plainly different; - and –, l and 1, Latin o and Cyrillic о are not)."""
    letters = unicodedata.category(a).startswith("L") and unicodedata.category(b).startswith("L")
    return not letters or unicodedata.name(a, "?").split()[0] != unicodedata.name(b, "?").split()[0]


def nearest_difference(text, wordings, what="option"):
    """"'51~60岁' differs from option '51–60岁' at position 3: U+007E TILDE vs U+2013 EN DASH" for a
    text that looks like one of the wordings (same length, one or two look-alike characters differ);
    None otherwise. What an error shows when two strings look identical."""
    # Compared character by character as matching does, skipping what folding drops (spaces,
    # quotes, invisible characters); the position is the text's own, counted from 1.
    mine = [(i, c) for i, c in enumerate(text) if normalize_text(c)]
    for wording in wordings:
        theirs = [c for c in wording if normalize_text(c)]
        if len(theirs) != len(mine):
            continue
        differ = [k for k, ((_, a), b) in enumerate(zip(mine, theirs)) if normalize_text(a) != normalize_text(b)]
        if 1 <= len(differ) <= 2 and all(_look_alike(mine[k][1], theirs[k]) for k in differ):
            position, char = mine[differ[0]]
            return (
                f"'{text}' differs from {what} '{wording}' at position {position + 1}: "
                f"{_describe(char)} vs {_describe(theirs[differ[0]])}"
            )
    return None
