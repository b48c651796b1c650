"""Coded segments: from a plain table or a REFI-QDA project (.qdpx), and back to a .qdpx.

A segment is (transcript, start, end, code, coder): the half-open character range
[start, end) of the transcript's normalised text (inputs.read_transcript), as REFI-QDA's
PlainTextSelection counts it (startPosition/endPosition in Unicode code points).

A table (csv) has columns transcript, code, either start and end or quote, and coder (default:
the file's name). A quote must occur exactly once in its transcript, or its position is unknown.

A .qdpx is a zip of project.qde (XML, namespace urn:QDA-XML:project:1.0) and sources/. It is
validated against the standard's schema (schemas/refi-qda-project-1.0.xsd, REFI-QDA Project
1.0 of 18 March 2019, MIT licence) before anything is read. Its codes are matched to the
codebook by name (the code, its zh or its en name); its text sources to transcripts by name
(A1 or A1.txt); its users are the coders. A source's text must equal the transcript's, since
the selections count characters of it.
"""

import uuid
import zipfile
from pathlib import Path, PurePosixPath

import pandas as pd
from lxml import etree

from govsurvey.errors import InputError
from govsurvey.schema import SCHEMA_DIR

NS = "urn:QDA-XML:project:1.0"
XSD = SCHEMA_DIR / "refi-qda-project-1.0.xsd"
SEGMENT_COLUMNS = ["transcript", "start", "end", "code", "coder"]
# Deterministic GUIDs for what we write, so the same coding exports to the same bytes.
_GUIDS = uuid.UUID("6f1c1e2a-2b0e-4d39-9a53-1d0c6b3f7a10")


def _q(tag):
    return f"{{{NS}}}{tag}"


def _guid(*parts):
    return str(uuid.uuid5(_GUIDS, "\x1f".join(parts)))


def check_segments(segments, study, where):
    """Raise InputError for the first segment with an unknown transcript or code or a range
    outside its transcript. `where(i)` names segment i (file and row or selection)."""
    for i, seg in enumerate(segments.itertuples(index=False)):
        if seg.transcript not in study.register.index:
            raise InputError(where(i), f"transcript {seg.transcript!r} is not in the register.",
                             f"use a code of {study.folder / 'register.csv'} ({', '.join(study.register.index)}), "
                             "or add the interviewee there.")
        if seg.transcript not in study.transcripts:
            raise InputError(where(i), f"interviewee {seg.transcript} has no transcript.",
                             f"add {study.folder / 'transcripts' / seg.transcript}.txt (or .md, .docx).")
        if seg.code not in study.codebook:
            raise InputError(where(i), f"code {seg.code!r} is not in the codebook.",
                             f"use one of {', '.join(study.codebook)}, or add it to {study.folder / 'codebook.yaml'}.")
        length = len(study.transcripts[seg.transcript])
        if not 0 <= seg.start < seg.end <= length:
            raise InputError(where(i), f"segment [{seg.start}, {seg.end}) lies outside transcript {seg.transcript} "
                             f"({length} characters) or is empty.",
                             "code the segment again on the current transcript; positions count characters from 0.")


def read_coding_table(path, study):
    """Segments from a csv table (columns: transcript, code, start+end or quote, coder)."""
    path = Path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in ("transcript", "code") if c not in frame.columns]
    has_range = {"start", "end"} <= set(frame.columns)
    if missing or not (has_range or "quote" in frame.columns):
        raise InputError(path, "a coding table needs columns transcript, code, and start and end or quote.",
                         "add the missing column(s); coder is optional (default: the file's name).")
    rows = []
    for i, row in frame.iterrows():
        where = f"{path}, row {i + 2}"
        transcript, quote = row["transcript"].strip(), row.get("quote", "")
        if has_range and row["start"].strip() and row["end"].strip():
            try:
                start, end = int(row["start"]), int(row["end"])
            except ValueError:
                raise InputError(where, f"start/end {row['start']!r}, {row['end']!r} are not whole numbers.",
                                 "give character positions counted from 0, or leave them empty and give quote.") from None
        elif quote:
            text = study.transcripts.get(transcript)
            if text is None:
                start = end = -1  # check_segments names the unknown transcript
            else:
                start = text.find(quote)
                if start < 0:
                    raise InputError(where, f"the quote is not in transcript {transcript}.",
                                     "copy the quote exactly from the transcript (same punctuation), or give start and end.")
                if text.find(quote, start + 1) >= 0:
                    raise InputError(where, f"the quote occurs more than once in transcript {transcript}.",
                                     "quote a longer passage, or give start and end.")
                end = start + len(quote)
        else:
            raise InputError(where, "neither start and end nor quote given.", "give one of them.")
        coder = (row.get("coder") or "").strip() or path.stem
        rows.append((transcript, start, end, row["code"].strip(), coder))
    segments = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    check_segments(segments, study, lambda i: f"{path}, row {i + 2}")
    return segments


def _schema():
    return etree.XMLSchema(etree.parse(str(XSD)))


def validate_qde(xml_bytes, source):
    """Parse project.qde and validate it against the REFI-QDA Project schema."""
    try:
        root = etree.fromstring(xml_bytes)
    except etree.XMLSyntaxError as exc:
        raise InputError(source, f"project.qde is not well-formed XML ({exc}).",
                         "export the project again from the QDA program.") from None
    schema = _schema()
    if not schema.validate(root):
        error = schema.error_log[0]
        raise InputError(source, f"project.qde fails the REFI-QDA schema at line {error.line}: {error.message}",
                         "export the project again as REFI-QDA Project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or "
                         "QualCoder; a hand-edited file must follow Project.xsd 1.0.")
    return root


def _source_text(zf, source_el, path):
    content = source_el.find(_q("PlainTextContent"))
    if content is not None:
        return content.text or ""
    plain = source_el.get("plainTextPath")
    if not plain:
        raise InputError(path, f"text source {source_el.get('name')!r} has neither PlainTextContent nor plainTextPath.",
                         "export the project again with its sources.")
    # internal://x.txt lives in the archive's sources/ folder (case varies between programs).
    member = plain.removeprefix("internal://")
    by_lower = {n.lower(): n for n in zf.namelist()}
    name = by_lower.get(f"sources/{member}".lower()) or by_lower.get(member.lower())
    if name is None:
        raise InputError(path, f"text source {source_el.get('name')!r}: {plain} is not in the archive.",
                         "export the project again with its sources embedded (not linked).")
    return zf.read(name).decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def _code_names(codebook):
    """Every name a project may give a codebook code: the code, its zh and en names."""
    names = {}
    for code in codebook.values():
        for name in (code.code, code.name["zh"], code.name["en"]):
            names.setdefault(name.strip(), code.code)
    return names


def read_qdpx(path, study):
    """Segments from a REFI-QDA project, mapped to the study's transcripts, codebook and coders."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, FileNotFoundError) as exc:
        raise InputError(path, f"not a .qdpx (zip) archive ({exc}).", "export the project again as REFI-QDA .qdpx.") from None
    with zf:
        if "project.qde" not in zf.namelist():
            raise InputError(path, "no project.qde in the archive.", "export the project again as REFI-QDA .qdpx.")
        root = validate_qde(zf.read("project.qde"), path)
        users = {u.get("guid"): u.get("name") or u.get("id") or u.get("guid") for u in root.iter(_q("User"))}
        names = _code_names(study.codebook)
        codes = {c.get("guid"): c.get("name") for c in root.iter(_q("Code"))}
        rows, places = [], []
        for source in root.iter(_q("TextSource")):
            source_name = source.get("name") or source.get("guid")
            transcript = PurePosixPath(source_name).stem if PurePosixPath(source_name).suffix.lower() in (
                ".txt", ".md", ".docx", ".rtf") else source_name
            text = _source_text(zf, source, path)
            known = study.transcripts.get(transcript)
            if known is not None and known != text:
                at = next((i for i, (a, b) in enumerate(zip(known, text)) if a != b), min(len(known), len(text)))
                raise InputError(f"{path}, source {source_name}",
                                 f"its text differs from {study.transcript_files[transcript]} from character {at} on.",
                                 "code the current transcript (import it into the QDA program again) and export again.")
            for sel in source.iter(_q("PlainTextSelection")):
                for coding in sel.findall(_q("Coding")):
                    ref = coding.find(_q("CodeRef")).get("targetGUID")
                    where = f"{path}, source {source_name}, selection {sel.get('guid')}"
                    if ref not in codes:
                        raise InputError(where, f"its coding refers to code GUID {ref}, which the project does not define.",
                                         "export the project again from the QDA program.")
                    name = codes[ref].strip()
                    if name not in names:
                        raise InputError(where, f"code {name!r} of the project is not in the codebook.",
                                         f"rename the code in the QDA program to a codebook code or name "
                                         f"({', '.join(study.codebook)}), or add it to {study.folder / 'codebook.yaml'}.")
                    user = coding.get("creatingUser") or sel.get("creatingUser")
                    coder = users.get(user, user) or "unknown"
                    rows.append((transcript, int(sel.get("startPosition")), int(sel.get("endPosition")), names[name], coder))
                    places.append(where)
    segments = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    check_segments(segments, study, lambda i: places[i])
    return segments


def write_qdpx(path, study, segments, project_name="govsurvey interviews"):
    """Write the study's transcripts, codebook and segments as a REFI-QDA project (.qdpx).

    Sources are the transcripts as read (pass a masked study from privacy.py to export what
    may leave the project); the result passes the standard's schema or this raises.
    """
    path = Path(path)
    coders = sorted(segments["coder"].unique())
    user_guid = {c: _guid("user", c) for c in coders}
    code_guid = {c: _guid("code", c) for c in study.codebook}
    project = etree.Element(_q("Project"), nsmap={None: NS}, name=project_name, origin="govsurvey")
    users = etree.SubElement(project, _q("Users"))
    for coder in coders:
        etree.SubElement(users, _q("User"), guid=user_guid[coder], name=coder)
    book = etree.SubElement(etree.SubElement(project, _q("CodeBook")), _q("Codes"))
    for code in study.codebook.values():
        element = etree.SubElement(book, _q("Code"), guid=code_guid[code.code], name=code.code, isCodable="true")
        etree.SubElement(element, _q("Description")).text = f"{code.name['zh']} / {code.name['en']}: {code.definition['en']}"
    sources = etree.SubElement(project, _q("Sources"))
    files = {}
    for transcript, text in study.transcripts.items():
        guid = _guid("source", transcript)
        files[f"sources/{guid}.txt"] = text
        source = etree.SubElement(sources, _q("TextSource"), guid=guid, name=transcript,
                                  plainTextPath=f"internal://{guid}.txt")
        mine = segments[segments["transcript"] == transcript]
        for i, seg in enumerate(mine.itertuples(index=False)):
            key = (transcript, str(seg.start), str(seg.end), seg.code, seg.coder, str(i))
            sel = etree.SubElement(source, _q("PlainTextSelection"), guid=_guid("selection", *key),
                                   startPosition=str(seg.start), endPosition=str(seg.end),
                                   creatingUser=user_guid[seg.coder])
            coding = etree.SubElement(sel, _q("Coding"), guid=_guid("coding", *key), creatingUser=user_guid[seg.coder])
            etree.SubElement(coding, _q("CodeRef"), targetGUID=code_guid[seg.code])
    xml = etree.tostring(project, xml_declaration=True, encoding="utf-8", pretty_print=True)
    validate_qde(xml, path)  # what we write must be what we accept
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", xml)
        for name, text in files.items():
            zf.writestr(name, text.encode("utf-8"))
    return path


def read_coding(folder, study):
    """All segments under a study's coding/ folder (*.csv and *.qdpx), in file order."""
    folder = Path(folder)
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() in (".csv", ".qdpx"))
    if not files:
        raise InputError(folder, "no coding tables (.csv) or REFI-QDA projects (.qdpx) found.",
                         "export the coding from the QDA program as .qdpx, or write a table.")
    parts = [read_qdpx(p, study) if p.suffix.lower() == ".qdpx" else read_coding_table(p, study) for p in files]
    return pd.concat(parts, ignore_index=True)
