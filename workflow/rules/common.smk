# Shared helpers: config checked against src/govsurvey/schemas/config.schema.yaml, the study's
# instrument and model read and checked against each other, result paths from govsurvey.paths.
import os
from pathlib import Path

from snakemake.io import report as for_report  # `report` alone is a Snakefile keyword

import govsurvey
from govsurvey import paths
from govsurvey.config import check_config, ingest_settings
from govsurvey.io import record_checksum
from govsurvey.cases.settings import check_settings as check_case_settings
from govsurvey.interviews.settings import check_settings as check_interview_settings
from govsurvey.interviews.settings import input_files as interview_input_files
from govsurvey.provenance import reproducible_environment
from govsurvey.paths import (
    BOOTSTRAP_SHARD,
    case_files,
    comparison_figure_files,
    comparison_files,
    comparison_part_files,
    export_checksum,
    figure_files,
    interview_figure_files,
    library_files,
    log_file,
    stage_files,
    study_figure_files,
)
from govsurvey.robustness.settings import check_settings as check_robustness_settings
from govsurvey.study import load_instrument, read_model
from govsurvey.study.routes import model_effects
from govsurvey.synthesis.settings import check_settings as check_synthesis_settings
from govsurvey.study.hypotheses import load_theory, study_hypotheses
from govsurvey.study.model import (
    check_against_instrument,
    check_streets_carry_the_model,
)

check_config(
    config, source=workflow.configfiles[-1] if workflow.configfiles else "config"
)


def code_path(path):
    """A file of the workflow's code as an input: relative to the working directory when it lies
    inside it (a clone or copy of the project then names its own files, whatever folder it is
    in), else absolute (one workflow run on folders elsewhere with --directory)."""
    path = Path(path).resolve()
    return (
        os.path.relpath(path)
        if path.is_relative_to(Path.cwd().resolve())
        else str(path)
    )


# The library the jobs run: the one beside the Snakefile (src/govsurvey) when there is one, put
# first on the jobs' PYTHONPATH, so a copy of the workflow runs its own code whatever is
# installed; else the installed package. Its files are inputs by code_path.
LIBRARY = Path(workflow.basedir) / "src" / "govsurvey"
if LIBRARY.is_dir():
    _paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(LIBRARY.parent), *(p for p in _paths if p != str(LIBRARY.parent))]
    )
else:
    LIBRARY = Path(govsurvey.__file__).parent
os.environ.setdefault("PYTHONPATH", "")
# Byte-identical reruns: one BLAS thread per job, rendered files dated by the commit. Set here
# for local jobs; `envvars` passes them on to cluster jobs.
REPRODUCIBLE = reproducible_environment(workflow.basedir)
os.environ.update(REPRODUCIBLE)


envvars:
    *REPRODUCIBLE,
    "PYTHONPATH",


STREETS = list(config["streets"])
REPORT_STREET = config["report"]["street"]
# The Quarto project sits beside the Snakefile, wherever the workflow runs (--directory).
REPORT_SOURCE = Path(workflow.basedir) / "report"
SCRIPTS = Path(workflow.basedir) / "scripts"
INSTRUMENT = load_instrument(config["study"]["instrument"])
MODEL = read_model(config["study"]["model"])
check_against_instrument(MODEL, INSTRUMENT)
check_streets_carry_the_model(config["streets"], MODEL)
check_robustness_settings(config["robustness"], INSTRUMENT)
BOOTSTRAP = config["analysis"]["bootstrap"]
BOOTSTRAP_ON = BOOTSTRAP["draws"] > 0 and MODEL.structural
BOOTSTRAP_SHARDS = BOOTSTRAP.get("shards") or max(
    1, -(-BOOTSTRAP["draws"] // BOOTSTRAP["draws_per_shard"])
)
# the Monte Carlo power study (workflow/rules/power.smk): of the report street, read by its chapter
POWER = config["power"]
POWER_ON = POWER["enabled"] and MODEL.structural
# the model implies indirect routes (govsurvey.sem.effects): the mediation section and forest plot
MEDIATION = any(e.kind == "indirect" for e in model_effects(MODEL))
LANGUAGES = config["report"]["languages"]
# The Word styles: the school's reference document, or the one shipped in report/.
REFERENCE_DOCX = config["report"].get("reference_docx") or code_path(
    REPORT_SOURCE / "reference.docx"
)
# The qualitative stages are optional: a street with interviews gets an interviews job, a cases
# section a cases job. Their folders and files are checked now, before any job runs.
INTERVIEWS = config.get("interviews") or {}
check_interview_settings(INTERVIEWS, config["streets"])
CASES = config.get("cases") or {}
CASE_STREET = check_case_settings(CASES) if CASES else None
# The mixed-methods synthesis (joint display, optimisation path) needs no job: the chapter reads it.
SYNTHESIS = config.get("synthesis") or {}
check_synthesis_settings(SYNTHESIS, INSTRUMENT)
# The theory file is optional: an input when config names it (an empty list otherwise). Its
# hypotheses are checked against the model when the DAG is built.
THEORY_FILE = [config["study"]["theory"]] if config["study"].get("theory") else []
if THEORY_FILE:
    study_hypotheses(MODEL, INSTRUMENT, load_theory(THEORY_FILE[0]))


# Content, not modification time, decides whether an export is new (a re-export copied with `cp -p`).
for street in STREETS:
    record_checksum(config["streets"][street]["raw_export"], export_checksum(street))


wildcard_constraints:
    street="|".join(STREETS),
    lang="|".join(LANGUAGES),


def library(script):
    """The library modules a script runs: editing one reruns exactly the jobs that use it."""
    return [code_path(f) for f in library_files(SCRIPTS / script, LIBRARY)]


def reported(files, caption, category, subcategory=None, keys=None):
    """`files` ({name: path}) with those named in `keys` (all when None) marked for
    `snakemake --report`, under `category` / `subcategory` with the caption in
    workflow/report/<caption>.rst."""
    rst = str(Path(workflow.basedir) / "workflow" / "report" / f"{caption}.rst")
    return {
        name: (
            for_report(path, caption=rst, category=category, subcategory=subcategory)
            if keys is None or name in keys
            else path
        )
        for name, path in files.items()
    }


def benchmark_of(log):
    """A job's benchmark file (wall time, memory; `benchmarks/bench_workflow.py`, the Slurm
    profile's figures) beside its log: timings stay out of the result data."""
    return log.removesuffix(".log") + ".benchmark.tsv"


def raw_export(wildcards):
    return config["streets"][wildcards.street]["raw_export"]


def raw_export_checksum(wildcards):
    """The export's checksum stamp, once the export exists (else ingest names the missing export)."""
    stamp = export_checksum(wildcards.street)
    return [stamp] if Path(stamp).is_file() else []


def street_ingest(wildcards):
    return ingest_settings(config["streets"][wildcards.street])


def street_screening(wildcards):
    return config["streets"][wildcards.street]["screening"]


def report_inputs(street):
    """The result files of `street` that the chapter reads (they depend on what the study has);
    figures in the chapter's language (the report rule's {lang})."""
    comparison = config.get("comparison")
    return paths.report_inputs(
        street,
        "{lang}",
        structural=MODEL.structural,
        bootstrap=BOOTSTRAP_ON,
        mediation=MEDIATION,
        compared=bool(comparison) and comparison["focal"] == street,
        interviews=street in INTERVIEWS,
        cases=bool(CASES) and CASE_STREET == street,
        power=POWER_ON and street == REPORT_STREET,
    )


def synthesis_inputs(wildcards):
    """What the joint display of a street reads: its effects (with bootstrap intervals when the
    bootstrap ran) and midpoint tests, the comparison's IPMA when it is the focal street, its
    interviews' evidence, the case analysis when it is the focal case, the recommendation texts.
    """
    street = wildcards.street
    files = {
        "effects": stage_files("bootstrap" if BOOTSTRAP_ON else "sem", street)[
            "effects"
        ],
        "midpoint": stage_files("measure", street)["midpoint"],
        "params": stage_files("sem", street)["params"],
    }
    if BOOTSTRAP_ON:
        files["boot"] = stage_files("bootstrap", street)["indirect"]
    comparison = config.get("comparison")
    if comparison and comparison["focal"] == street:
        files["ipma"] = comparison_files()["ipma"]
    if street in INTERVIEWS:
        interviews = stage_files("interviews", street)
        files.update(evidence=interviews["evidence"], quotes=interviews["quotes"])
    if CASES and CASE_STREET == street:
        files.update(
            practices=case_files()["practices"], dimensions=CASES["dimensions"]
        )
    if SYNTHESIS.get("recommendations"):
        files["recommendations"] = SYNTHESIS["recommendations"]
    return files


def has_synthesis(street):
    """A street gets a joint display when it has interviews or is the focal case."""
    return street in INTERVIEWS or (bool(CASES) and CASE_STREET == street)


def report_qualitative(street):
    """The qualitative inputs the chapter of `street` reads beside the result files: the case
    files and dimensions (places, kinds, which constructs a dimension speaks to) when the
    street is the focal case, and the recommendation texts of the optimisation path."""
    files = {}
    if CASES and CASE_STREET == street:
        files["case_files"] = CASES["files"]
        files["dimensions"] = CASES["dimensions"]
    if SYNTHESIS.get("recommendations"):
        files["recommendations"] = SYNTHESIS["recommendations"]
    return files


def report_qualitative_settings(street):
    """What the chapter needs to know of the qualitative stages: which ran for this street, and
    the joint display's rule (how many interviewees make interview evidence)."""
    return {
        "interviews": street in INTERVIEWS,
        "interviews_synthetic": bool(INTERVIEWS.get(street, {}).get("synthetic")),
        "cases": bool(CASES) and CASE_STREET == street,
        "focal_case": CASES.get("focal") if CASES and CASE_STREET == street else None,
        "case_files": CASES.get("files", []),
        "dimensions_file": CASES.get("dimensions"),
        "case_bibliography": CASES.get("bibliography", []),
        "min_interviewees": SYNTHESIS.get("min_interviewees", 3),
    }


def synthesis_settings(wildcards):
    return {
        "alpha": config["analysis"]["alpha"],
        "focal_case": (
            CASES.get("focal") if CASES and CASE_STREET == wildcards.street else None
        ),
        "min_interviewees": SYNTHESIS.get("min_interviewees", 3),
    }


def report_bibliography(street):
    """The study's own .bib files, and the case analysis's when the chapter shows it."""
    extra = config["report"]["bibliography"] or []
    extra = [extra] if isinstance(extra, str) else list(extra)
    if CASES and CASE_STREET == street:
        extra += [b for b in CASES["bibliography"] if b not in extra]
    return extra


def report_comparison():
    """What the chapter shows of the comparison: its settings and the compared streets' names."""
    comparison = config.get("comparison")
    if not comparison:
        return None
    compared = [comparison["focal"], *comparison["streets"]]
    names = {
        s: {
            k: config["streets"][s][k]
            for k in ("name", "short_name")
            if k in config["streets"][s]
        }
        for s in compared
    }
    return {
        "focal": comparison["focal"],
        "groups": comparison["groups"],
        "names": names,
        "invariance": comparison["invariance"],  # the criteria the chapter states
    }


def case_standing():
    """What the cases job ranks the focal street by: the comparison's IPMA when the comparison's
    focal street is the focal case's street, else that street's construct means (measure), else
    nothing (a documentary focal case: its dimensions are listed unranked)."""
    comparison = config.get("comparison")
    if CASE_STREET and comparison and comparison["focal"] == CASE_STREET:
        return {"ipma": comparison_files()["ipma"]}
    if CASE_STREET in STREETS:
        return {"means": stage_files("measure", CASE_STREET)["midpoint"]}
    return {}


def report_sources():
    """Every file of the Quarto project in report/: a change to any re-renders the chapter."""
    return sorted(code_path(p) for p in REPORT_SOURCE.rglob("*") if p.is_file())


def all_outputs():
    outputs = []
    for street in STREETS:
        outputs += [stage_files("sem", street)["params"]]
        outputs += [stage_files("robustness", street)["summary"]]
        outputs += [figure_files("flow", street, lang)["png"] for lang in LANGUAGES]
        if MODEL.structural:
            outputs += [figure_files("path", street, lang)["png"] for lang in LANGUAGES]
            outputs += [stage_files("hypotheses", street)["tests"]]
        outputs += (
            [stage_files("bootstrap", street)["indirect"]] if BOOTSTRAP_ON else []
        )
    if config.get("comparison"):
        outputs += [comparison_figure_files("ipma", lang)["png"] for lang in LANGUAGES]
    for street in INTERVIEWS:
        outputs += list(stage_files("interviews", street).values())
        outputs += list(interview_figure_files(LANGUAGES, street).values())
    outputs += list(case_files().values()) if CASES else []
    for street in STREETS:
        outputs += (
            list(stage_files("synthesis", street).values())
            if has_synthesis(street)
            else []
        )
    return outputs + chapter_files()


def chapter_files(lang=None):
    """The rendered chapters: every format in each language (or in `lang` only)."""
    return expand(
        "results/report/chapter.{lang}.{fmt}",
        lang=[lang] if lang else LANGUAGES,
        fmt=config["report"]["formats"],
    )


def compared_in(part):
    """The streets a part of the comparison reads: every compared street for the streets part,
    the focal street for a grouping (COMPARED: workflow/rules/compare.smk)."""
    return COMPARED if part == "streets" else COMPARED[:1]
