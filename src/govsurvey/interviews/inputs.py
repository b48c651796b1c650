"""A study's interview folder: transcripts, the interviewee register and the codebook.

    data/interviews/<street>/
        register.csv          code, role, gender, date, duration_min, mode, consent[, name]
        codebook.yaml         codes (schemas/codebook.schema.yaml)
        transcripts/<code>.txt | .md | .docx   one file per interviewee, named by its code
        coding/               coded segments (coding.py): *.csv tables or *.qdpx projects

Transcript text is normalised once here (UTF-8, newlines as \\n, .docx paragraphs joined by \\n)
and every character position (coding tables, REFI-QDA selections) counts code points of that
text. The register's optional name column is kept only so privacy.py can mask the names; no
other function returns it.
"""

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from govsurvey.errors import InputError
from govsurvey.schema import load_yaml

TRANSCRIPT_SUFFIXES = (".txt", ".md", ".docx")
REGISTER_COLUMNS = ("code", "role", "gender", "date", "duration_min", "mode", "consent")
# What counts as consent given in the consent column (lower-cased); anything else is refused.
CONSENT_YES = {"yes", "y", "true", "1", "是", "同意", "已同意"}
# How a code speaks of the construct it links to (schemas/codebook.schema.yaml).
STANCES = ("weakness", "strength", "neutral")


@dataclass(frozen=True)
class Code:
    code: str
    name: dict  # {"zh", "en"}
    definition: dict
    kind: str  # deductive | inductive
    link: str | None = None  # an instrument construct code
    stance: str = "neutral"  # weakness | strength | neutral: what its passages show of the construct


@dataclass
class InterviewStudy:
    folder: Path
    register: pd.DataFrame  # one row per interviewee, index = code; no name column
    codebook: dict  # code -> Code, in codebook order
    transcripts: dict  # interviewee code -> text
    transcript_files: dict = field(default_factory=dict)  # interviewee code -> Path
    names: dict = field(default_factory=dict)  # interviewee code -> name (for masking only)

    def text(self, code):
        return self.transcripts[code]


def read_transcript(path):
    """The text of one transcript, newlines normalised to \\n."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TRANSCRIPT_SUFFIXES:
        raise InputError(path, f"a transcript must be {', '.join(TRANSCRIPT_SUFFIXES)}.",
                         "save it as UTF-8 text or as a Word .docx file.")
    if suffix == ".docx":
        import docx  # python-docx; only needed when a study ships Word transcripts

        try:
            document = docx.Document(str(path))
        except Exception as exc:  # python-docx raises several kinds for a broken file
            raise InputError(path, f"not a readable .docx file ({exc}).", "open and save it again in Word.") from None
        text = "\n".join(p.text for p in document.paragraphs)
    else:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not UTF-8 (byte {exc.start}).",
                             "save the transcript as UTF-8 (e.g. 另存为 → 编码 UTF-8).") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_register(path):
    """The interviewee register: (table indexed by code without names, {code: name})."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "interviewee register not found.",
                         f"add {path.name} with columns {', '.join(REGISTER_COLUMNS)} (and optionally name).")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in REGISTER_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}.",
                         f"the register needs {', '.join(REGISTER_COLUMNS)}; name is optional.")
    frame = frame.apply(lambda col: col.str.strip())
    for i, row in frame.iterrows():
        where = f"{path}, row {i + 2}"  # +1 for the header, +1 for counting from 1 as a spreadsheet does
        if not row["code"]:
            raise InputError(where, "no interviewee code.", "give every interviewee a code such as A1.")
        if row["consent"].lower() not in CONSENT_YES:
            raise InputError(where, f"interviewee {row['code']} has no recorded consent ({row['consent']!r}).",
                             "record consent as yes/是/同意, or remove the interviewee and their transcript.")
        if pd.isna(pd.to_numeric(row["duration_min"], errors="coerce")):
            raise InputError(where, f"duration_min {row['duration_min']!r} is not a number.", "give minutes, e.g. 45.")
        if pd.isna(pd.to_datetime(row["date"], errors="coerce", format="mixed")):
            raise InputError(where, f"date {row['date']!r} is not a date.", "write it as 2024-05-17.")
    duplicated = frame["code"][frame["code"].duplicated()].tolist()
    if duplicated:
        raise InputError(path, f"interviewee code(s) {', '.join(duplicated)} appear more than once.",
                         "give each interviewee one row and a unique code.")
    names = {}
    if "name" in frame.columns:
        names = {c: n for c, n in zip(frame["code"], frame["name"]) if n}
        frame = frame.drop(columns="name")
    frame["duration_min"] = pd.to_numeric(frame["duration_min"])
    frame["date"] = pd.to_datetime(frame["date"], format="mixed").dt.date
    return frame.set_index("code"), names


def _check_stances(path):
    """Raise an InputError naming the code whose stance is none of STANCES (the schema's own
    message names only the entry's index)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        entries = [e for e in data["codes"] if isinstance(e, dict)]
    except Exception:  # unreadable or misshapen: the schema's message is the right one
        return
    for i, entry in enumerate(entries):
        stance = entry.get("stance", "neutral")
        if stance not in STANCES:
            raise InputError(f"{path}, codes[{i}] ({entry.get('code')})", f"stance {stance!r} is not allowed.",
                             f"write one of {', '.join(STANCES)} (or leave stance out for neutral).")


def read_codebook(path, constructs=None):
    """{code: Code} from codebook.yaml; `constructs` (codes of the instrument) checks each link."""
    path = Path(path)
    try:
        data = load_yaml(path, "codebook.schema.yaml")
    except InputError:
        _check_stances(path)  # a wrong stance gets a message naming its code
        raise
    codebook = {}
    for i, entry in enumerate(data["codes"]):
        where = f"{path}, codes[{i}] ({entry['code']})"
        if entry["code"] in codebook:
            raise InputError(where, f"code {entry['code']} is defined twice.", "rename or merge one of them.")
        link = entry.get("link")
        if link is not None and constructs is not None and link not in constructs:
            raise InputError(where, f"link {link!r} is no construct of the instrument.",
                             f"link to one of {', '.join(sorted(constructs))}, or remove the link.")
        codebook[entry["code"]] = Code(entry["code"], entry["name"], entry["definition"], entry["kind"], link,
                                       entry["stance"])  # the schema fills neutral
    return codebook


def read_study(folder, constructs=None):
    """Read data/interviews/<street>/ and check that transcripts and register agree."""
    folder = Path(folder)
    register, names = read_register(folder / "register.csv")
    codebook = read_codebook(folder / "codebook.yaml", constructs)
    transcript_dir = folder / "transcripts"
    files = sorted(p for p in transcript_dir.glob("*") if p.suffix.lower() in TRANSCRIPT_SUFFIXES
                   and not p.name.startswith(("~$", ".")))  # Word's lock files, hidden files
    if not files:
        raise InputError(transcript_dir, "no transcripts (.txt, .md or .docx) found.",
                         "put one file per interviewee here, named by the register code (A1.txt).")
    transcripts, paths = {}, {}
    for path in files:
        code = path.stem
        if code not in register.index:
            raise InputError(path, f"transcript {code} has no entry in {folder / 'register.csv'}.",
                             f"add a row with code {code} (and consent), or rename the file to a register code.")
        if code in transcripts:
            raise InputError(path, f"a second transcript for {code} ({paths[code].name}).", "keep one file per interviewee.")
        transcripts[code], paths[code] = read_transcript(path), path
    return InterviewStudy(folder, register, codebook, transcripts, paths, names)
