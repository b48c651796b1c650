# Shared helpers: config checked against src/govsurvey/schemas/config.schema.yaml, the study's
# instrument and model read and checked against each other, result paths from govsurvey.paths.
from pathlib import Path

import govsurvey
from govsurvey import paths
from govsurvey.config import check_config, ingest_settings
from govsurvey.paths import (
    BOOTSTRAP_SHARD,
    comparison_figure_files,
    comparison_files,
    figure_files,
    library_files,
    log_file,
    stage_files,
)
from govsurvey.study import load_instrument, read_model
from govsurvey.study.model import (
    check_against_instrument,
    check_streets_carry_the_model,
)

check_config(
    config, source=workflow.configfiles[-1] if workflow.configfiles else "config"
)
STREETS = list(config["streets"])
REPORT_STREET = config["report"]["street"]
# The Quarto project sits beside the Snakefile, wherever the workflow runs (--directory).
REPORT_SOURCE = Path(workflow.basedir) / "report"
SCRIPTS = Path(workflow.basedir) / "scripts"
LIBRARY = Path(govsurvey.__file__).parent
INSTRUMENT = load_instrument(config["study"]["instrument"])
MODEL = read_model(config["study"]["model"])
check_against_instrument(MODEL, INSTRUMENT)
check_streets_carry_the_model(config["streets"], MODEL)
BOOTSTRAP = config["analysis"]["bootstrap"]
BOOTSTRAP_ON = BOOTSTRAP["draws"] > 0 and MODEL.structural


wildcard_constraints:
    street="|".join(STREETS),


def library(script):
    """The library modules a script runs: editing one reruns exactly the jobs that use it."""
    return library_files(SCRIPTS / script, LIBRARY)


def raw_export(wildcards):
    return config["streets"][wildcards.street]["raw_export"]


def street_ingest(wildcards):
    return ingest_settings(config["streets"][wildcards.street])


def street_screening(wildcards):
    return config["streets"][wildcards.street]["screening"]


def report_inputs(street):
    """The result files of `street` that the chapter reads (they depend on what the study has)."""
    comparison = config.get("comparison")
    return paths.report_inputs(
        street,
        structural=MODEL.structural,
        bootstrap=BOOTSTRAP_ON,
        definitions=bool(MODEL.definitions),
        compared=bool(comparison) and comparison["focal"] == street,
    )


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
    }


def report_sources():
    """Every file of the Quarto project in report/: a change to any re-renders the chapter."""
    return sorted(str(p) for p in REPORT_SOURCE.rglob("*") if p.is_file())


def all_outputs():
    outputs = []
    for street in STREETS:
        outputs += [
            stage_files("sem", street)["params"],
            figure_files("flow", street)["png"],
        ]
        outputs += [figure_files("path", street)["png"]] if MODEL.structural else []
        outputs += (
            [stage_files("bootstrap", street)["indirect"]] if BOOTSTRAP_ON else []
        )
    if config.get("comparison"):
        outputs += [comparison_figure_files("ipma")["png"]]
    outputs += expand("results/report/chapter.{fmt}", fmt=config["report"]["formats"])
    return outputs
