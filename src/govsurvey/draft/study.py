"""`govsurvey init`: a new study's instrument, model and config drafted from one export.

Writes three files (none is overwritten without `force`): the instrument YAML (schema
instrument.schema.yaml), a CFA of the guessed constructs in lavaan syntax, and a config file with
the study keys and one street (no comparison). Every guess a person must check is marked
`# REVIEW` in the files with its reason, and listed in what `init_study` returns. The drafts pass
the workflow's checks as they are, so `snakemake --configfile <config>` runs at once.
"""

import json
import os
import re
from pathlib import Path

from govsurvey.draft.guess import guess_columns
from govsurvey.errors import InputError
from govsurvey.ingest.readers import read_file

META_ROLE = {"record": "respondent_id", "submitted_at": "submitted_at", "duration": "duration", "ip": "ip"}
STEM = {"zh": "请对以下说法表明同意程度", "en": "How far do you agree with the following statements?"}


def _q(text):
    """A YAML scalar for any text (a JSON string is a YAML double-quoted scalar)."""
    return json.dumps(str(text), ensure_ascii=False)


def _text(zh, en):
    return f"{{ zh: {_q(zh)}, en: {_q(en)} }}"


def street_id(export):
    """A street id (^[a-z][a-z0-9_]*$) from the export's file name, 'street' when it has no Latin letters."""
    slug = re.sub(r"[^a-z0-9]+", "_", Path(export).stem.lower()).strip("_")
    slug = re.sub(r"^[^a-z]+", "", slug)
    return slug[:40].strip("_") or "street"


def _instrument_yaml(draft, study_id, title, review):
    lines = [
        f"# Drafted by `govsurvey init` from {draft.rows} records of a {draft.layout} export. Lines marked",
        "# REVIEW are guesses: check them, then delete the mark. Schema: src/govsurvey/schemas/instrument.schema.yaml",
        f"id: {study_id}",
        f"title: {_text(title, title)}  # REVIEW: the questionnaire's title",
        "language: zh  # language of the exported question headers",
        "",
        f"# REVIEW: scale from {draft.scale_why}",
        "scale:",
        f"  min: {min(p for p, _, _ in draft.scale)}",
        f"  max: {max(p for p, _, _ in draft.scale)}",
        "  labels:",
    ]
    lines += [f"    {p}: {_text(zh, en)}" for p, zh, en in draft.scale]
    review.append(f"scale {draft.scale[0][0]}..{draft.scale[-1][0]}: from {draft.scale_why}")
    items = [c for c in draft.columns if c.kind == "item"]
    constructs = list(dict.fromkeys(c.construct for c in items))
    lines += ["", "# REVIEW: constructs guessed from the item codes' prefixes (or the matrix stems); name each.",
              "constructs:"]  # fmt: skip
    for construct in constructs:
        lines += [f"  {construct}:", f"    name: {_text(construct + '（待命名）', construct + ' (to be named)')}  # REVIEW",
                  "    items:"]  # fmt: skip
        for c in (c for c in items if c.construct == construct):
            zh, en = (c.wording, c.wording) if c.stem else (f"{c.code}（题目措辞待填写）", f"{c.code} (item wording to fill in)")
            flag = "  # REVIEW: reverse-keyed? (negative item-rest correlation)" if c.reverse else ""
            lines.append(f"      - {{ code: {c.code}, zh: {_q(zh)}, en: {_q(en)}"
                         + (", reverse: true }" if c.reverse else " }") + flag)  # fmt: skip
            if c.reverse:
                review.append(f"{c.code} drafted as reverse-keyed: its item-rest correlation is negative")
        review.append(f"construct {construct}: {sum(c.construct == construct for c in items)} items "
                      f"({', '.join(c.code for c in items if c.construct == construct)}); name and wording to fill in")
    checks = [c for c in draft.columns if c.kind == "check"]
    if checks:
        lines += ["", "attention_checks:"]
        for c in checks:
            zh, en = (c.wording, c.wording) if c.stem else (c.code + "（题目措辞待填写）", c.code)
            lines.append(f"  - {{ code: {c.code}, zh: {_q(zh)}, en: {_q(en)}, "
                         f"expected: {c.expected} }}  # REVIEW: {c.why}")  # fmt: skip
            review.append(f"{c.code}: drafted as an attention check expecting {c.expected} ({c.why})")
    lines += ["", "# The matrices as the questionnaire showed them (REVIEW: order and stems).", "matrices:"]
    for stem, rows in _matrices(draft.columns):
        lines += [f"  - stem: {_text(stem, stem) if stem else _text(STEM['zh'], STEM['en'])}",
                  f"    rows: [{', '.join(rows)}]"]  # fmt: skip
    demographics = [c for c in draft.columns if c.kind in ("demographic", "numeric")]
    if demographics:
        lines += ["", "# REVIEW: demographics: the wording, a short name, the options' order and English.",
                  "demographics:"]  # fmt: skip
    for c in demographics:
        lines += [f"  - code: {c.code}", f"    zh: {_q(c.header)}", f"    en: {_q(c.header)}"]
        if c.kind == "numeric":
            lines += ["    kind: numeric", f"    min: {c.values[0]:g}", f"    max: {c.values[1]:g}"]
            review.append(f"{c.code} ('{c.header}'): a numeric demographic ({c.values[0]:g} to {c.values[1]:g})")
            continue
        lines.append(f"    options:  # REVIEW: {c.why}" + ("; codes read through the config's code_map" if
                                                           draft.code_export and _coded(c) else ""))  # fmt: skip
        for value in c.values:
            zh = f"选项{value}" if _coded(c) else value
            en = f"Option {value}" if _coded(c) else value
            lines.append(f"      - {_text(zh, en)}")
        review.append(f"{c.code} ('{c.header}'): a demographic with options {', '.join(c.values)}")
    personal = [c for c in draft.columns if c.kind == "personal"]
    if personal:
        lines += ["", "# Personal data: dropped at ingest, never analysed (REVIEW: the columns found).",
                  "personal_questions:"]  # fmt: skip
        for c in personal:
            lines.append(f"  - {{ code: {c.code}, zh: {_q(c.header)}, en: {_q(c.header)} }}  # {c.why}")
            review.append(f"'{c.header}': personal data, dropped at ingest ({c.why})")
    meta = [c for c in draft.columns if c.kind == "meta" and c.code in META_ROLE]
    if meta:
        lines += ["", "# The export's metadata columns (`personal: true` never passes ingest).", "metadata:"]
        for c in meta:
            flag = ", personal: true" if c.code == "ip" else ""
            lines.append(f"  {META_ROLE[c.code]}: {{ header: {_q(c.header)}{flag} }}")
    unused = [c for c in draft.columns if c.kind == "unused" and c.header]
    if unused:
        lines += ["", "# Columns left out (ingest drops them):"]
        lines += [f"#   {c.header}: {c.why}" for c in unused]
        review += [f"'{c.header}' left out: {c.why}" for c in unused]
    return "\n".join(lines) + "\n"


def _matrices(columns):
    """[(stem, [codes])] in column order: a matrix per stem (wording-headed export) or per
    construct (code-headed); a check joins the matrix it stands in, else the one before it."""
    matrices = []
    for c in columns:
        if c.kind == "item":
            key = c.stem or c.construct
            if not matrices or matrices[-1][0] != key:
                matrices.append((key, c.stem, []))
            matrices[-1][2].append(c.code)
        elif c.kind == "check":
            if not matrices:
                matrices.append((c.stem, c.stem, []))
            matrices[-1][2].append(c.code)
    return [(stem, rows) for _, stem, rows in matrices]


def _coded(column):
    return all(re.fullmatch(r"-?\d+(\.0)?", str(v)) for v in column.values)


def _model(draft):
    items = [c for c in draft.columns if c.kind == "item"]
    lines = ["# Drafted by `govsurvey init`: a CFA of the guessed constructs. Add the study's structural",
             "# paths (e.g. GS ~ PL + PW) and := effects when it has them; see data/models/governance.lavaan."]
    for construct in dict.fromkeys(c.construct for c in items):
        lines.append(f"{construct} =~ " + " + ".join(c.code for c in items if c.construct == construct))
    return "\n".join(lines) + "\n"


def _config(draft, street, paths, title):
    coded = [c for c in draft.columns if c.kind == "demographic" and _coded(c)]
    lines = [
        "# Drafted by `govsurvey init`: one study, one street. Run it from the project folder with",
        f"#   snakemake --directory {paths['folder']} --configfile {paths['folder']}/config.yaml",
        "# (results in this folder's results/; paths below are relative to this folder).",
        "# Every key and its default: src/govsurvey/schemas/config.schema.yaml. Lines marked REVIEW are guesses.",
        "study:",
        f"  instrument: {_q(paths['instrument_rel'])}",
        f"  model: {_q(paths['model_rel'])}",
        f"  title: {_text(title, title)}  # REVIEW: the chapter's title",
        "",
        "streets:",
        f"  {street}:",
        f"    name: {_text(street, street)}  # REVIEW: the street's name",
        f"    raw_export: {_q(paths['export_rel'])}",
        f"    format: {'generic' if draft.layout == 'generic' else 'auto'}",
        "    # synthetic: true  # simulated data: the report says so",
    ]
    if coded:
        lines.append("    code_map:  # REVIEW: what each code of these columns means")
        for c in coded:
            lines.append(f"      {c.code}: {{ " + ", ".join(f"{int(float(v))}: {_q('选项' + v)}" for v in c.values) + " }")
    lines += ["", "report:", f"  street: {street}", ""]
    return "\n".join(lines)


def init_study(export, street=None, out=None, force=False):
    """Draft a study from `export`; returns ({name: path written}, [what to review]).

    Writes config.yaml, instrument.yaml and model.lavaan into `out` (default studies/<street>),
    the study's own folder: the workflow runs there (`snakemake --directory <out>`), so its
    results/ are the study's alone, and the config's paths are relative to it."""
    export = Path(export).resolve()
    street = street or street_id(export)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", street):
        raise InputError(str(export), f"'{street}' is no street id (lower-case letters, digits, _; a letter first).",
                         "pass --street with an id such as riverside or l_street.")  # fmt: skip
    folder = Path(out or Path("studies") / street).resolve()
    files = {"config": folder / "config.yaml", "instrument": folder / "instrument.yaml",
             "model": folder / "model.lavaan"}  # fmt: skip
    existing = [str(p) for p in files.values() if p.exists()]
    if existing and not force:
        raise InputError(existing[0], "exists already; init does not overwrite"
                         + (f" (nor {', '.join(existing[1:])})" if existing[1:] else "") + ".",
                         "pass --force to overwrite, or --out DIR / --street ID to write elsewhere.")  # fmt: skip
    raw = read_file(export)
    draft = guess_columns(raw)
    if not any(c.kind == "item" for c in draft.columns):
        raise InputError(str(export), "no column looks like an item: no header is an item code (PL1, PL_2) and "
                         "no column is answered on an agreement scale.",
                         "name the item columns by their codes (letters then a number, e.g. PL1..PL4), or write "
                         "the instrument by hand (data/instruments/party_building_governance.yaml shows one).")
    title = export.stem
    review = []
    paths = {f"{name}_rel": path.name for name, path in files.items()}
    paths["export_rel"] = os.path.relpath(export, folder)
    paths["folder"] = os.path.relpath(folder)
    texts = {
        "instrument": _instrument_yaml(draft, street, title, review),
        "model": _model(draft),
        "config": _config(draft, street, paths, title),
    }
    for name, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts[name], encoding="utf-8")
    # the drafts must pass the checks the workflow makes when it starts
    from govsurvey.study import load_instrument, read_model
    from govsurvey.study.model import check_against_instrument

    check_against_instrument(read_model(files["model"]), load_instrument(files["instrument"]))
    return files, review
