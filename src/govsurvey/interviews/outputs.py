"""What the interviews give the chapter: the interviewee table, the code × role matrix, the
evidence per construct, code saturation, quotations chosen by a stated rule, and word frequencies.

Every function here takes the study's parts as read by inputs.py and coding.py. Quotations and
word counts must come from the MASKED transcripts (privacy.mask_study): they are the only
functions that print transcript text, and select_quotes refuses text that still holds a phone,
ID-card, e-mail or address pattern. No function returns a register name: the register's
columns are picked by name, never passed through.

Word frequencies count only what the interviewees said (interviewee_speech): a transcript that
marks its turns (a line beginning 问： / 答：, or Q: / A:, Interviewer: / Interviewee:, with either
colon) counts its answer turns, each running from its marker to the next question marker, lines
without a marker belonging to the turn above them; the interviewer's turns and every line before
the first marker (the banner 【合成示例材料：非真实访谈】 and the header 访谈对象：A1（…）；方式：…)
are left out. A transcript with no marker at all is counted whole. Banner lines (a line that is
all 【…】) and HTML comments (<!-- … --> in a .md transcript) are never counted.

A *passage* is what the matrix counts and what a quotation quotes: the segments of one code in
one transcript that overlap ([start, end) ranges sharing a character), merged across coders, so
two coders who coded the same answer count it once.
"""

import re
from functools import cache
from importlib import resources

import pandas as pd

from govsurvey.errors import InputError
from govsurvey.interviews.privacy import TOKENS, find_personal, language_of
from govsurvey.interviews.roles import role_names
from govsurvey.words import words

TABLE_COLUMNS = ["code", "role", "gender", "date", "duration_min", "mode"]
_DATA = "interviews/data"
_HAN = re.compile(r"[\u4e00-\u9fff]")
_ENGLISH_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# The masks privacy.py writes ([姓名], [phone]): taken out before counting words.
# Turn markers at the start of a line (interviewee_speech); full-width or ASCII colon.
_QUESTION = re.compile(r"\s*(?:问|Q|Interviewer)\s*[：:]", re.IGNORECASE)
_ANSWER = re.compile(r"\s*(?:答|A|Interviewee)\s*[：:]", re.IGNORECASE)
_BANNER = re.compile(r"\s*【[^】]*】\s*")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MASK_TOKENS = sorted({t for kinds in TOKENS.values() for t in kinds.values()}, key=len, reverse=True)


def _data_path(name):
    return resources.files("govsurvey").joinpath(_DATA, name)


def interview_order(register):
    """Interviewee codes by interview date; the register's order among those of one day."""
    frame = register.reset_index() if "code" not in register.columns else register
    dates = pd.to_datetime(frame["date"])
    order = sorted(range(len(frame)), key=lambda i: (dates.iloc[i], i))
    return [frame["code"].iloc[i] for i in order]


def _register_frame(register):
    return register.reset_index() if "code" not in register.columns else register.copy()


def interviewee_table(register):
    """One row per interviewee in interview order: code, role, gender, date, duration_min, mode.
    Only these columns are taken, so a name column never reaches the table."""
    frame = _register_frame(register).set_index("code")
    return frame.loc[interview_order(register)].reset_index()[TABLE_COLUMNS]


def passages(segments):
    """One row per passage (transcript, code, start, end, coders): overlapping segments of a code
    in a transcript merged across coders; coders = how many distinct coders coded it."""
    rows = []
    for (transcript, code), group in segments.groupby(["transcript", "code"], sort=True):
        current = None
        for seg in group.sort_values(["start", "end"], kind="stable").itertuples(index=False):
            if current and seg.start < current[1]:
                current[1] = max(current[1], seg.end)
                current[2].add(seg.coder)
            else:
                if current:
                    rows.append((transcript, code, current[0], current[1], len(current[2])))
                current = [seg.start, seg.end, {seg.coder}]
        rows.append((transcript, code, current[0], current[1], len(current[2])))
    return pd.DataFrame(rows, columns=["transcript", "code", "start", "end", "coders"])


def _roles(register):
    """Roles in the order they first appear among the interviews (by date)."""
    role_of = _register_frame(register).set_index("code")["role"]
    return list(dict.fromkeys(role_of[c] for c in interview_order(register))), role_of


def code_role_matrix(segments, register, codebook, count="passages"):
    """Codes (codebook order, all of them) × roles (in order of first interview): how many
    passages of each code interviewees of each role gave (count='passages'), or how many
    interviewees of each role mentioned the code at least once (count='interviewees'). Columns:
    name_zh, name_en, one per role, total."""
    if count not in ("passages", "interviewees"):
        raise ValueError(f"count must be 'passages' or 'interviewees', not {count!r}")
    roles, role_of = _roles(register)
    found = passages(segments)
    if count == "interviewees":
        found = found.drop_duplicates(["transcript", "code"])
    found = found.assign(role=found["transcript"].map(role_of))
    table = pd.crosstab(found["code"], found["role"]).reindex(index=list(codebook), columns=roles, fill_value=0)
    table = table.fillna(0).astype(int)
    table.columns.name = None
    table["total"] = table.sum(axis=1)
    table.insert(0, "name_en", [codebook[c].name["en"] for c in table.index])
    table.insert(0, "name_zh", [codebook[c].name["zh"] for c in table.index])
    table.index.name = "code"
    return table


EVIDENCE_COLUMNS = ["construct", "code", "name_zh", "name_en", "kind", "stance", "passages", "interviewees", "roles",
                    "interviewee_codes"]  # fmt: skip


def evidence(segments, register, codebook):
    """What the interviews give on each construct: one row per code linked to a construct
    (Code.link), in codebook order, with its kind and stance, the number of its passages (see the
    module's docstring), the distinct interviewees who gave at least one, the distinct roles among
    them, and those interviewees' codes in interview order joined by ", " ("" when none). A
    linked code nobody's passage holds keeps its row, with zeros."""
    order = interview_order(register)
    role_of = _register_frame(register).set_index("code")["role"]
    found = passages(segments)
    rows = []
    for code, entry in codebook.items():
        if not entry.link:
            continue
        held = found[found["code"] == code]
        who = [c for c in order if c in set(held["transcript"])]
        rows.append((entry.link, code, entry.name["zh"], entry.name["en"], entry.kind, entry.stance, len(held),
                     len(who), len({role_of[c] for c in who}), ", ".join(who)))
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def saturation(segments, register):
    """Code saturation: one row per interview in order of date (interview_order), with its role,
    how many distinct codes it holds, which of them no earlier interview held (new, new_codes)
    and the cumulative count of distinct codes so far. Interviews without segments count 0."""
    role_of = _register_frame(register).set_index("code")["role"]
    codes_of = segments.groupby("transcript")["code"].agg(lambda c: list(dict.fromkeys(c)))
    seen, rows = [], []
    for k, interviewee in enumerate(interview_order(register), start=1):
        held = codes_of.get(interviewee, [])
        new = [c for c in held if c not in seen]
        seen += new
        rows.append((k, interviewee, role_of[interviewee], len(held), len(new), ", ".join(new), len(seen)))
    return pd.DataFrame(rows, columns=["order", "interviewee", "role", "codes", "new", "new_codes", "cumulative"])


def citation(code, role, language, roles=None):
    """「访谈对象A3（社区书记）」's inner text (zh) or 'Interviewee A3 (community Party secretary)'."""
    if language == "en":
        table = roles if roles is not None else role_names()
        if role not in table:
            raise InputError(_data_path("roles.yaml"), f"role {role!r} of interviewee {code} has no English name.",
                             f"add a line '{role}: <English name>' to roles.yaml, or pass roles={{...}}.")
        role = table[role]
    return words(language)["interviews"]["cite"].format(code=code, role=role)


def quote_rule(per_code, language):
    """The selection rule of select_quotes, as printed with the quotations."""
    return words(language)["interviews"]["quote_rule"].format(n=per_code)


def select_quotes(segments, transcripts, register, codebook, per_code=3, roles=None):
    """Quotations for every code linked to a construct of the instrument (Code.link), chosen by
    this rule (quote_rule gives it in zh and en for the chapter):

    1. the code's passages (see the module's docstring) are ranked by the number of coders who
       coded them (most first), then by the number of other codes whose segments overlap them
       (most first), then by the interview's date (earliest first), then by position;
    2. in that order, a passage is taken if no passage of the same role is taken yet, up to
       per_code;
    3. if fewer than per_code are taken, the next-ranked passages of interviewees not yet quoted
       are added, up to per_code.

    `transcripts` must be the masked texts ({code: text} from privacy.mask_study) and
    `segments` the masked segments of the same call. Returns (table, rule): the table has one
    row per quotation (code, link, name_zh, name_en, rank, interviewee, role, start, end, coders,
    other_codes, quote, cite_zh, cite_en); rule is {"zh": ..., "en": ...}. A linked code without
    segments has no row."""
    role_of = _register_frame(register).set_index("code")["role"]
    position = {c: k for k, c in enumerate(interview_order(register))}
    found = passages(segments)
    rows = []
    for code, entry in codebook.items():
        if entry.link is None:
            continue
        candidates = []
        for p in found[found["code"] == code].itertuples(index=False):
            others = segments[(segments["transcript"] == p.transcript) & (segments["code"] != code)
                              & (segments["start"] < p.end) & (segments["end"] > p.start)]["code"].nunique()
            candidates.append(((-p.coders, -others, position[p.transcript], p.start), p, others))
        candidates.sort(key=lambda c: c[0])
        taken, roles_taken = [], set()
        for k, (_, p, _) in enumerate(candidates):  # 2. one per role
            if len(taken) < per_code and role_of[p.transcript] not in roles_taken:
                taken.append(k)
                roles_taken.add(role_of[p.transcript])
        quoted = {candidates[k][1].transcript for k in taken}
        for k, (_, p, _) in enumerate(candidates):  # 3. fill from interviewees not yet quoted
            if len(taken) < per_code and p.transcript not in quoted:
                taken.append(k)
                quoted.add(p.transcript)
        for k in sorted(taken):
            _, p, others = candidates[k]
            quote = transcripts[p.transcript][p.start:p.end].strip()
            if find_personal(quote):
                raise InputError(f"transcript {p.transcript}, [{p.start}, {p.end})",
                                 "a quotation still holds a phone, ID-card, e-mail or address.",
                                 "pass the masked transcripts and segments (privacy.mask_study), never the raw ones.")
            role = role_of[p.transcript]
            rows.append((code, entry.link, entry.name["zh"], entry.name["en"], 0, p.transcript, role, p.start, p.end,
                         p.coders, others, quote, citation(p.transcript, role, "zh"),
                         citation(p.transcript, role, "en", roles)))
    table = pd.DataFrame(rows, columns=["code", "link", "name_zh", "name_en", "rank", "interviewee", "role", "start",
                                        "end", "coders", "other_codes", "quote", "cite_zh", "cite_en"])
    table["rank"] = table.groupby("code").cumcount() + 1
    return table, {language: quote_rule(per_code, language) for language in ("zh", "en")}


# ---------------------------------------------------------------- word frequencies


def _word_list(name):
    lines = _data_path(name).read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@cache
def _tokenizer():
    """jieba with the governance dictionary: its multi-character terms stay whole."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at DEBUG to stderr
    tokenizer = jieba.Tokenizer()
    with resources.as_file(_data_path("governance_dict.txt")) as path:
        tokenizer.load_userdict(str(path))
    return tokenizer


def chinese_words(text):
    """The words of a Chinese text counted by word_frequencies: jieba's tokens holding a Han
    character, of two characters or more, not in stopwords_zh.txt, with privacy masks removed."""
    for token in _MASK_TOKENS:
        text = text.replace(token, " ")
    stop = _word_list("stopwords_zh.txt")
    return [w for w in _tokenizer().lcut(text) if len(w) > 1 and _HAN.search(w) and w not in stop]


def english_words(text):
    """Lower-cased words of an English text, two letters or more, not in stopwords_en.txt."""
    for token in _MASK_TOKENS:
        text = text.replace(token, " ")
    stop = _word_list("stopwords_en.txt")
    return [w for w in _ENGLISH_WORD.findall(text.lower()) if len(w) > 1 and w not in stop]


def interviewee_speech(text):
    """What the interviewee said in a transcript, by the rule in the module's docstring: the
    answer turns without their markers, or the whole text when no turn is marked; never the
    banner, HTML comments, the interviewer's turns or the header before the first turn."""
    lines = [line for line in _COMMENT.sub("", text).split("\n") if not _BANNER.fullmatch(line)]
    if not any(_QUESTION.match(line) or _ANSWER.match(line) for line in lines):
        return "\n".join(lines)
    kept, speaking = [], False  # before the first marker: a header, not speech
    for line in lines:
        if _QUESTION.match(line):
            speaking = False
        elif m := _ANSWER.match(line):
            speaking, line = True, line[m.end():]
        if speaking:
            kept.append(line)
    return "\n".join(kept)


def word_frequencies(transcripts, top=30):
    """The `top` most frequent words per language of what the interviewees said in the (masked)
    transcripts (interviewee_speech): language (of each transcript, privacy.language_of), word,
    count, interviews (transcripts using it). Ties are broken by the number of interviews, then
    by the word (code-point order), so the table is the same on every run."""
    counts = {}
    for code in sorted(transcripts):
        text = interviewee_speech(transcripts[code])
        language = language_of(text)
        found = chinese_words(text) if language == "zh" else english_words(text)
        for word in found:
            entry = counts.setdefault((language, word), [0, set()])
            entry[0] += 1
            entry[1].add(code)
    rows = [(lang, w, n, len(who)) for (lang, w), (n, who) in counts.items()]
    table = pd.DataFrame(rows, columns=["language", "word", "count", "interviews"])
    table = table.sort_values(["language", "count", "interviews", "word"], ascending=[False, False, False, True])
    return table.groupby("language", sort=False).head(top).reset_index(drop=True)
