"""Where things are: every result file of a street, declared once, and the library modules a
workflow script runs (so that editing the library reruns exactly the jobs that use it).

The Snakemake rules take their outputs from `stage_files`, the report rule its inputs from
`report_inputs`, and the chapter reads those inputs, and only those, through `ResultFiles`;
nothing else spells a result path.
"""

import ast
import functools
from pathlib import Path

# stage -> {name: file under results/<street>/<stage>/}
STAGES = {
    "ingest": {"responses": "responses.parquet", "report": "ingest_report.json"},
    "clean": {
        "ledger": "ledger.parquet", "ledger_csv": "ledger.csv", "summary": "screening.json",
        "missingness": "missingness.csv", "kept": "responses.parquet", "scored": "scored.parquet",
    },
    "measure": {
        "reliability": "reliability.csv", "descriptives": "descriptives.csv", "loadings": "loadings.csv",
        "item_analysis": "item_analysis.csv", "fornell_larcker": "fornell_larcker.csv", "htmt": "htmt.csv",
        "kmo": "kmo.csv", "bartlett": "bartlett.json", "harman": "harman.json",
        "efa_loadings": "efa_loadings.csv", "params": "cfa_params.csv", "fit": "cfa_fit.json",
        "fit_table": "cfa_fit_table.csv", "modindices": "modindices.csv",
        "admissibility": "cfa_admissibility.json", "midpoint": "midpoint.csv",
    },
    "sem": {
        "params": "params.csv", "params_parquet": "params.parquet", "fit": "fit.json",
        "fit_table": "fit_table.csv", "r2": "r2.csv", "admissibility": "admissibility.json",
        "effects": "effects.csv",  # direct, indirect, total effects with delta-method intervals
    },
    "bootstrap": {"indirect": "indirect.csv", "indirect_parquet": "indirect.parquet", "summary": "summary.json",
                  "effects": "effects.csv"},  # the same effects with bootstrap intervals
    "hypotheses": {"tests": "tests.csv"},
    "power": {  # Monte Carlo sample-size planning (govsurvey.power), the report street only
        "table": "power.csv", "smallest": "smallest_n.csv", "rmsea": "rmsea_power.csv", "summary": "summary.json",
    },
    "robustness": {  # competing models, method bias, normality, sensitivity (govsurvey.robustness)
        "competing": "competing_models.csv", "competing_wlsmv": "competing_models_wlsmv.csv",
        "method_bias": "method_bias.json",
        "method_paths": "method_bias_paths.csv", "marker": "marker_adjustment.csv",
        "normality": "normality.json", "normality_items": "normality.csv",
        "sensitivity": "sensitivity.csv", "wlsmv_bootstrap": "wlsmv_bootstrap.csv",
        "summary": "summary.json",
    },
    "interviews": {  # one street's interviews, all from the masked transcripts (govsurvey.interviews.stage)
        "interviewees": "interviewees.csv", "segments": "segments.csv", "code_role_matrix": "code_role_matrix.csv",
        "evidence": "evidence.csv", "saturation": "saturation.csv", "quotes": "quotes.csv",
        "quote_rule": "quote_rule.json", "word_frequencies": "word_frequencies.csv", "agreement": "agreement.csv",
        "agreement_summary": "agreement.json",
    },
    "synthesis": {  # the joint display and the optimisation path (govsurvey.synthesis.stage)
        "joint": "joint_display.csv", "optimisation": "optimisation.csv", "summary": "summary.json",
    },
}  # fmt: skip
# The case analysis of the study (govsurvey.cases.stage): name -> file under results/study/cases/
CASES = {"matrix_zh": "matrix_zh.csv", "matrix_en": "matrix_en.csv", "practices": "practices.csv",
         "lacks": "lacks.csv"}  # fmt: skip
# The comparison of streets and groups: name -> file under results/comparison/
COMPARISON = {
    "invariance": "invariance.csv", "freed": "freed.csv", "latent_means": "latent_means.csv",
    "paths": "paths_by_street.csv", "path_equality": "path_equality.csv", "midpoint": "midpoint.csv",
    "differences": "differences.csv", "ipma": "ipma.csv", "summary": "summary.json",
}  # fmt: skip
COMPARISON_FIGURES = {"latent_means": "latent_means", "ipma": "ipma"}
# figure -> file stem under results/<street>/figures/<language>/ (each as .png and .svg): every
# figure has words, so each language of the chapter has its own
FIGURES = {"flow": "screening_flow", "likert": "likert", "path": "path_diagram", "forest": "forest",
           "saturation": "saturation"}  # fmt: skip
# figures of the study itself, drawn from the model before anything is fitted: results/study/figures/<language>/
STUDY_FIGURES = {"conceptual": "conceptual_model"}
BOOTSTRAP_SHARD = "shard_{shard}.parquet"
POWER_SHARD = "shard_{shard}.parquet"  # under results/<street>/power/


def stage_files(stage, street="{street}", root="results"):
    """{name: path} of one stage's result files for `street` (a wildcard by default)."""
    return {name: f"{root}/{street}/{stage}/{file}" for name, file in STAGES[stage].items()}


def export_checksum(street="{street}", root="results"):
    """The SHA-256 of a street's raw export as last read (govsurvey.io.record_checksum): an input
    of ingest, so that new content in the export reruns it whatever the file's modification time."""
    return f"{root}/{street}/ingest/export.sha256"


def figure_files(figure, street="{street}", lang="{lang}", root="results"):
    """{png: path, svg: path} of one figure of a street in one language."""
    stem = f"{root}/{street}/figures/{lang}/{FIGURES[figure]}"
    return {"png": f"{stem}.png", "svg": f"{stem}.svg"}


def study_figure_files(figure, lang="{lang}", root="results"):
    """{png: path, svg: path} of a figure of the study (not of a street)."""
    stem = f"{root}/study/figures/{lang}/{STUDY_FIGURES[figure]}"
    return {"png": f"{stem}.png", "svg": f"{stem}.svg"}


def interview_figure_files(languages, street="{street}", root="results"):
    """{saturation_<lang>_png|svg: path}: the saturation figure in each language, which the
    interviews job draws itself (one job, every language)."""
    return {f"saturation_{lang}_{ext}": path for lang in languages
            for ext, path in figure_files("saturation", street, lang, root).items()}  # fmt: skip


def case_files(root="results"):
    return {name: f"{root}/study/cases/{file}" for name, file in CASES.items()}


def comparison_files(root="results"):
    return {name: f"{root}/comparison/{file}" for name, file in COMPARISON.items()}


def comparison_part_files(part="{part}", root="results"):
    """{table: path} of one part of the comparison (compare.study.run_part), its tables as
    parquet (exact values) and its summary fragment, which the compare job combines."""
    stem = f"{root}/comparison/parts/{part}"
    files = {name: f"{stem}/{name}.parquet" for name in COMPARISON if name != "summary"}
    return {**files, "summary": f"{stem}/summary.json"}


def comparison_figure_files(figure, lang="{lang}", root="results"):
    stem = f"{root}/comparison/figures/{lang}/{COMPARISON_FIGURES[figure]}"
    return {"png": f"{stem}.png", "svg": f"{stem}.svg"}


def log_file(rule, street="{street}", root="results"):
    return f"{root}/{street}/logs/{rule}.log"


def effects_file(street="{street}", bootstrap=True, root="results"):
    """The effects table (govsurvey.sem.effects, EFFECT_COLUMNS) to read: the bootstrap's when it
    ran (bootstrap intervals), else the sem step's (delta-method intervals); the same rows."""
    return stage_files("bootstrap" if bootstrap else "sem", street, root)["effects"]


def report_inputs(street, lang="{lang}", *, structural, bootstrap, mediation, compared, interviews=False,
                  cases=False, power=False, root="results"):
    """{key: path} of the result files the chapter of `street` in language `lang` reads: the
    report rule's inputs, and the only files `ResultFiles` lets the chapter open. `structural`:
    the model has regressions (and so hypotheses and their tests); `bootstrap`: the bootstrap
    ran; `mediation`: the model implies indirect routes (the forest plot); `compared`: the street is
    the focal street of the comparison; `interviews`: the street has interviews; `cases`: the
    street is the focal case of the case analysis; `power`: the power study ran for it."""
    files = {}
    stages = ("ingest", "clean", "measure", "sem", "robustness") + (("bootstrap",) if bootstrap else ())
    stages += ("power",) if power and structural else ()
    for stage in stages + (("hypotheses",) if structural else ()):
        files.update({f"{stage}_{name}": path for name, path in stage_files(stage, street, root).items()})
    figures = ["flow", "likert"] + (["path"] if structural else [])
    figures += ["forest"] if bootstrap and mediation else []
    files.update({f"figure_{name}": figure_files(name, street, lang, root)["png"] for name in figures})
    if structural:
        files["figure_conceptual"] = study_figure_files("conceptual", lang, root)["png"]
    if compared:
        files.update({f"comparison_{name}": path for name, path in comparison_files(root).items()})
        files.update({f"comparison_figure_{name}": comparison_figure_files(name, lang, root)["png"]
                      for name in COMPARISON_FIGURES})
    if interviews:
        files.update({f"interviews_{name}": path for name, path in stage_files("interviews", street, root).items()})
        files["figure_saturation"] = figure_files("saturation", street, lang, root)["png"]
    if cases:
        files.update({f"cases_{name}": path for name, path in case_files(root).items()})
    if interviews or cases:
        files.update({f"synthesis_{name}": path for name, path in stage_files("synthesis", street, root).items()})
    return files


class ResultFiles:
    """The result files as the chapter reads them, `files.path("sem", "fit")`, from the report
    rule's inputs ({key: path} as report_inputs makes them; Snakemake's `input` will do). A file
    the rule does not declare cannot be opened: Snakemake would not have waited for it."""

    def __init__(self, inputs):
        self.inputs = dict(inputs.items())

    def _path(self, key):
        if key not in self.inputs:
            raise RuntimeError(f"the chapter reads the result '{key}', which the report rule does not "
                               "declare as an input: add it to govsurvey.paths.report_inputs")
        return Path(self.inputs[key])

    def path(self, stage, name):
        return self._path(f"{stage}_{name}")

    def figure(self, figure):
        return self._path(f"figure_{figure}")

    def comparison(self, name):
        return self._path(f"comparison_{name}")

    def comparison_figure(self, figure):
        return self._path(f"comparison_figure_{figure}")


def library_files(script, package_dir):
    """The library modules (.py files under `package_dir`, the govsurvey package) that `script`
    imports, directly or through other library modules: the code a job runs besides its script.
    Read from the import statements, without importing anything."""
    package_dir = Path(package_dir)
    seen, todo = set(), [Path(script)]
    while todo:
        for name in _imported_names(todo.pop()):
            parts = name.split(".")
            if parts[0] != package_dir.name:
                continue
            for found in _module_files(package_dir, parts[1:]):
                if found not in seen:
                    seen.add(found)
                    todo.append(found)
    for module, pattern in _MODULE_DATA.items():
        if package_dir / module in seen:
            seen.update(package_dir.glob(pattern))
    return sorted(str(p) for p in seen)


@functools.lru_cache(maxsize=None)
def _imported_names(path):
    """The dotted names a file imports (absolute imports). Cached: every rule asks for the
    library files of its script, and most scripts share most modules; parsing each file once
    keeps a no-op rerun close to a trivial Snakefile's."""
    names = []
    for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names]
    return tuple(names)


# Package data a module reads: a job that imports the module depends on them too (a reworded
# template must redraw the figures and re-render the chapter).
_MODULE_DATA = {"words.py": "prose/*.yaml", "interviews/outputs.py": "interviews/data/*",
                "interviews/roles.py": "interviews/data/roles.yaml"}


def _module_files(package_dir, parts):
    """The file(s) a dotted name inside the package stands for: a module, or a package's
    __init__ (and the package's parents' __init__, which Python runs first)."""
    found = [package_dir / "__init__.py"]
    for k in range(1, len(parts) + 1):
        base = package_dir.joinpath(*parts[:k])
        if (base / "__init__.py").is_file():
            found.append(base / "__init__.py")
        elif base.with_suffix(".py").is_file():
            found.append(base.with_suffix(".py"))
            break
        else:
            break  # a name imported from a module (a function), not a module itself
    return found
