"""Personal data out of transcripts and quotes before anything is written.

What is replaced: the interviewees' names from the register (by their code, e.g. A1: they
appear only by code), other names given in config (by [姓名] / [name]), the surname of every
such Chinese name followed by a title or after 老/小 (王书记, 李阿姨, 老王说: by [姓名], since
it could be anyone of that surname; see surname_pattern), and every phone,
landline, ID-card (15 to 19 digits), e-mail, messenger-handle and address match of
govsurvey.ingest.privacy (the survey's patterns, reused). Transcripts need two things more
than survey cells: an address's name before its road or estate (幸福路18号 is masked whole,
not just 路18号), and the building / unit / room that follows (阳光小区3栋2单元401室).

Masking changes lengths, so each replacement is recorded and segment positions are carried
over to the masked text: a segment that starts or ends inside a masked value takes the
whole token. Mask the study and its segments together (mask_study) and write only those.
"""

import re
from dataclasses import dataclass, replace

from govsurvey.ingest.privacy import personal_spans

TOKENS = {
    "name": {"zh": "[姓名]", "en": "[name]"},
    "phone": {"zh": "[电话]", "en": "[phone]"},
    "landline": {"zh": "[电话]", "en": "[phone]"},
    "id_like": {"zh": "[证件号]", "en": "[ID number]"},
    "email": {"zh": "[邮箱]", "en": "[e-mail]"},
    "handle": {"zh": "[社交账号]", "en": "[handle]"},
    "address": {"zh": "[地址]", "en": "[address]"},
}
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Building, unit, room, floor after an address match: 3栋2单元401室, 5号楼-302.
_ADDRESS_TAIL = re.compile(r"(?:\s*[-—之]?\s*[\d一二三四五六七八九十百零两]+\s*(?:号楼|号|栋|幢|单元|室|楼|层|户))+")
# Where the name before 路/街/小区 stops when walking back: a verb, preposition or pronoun.
_ADDRESS_STOP = set("在住到于的是从去来和与及或我你他她它们家就也都把将往向说叫搬过")
_HEAD_MAX = 6
# A listed Chinese name (2 to 4 Han characters) is also spoken of by its surname: 王书记, 李阿姨,
# 老王, 小李. Its surname is the first character, or one of these compound surnames.
_CHINESE_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "司徒", "夏侯")
_TITLES = ("书记", "主任", "副主任", "阿姨", "叔叔", "大姐", "姐", "哥", "师傅", "老师", "大爷", "大妈", "奶奶", "爷爷",
           "经理", "站长", "组长", "队长", "会长", "委员", "先生", "女士", "同志")  # fmt: skip
# 老王 / 小李 is a name only before a non-Han character, the end, or one of these (老王说, 小李的);
# before any other Han character it may be an ordinary word (老方法), which stays.
_AFTER_NICKNAME = "说讲来去他她的也就都是在和跟呢啊吧"


def language_of(text):
    """'zh' when the text holds Han characters, else 'en' (which tokens to write)."""
    return "zh" if _HAN.search(text) else "en"


def _widen_address(text, start, end):
    head = start
    while head > 0 and start - head < _HEAD_MAX and _HAN.match(text[head - 1]) and text[head - 1] not in _ADDRESS_STOP:
        head -= 1
    tail = _ADDRESS_TAIL.match(text, end)
    return head, tail.end() if tail else end


def surname(name):
    """The surname of a Chinese name (a compound one such as 欧阳 when it starts with one)."""
    return next((s for s in _COMPOUND_SURNAMES if name.startswith(s) and len(name) > len(s)), name[0])


def surname_pattern(names):
    """A regex for the surnames of the Chinese names among `names` followed by a title (王书记)
    or after 老/小 (老王说), or None when no name is Chinese. A surname with a title could be
    anyone of that surname: masking too much is the safe side."""
    surnames = {surname(n) for n in names if _CHINESE_NAME.fullmatch(n)}
    if not surnames:
        return None
    family = "|".join(sorted(surnames, key=len, reverse=True))
    titles = "|".join(sorted(_TITLES, key=len, reverse=True))  # 副主任 before 主任
    return re.compile(rf"(?:{family})(?:{titles})|[老小](?:{family})(?:(?![\u4e00-\u9fff])|(?=[{_AFTER_NICKNAME}]))")


def find_personal(text, names=None):
    """[(start, end, replacement)] of the personal values in a text, without overlaps.

    `names` maps a name to its replacement (an interviewee's code), or to None for the
    generic name token."""
    language = language_of(text)
    found = []
    for name, replacement in (names or {}).items():
        for m in re.finditer(re.escape(name), text):
            found.append((m.start(), m.end(), replacement or TOKENS["name"][language]))
    pattern = surname_pattern(names or {})
    if pattern:
        found += [(m.start(), m.end(), TOKENS["name"][language]) for m in pattern.finditer(text)]
    for start, end, kind in personal_spans(text):
        if kind == "address":
            start, end = _widen_address(text, start, end)
        found.append((start, end, TOKENS[kind][language]))
    # Longest first among those starting earliest; later overlapping matches merge into it.
    found.sort(key=lambda s: (s[0], -s[1]))
    merged = []
    for start, end, token in found:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, token))
    return merged


@dataclass(frozen=True)
class Masked:
    text: str
    replacements: tuple  # ((start, end, new_start, new_end), ...) in the original and masked text

    def position(self, pos, side="start"):
        """Where a position of the original text falls in the masked text; inside a masked value
        a segment's start moves to the token's start, its end to the token's end."""
        shift = 0
        for start, end, new_start, new_end in self.replacements:
            if pos <= start:
                break
            if pos < end:
                return new_start if side == "start" else new_end
            shift = new_end - end
        return pos + shift


def mask_text(text, names=None):
    """The text with personal values replaced (a Masked, which maps positions too)."""
    out, replacements, cursor, shift = [], [], 0, 0
    for start, end, token in find_personal(text, names):
        out.append(text[cursor:start])
        new_start = start + shift
        out.append(token)
        replacements.append((start, end, new_start, new_start + len(token)))
        shift += len(token) - (end - start)
        cursor = end
    out.append(text[cursor:])
    return Masked("".join(out), tuple(replacements))


def study_names(study, extra_names=()):
    """{name: replacement}: register names become their interviewee's code; config names the token."""
    names = {name: None for name in extra_names if name}
    names.update({name: code for code, name in study.names.items()})
    return names


def mask_study(study, segments=None, extra_names=()):
    """(masked study, masked segments): transcripts masked, positions carried over, names dropped."""
    names = study_names(study, extra_names)
    masked = {code: mask_text(text, names) for code, text in study.transcripts.items()}
    clean = replace(study, transcripts={c: m.text for c, m in masked.items()}, names={})
    if segments is None:
        return clean, None
    moved = segments.copy()
    moved["start"] = [masked[t].position(s, "start") for t, s in zip(segments["transcript"], segments["start"])]
    moved["end"] = [masked[t].position(e, "end") for t, e in zip(segments["transcript"], segments["end"])]
    return clean, moved


def with_quotes(study, segments):
    """The segments with their quoted text (from a masked study: quotes are masked too)."""
    out = segments.copy()
    out["quote"] = [study.transcripts[t][s:e] for t, s, e in zip(out["transcript"], out["start"], out["end"])]
    return out

