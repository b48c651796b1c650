"""Every display word the pipeline generates, in English and Chinese, keyed by codes.

The chapter's fixed prose lives in report/chapter.qmd (en) and report/chapter.zh.qmd (zh); what the
pipeline generates (screening reasons, figure labels, table headers, captions, the sentences around
the numbers) takes its words from one file per language, src/govsurvey/prose/<language>.yaml, which a
native speaker edits without reading Python: `words(language)` gives one language's table.
Nothing elsewhere translates; modules pass codes (a screening reason, a rule's note) and look them up.
"""

from functools import cache
from importlib import resources

import yaml

from govsurvey.errors import InputError

LANGUAGES = ("en", "zh")


@cache
def _load(language):
    text = resources.files("govsurvey").joinpath("prose", f"{language}.yaml").read_text(encoding="utf-8")
    table = yaml.safe_load(text)
    table.update(_FUNCTIONS[language])
    return table


_NUMBERS_EN = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_NUMBERS_ZH = "零一二三四五六七八九十"


def _number_en(n):
    return _NUMBERS_EN[n] if 0 < n < len(_NUMBERS_EN) else str(n)


def _number_zh(n):
    """Before a measure word, as counts are written: 两条路径, 八个构念, 32个题项."""
    return "两" if n == 2 else _NUMBERS_ZH[n] if 0 <= n <= 10 else str(n)


def _count_en(n, one, many):
    """'no items', 'one item', 'four items', '32 items' (words below ten, as APA style asks)."""
    return f"{_NUMBERS_EN[0]} {many}" if n == 0 else f"{_number_en(n)} {one if n == 1 else many}"


def _count_zh(n, word):
    """'没有题项', '四个构念', '32个题项': `word` carries its measure word (个, 道, 列 …)."""
    return f"没有{word.lstrip('个道')}" if n == 0 else f"{_number_zh(n)}{word}"


def _join_en(parts):
    """'a', 'a and b', 'a, b and c'."""
    parts = list(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1] if parts else ""


def effect_label(name, language="en"):
    """'ind_OB_PL_GS' -> 'OB → PL → GS'; 'total_PL_GS' -> 'Total PL → GS'; others unchanged."""
    kind, _, chain = str(name).partition("_")
    if kind in ("ind", "total") and chain:
        arrow = " → ".join(chain.split("_"))
        return f"{words(language)['forest']['total']} {arrow}" if kind == "total" else arrow
    return str(name)


# What a template cannot hold: counting and joining, which follow each language's grammar.
_FUNCTIONS = {
    "en": {
        "count": lambda n, one, many: _count_en(n, one, many),
        "number": lambda n: _number_en(n),
        "join": lambda parts: _join_en(parts),
    },
    "zh": {
        "count": lambda n, one, many: _count_zh(n, one),
        "number": lambda n: _number_zh(n),
        "join": lambda parts: "、".join(parts),
    },
}


def words(language):
    """The display words of one language; InputError naming the supported ones otherwise."""
    if language not in LANGUAGES:
        raise InputError("language", f"'{language}' is not a supported language.",
                         f"use one of: {', '.join(LANGUAGES)} (report.language in config.yaml).")
    return _load(language)


WORDS = {language: words(language) for language in LANGUAGES}
