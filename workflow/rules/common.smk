# Shared helpers: config checked against src/govsurvey/schemas/config.schema.yaml, paths per street.
from pathlib import Path

from govsurvey.config import check_config

check_config(
    config, source=workflow.configfiles[-1] if workflow.configfiles else "config"
)

STREETS = list(config["streets"])
REPORT_STREET = config["report"]["street"]
# The Quarto project sits beside the Snakefile, wherever the workflow runs (--directory).
REPORT_SOURCE = Path(workflow.basedir) / "report"


wildcard_constraints:
    street="|".join(STREETS),


def raw_export(wildcards):
    return config["streets"][wildcards.street]["raw_export"]


def street_config(wildcards):
    return config["streets"][wildcards.street]


def street_results(street):
    """The result files of one street that the chapter reads (named as in StreetResults)."""
    base = f"results/{street}"
    return {
        "ingest_report": f"{base}/ingest/ingest_report.json",
        "screening": f"{base}/clean/screening.json",
        "missingness": f"{base}/clean/missingness.csv",
        "flow_png": f"{base}/figures/screening_flow.png",
        "kept": f"{base}/clean/responses.parquet",
        "reliability": f"{base}/measure/reliability.csv",
        "descriptives": f"{base}/measure/descriptives.csv",
        "cfa_fit": f"{base}/measure/cfa_fit.json",
        "cfa_fit_table": f"{base}/measure/cfa_fit_table.csv",
        "cfa_admissibility": f"{base}/measure/cfa_admissibility.json",
        "loadings": f"{base}/measure/loadings.csv",
        "item_analysis": f"{base}/measure/item_analysis.csv",
        "fornell_larcker": f"{base}/measure/fornell_larcker.csv",
        "htmt": f"{base}/measure/htmt.csv",
        "bartlett": f"{base}/measure/bartlett.json",
        "harman": f"{base}/measure/harman.json",
        "efa_loadings": f"{base}/measure/efa_loadings.csv",
        "modindices": f"{base}/measure/modindices.csv",
        "sem_params": f"{base}/sem/params.csv",
        "sem_fit": f"{base}/sem/fit.json",
        "sem_fit_table": f"{base}/sem/fit_table.csv",
        "bootstrap": f"{base}/bootstrap/indirect.csv",
        "bootstrap_summary": f"{base}/bootstrap/summary.json",
        "forest_png": f"{base}/figures/forest.png",
        "r2": f"{base}/sem/r2.csv",
        "admissibility": f"{base}/sem/admissibility.json",
        "likert_png": f"{base}/figures/likert.png",
        "path_png": f"{base}/figures/path_diagram.png",
    }


def report_sources():
    """Every file of the Quarto project in report/: a change to any re-renders the chapter."""
    return sorted(str(p) for p in REPORT_SOURCE.rglob("*") if p.is_file())


def all_outputs():
    outputs = expand("results/{street}/sem/params.csv", street=STREETS)
    outputs += expand("results/{street}/figures/path_diagram.png", street=STREETS)
    outputs += expand("results/{street}/bootstrap/indirect.csv", street=STREETS)
    outputs += expand("results/{street}/figures/screening_flow.png", street=STREETS)
    outputs += expand("results/report/chapter.{fmt}", fmt=config["report"]["formats"])
    return outputs
