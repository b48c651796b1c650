"""The interviews section of config checked when the workflow is read (light: nothing but paths
looked at, so the DAG builds fast and a wrong path is named before any job runs)."""

from pathlib import Path

from govsurvey.errors import InputError

CODING_SUFFIXES = (".csv", ".qdpx")


def coding_files(settings):
    """The coding files of one street's interviews: those config names (relative to the folder),
    or every .csv / .qdpx under the folder's coding/."""
    folder = Path(settings["folder"])
    if settings.get("coding"):
        return [folder / name for name in settings["coding"]]
    return sorted(p for p in (folder / "coding").glob("*") if p.suffix.lower() in CODING_SUFFIXES)


def input_files(settings):
    """Every file the interviews job reads: register, codebook, transcripts and coding files
    (so an edited transcript or coding table reruns the job)."""
    folder = Path(settings["folder"])
    transcripts = sorted(p for p in (folder / "transcripts").glob("*")
                         if p.is_file() and not p.name.startswith(("~$", ".")))  # fmt: skip
    return [str(p) for p in [folder / "register.csv", folder / "codebook.yaml", *transcripts, *coding_files(settings)]]


def check_settings(interviews, streets, source="config.yaml"):
    """Each entry's street, folder, its parts and its coding files must exist."""
    for street, settings in interviews.items():
        key = f"{source}: interviews.{street}"
        if street not in streets:
            raise InputError(key, f"'{street}' is not a street under 'streets'.",
                             f"name the street the interviews were held in: one of {', '.join(streets)}.")
        folder = Path(settings["folder"])
        if not folder.is_dir():
            raise InputError(f"{key}.folder", f"the folder {folder} does not exist.",
                             "correct the path (relative to the project folder), e.g. data/interviews/<street>.")
        for part, fix in [("register.csv", "add the interviewee register (code, role, gender, date, duration_min, "
                                            "mode, consent[, name])"),
                          ("codebook.yaml", "add the codebook (src/govsurvey/schemas/codebook.schema.yaml)"),
                          ("transcripts", "put one transcript per interviewee in transcripts/ (A1.txt, .md or .docx)")]:
            if not (folder / part).exists():
                raise InputError(f"{key}.folder", f"{folder / part} does not exist.", f"{fix}.")
        files = coding_files(settings)
        if not files:
            raise InputError(f"{key}.coding", f"no coding files (.csv or .qdpx) in {folder / 'coding'}.",
                             "put the coders' tables or a REFI-QDA project there, or name them under coding.")
        for path in files:
            if path.suffix.lower() not in CODING_SUFFIXES:
                raise InputError(f"{key}.coding", f"{path} is neither a coding table (.csv) nor a REFI-QDA project (.qdpx).",
                                 "name .csv tables or a .qdpx project.")
            if not path.is_file():
                raise InputError(f"{key}.coding", f"the coding file {path} does not exist.",
                                 f"correct the path (relative to {folder}), e.g. coding/coder_a.csv.")
