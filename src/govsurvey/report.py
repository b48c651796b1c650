"""Prepare the Quarto chapter: numbers into _variables.yml, tables and sentences into includes.

Nothing here types a number: every figure comes from the results files of one street. Words
come from report_text.TEXT in the chapter's language.
"""

import importlib.metadata
import platform
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from govsurvey.formatting import apa_number, apa_p, significance_stars
from govsurvey.io import read_json
from govsurvey.report_text import TEXT

# Fit indices shown in the chapter, with Hu & Bentler's (1999) cut-offs and the lenient
# conventions common in Chinese theses (e.g. 吴明隆《结构方程模型》), labelled as such.
FIT_ROWS = [
    ("chisq_df", "χ²/df", "—", None),
    ("cfi", "CFI", "≥ .95", "≥ .90"),
    ("tli", "TLI", "≥ .95", "≥ .90"),
    ("rmsea", "RMSEA", "≤ .06", "≤ .08"),
    ("srmr", "SRMR", "≤ .08", "≤ .08"),
]
SOFTWARE = ["snakemake", "pandas", "numpy", "scipy", "semopy", "statsmodels", "matplotlib", "pypandoc-binary", "typst"]


@dataclass
class StreetResults:
    """The result files of one street that the chapter reads."""

    ingest_report: Path
    screening: Path
    kept: Path
    reliability: Path
    descriptives: Path
    cfa_fit: Path
    sem_params: Path
    sem_fit: Path
    r2: Path
    admissibility: Path
    likert_png: Path
    path_png: Path


_NUMERIC = re.compile(r"^[\s\d.,\[\]()<>=*%−\-—]*$")


def markdown_table(frame, caption, label):
    """A pipe table with a Quarto caption line (`: Caption {#tbl-label}`).

    Numbers align right, text left. Pandoc sizes wrapped columns by the dashes under the
    header, so each column gets dashes in proportion to its longest cell.
    """
    cells = frame.astype(str).apply(lambda col: col.str.replace("|", "\\|", regex=False))
    rule = []
    for column in cells.columns:
        width = max(len(column), *(len(v) for v in cells[column]), 10)
        dashes = "-" * min(width, 60)
        numeric = all(_NUMERIC.match(v) for v in cells[column])
        rule.append(dashes[:-1] + ":" if numeric else ":" + dashes[1:])
    header = "| " + " | ".join(cells.columns) + " |"
    body = ["| " + " | ".join(row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join([header, "|" + "|".join(rule) + "|", *body, "", f": {caption} {{#{label}}}", ""])


def structural_paths(params, instrument):
    """Regression paths among the instrument's constructs, one row each."""
    constructs = set(instrument.constructs)
    paths = params[(params["op"] == "~") & params["lhs"].isin(constructs) & params["rhs"].isin(constructs)]
    return paths.reset_index(drop=True)


def _p_phrase(p):
    text = apa_p(p)
    return text if text.startswith("<") else f"= {text}"


def _md_escape(text):
    """Identifiers such as ind_OB_PL_GS or a1*d1 must not turn into emphasis."""
    return re.sub(r"([*_])", r"\\\1", str(text))


def _num(value, digits=3):
    return apa_number(value, digits, leading_zero=True)


class ChapterTables:
    """The generated tables and sentences of the chapter, in one language."""

    def __init__(self, instrument, config, street_id, language):
        self.instrument = instrument
        self.config = config
        self.street = config["streets"][street_id]
        self.lang = language
        self.t = TEXT[language]

    def construct_name(self, code):
        return self.instrument.constructs[code].name[self.lang]

    def items(self, roles, group, label):
        t = self.t
        rows = [
            (item.code + (" (R)" if item.reverse else ""), item.construct, getattr(item, self.lang))
            for item in self.instrument.items.values()
            if self.instrument.constructs[item.construct].role in roles
        ]
        caption = t["items_caption"].format(group=t["items_groups"][group])
        return markdown_table(pd.DataFrame(rows, columns=t["items_columns"]), caption, label)

    def screening(self, summary):
        t = self.t
        rows = [(t["screening_raw"], summary["n_raw"])]
        for key, count in summary["excluded_by_primary_reason"].items():
            rows.append((t["reasons"].get(key, t["reason_fallback"].format(key=key)), count))
        rows.append((t["screening_kept"], summary["n_kept"]))
        frame = pd.DataFrame(rows, columns=t["screening_columns"])
        return markdown_table(frame, t["screening_caption"], "tbl-screening")

    def demographics(self, kept):
        t = self.t
        rows = []
        for demo in self.instrument.demographics:
            if demo.code not in kept:
                continue
            options = self.instrument.demographic_options(demo, self.street)
            counts = kept[demo.code].value_counts(dropna=False)
            labels = [(i + 1, o[self.lang]) for i, o in enumerate(options)]
            if kept[demo.code].isna().any():
                labels.append((None, t["demographics_missing"]))
            for k, (code, label) in enumerate(labels):
                n = int(kept[demo.code].isna().sum()) if code is None else int(counts.get(float(code), 0))
                name = getattr(demo, self.lang) if k == 0 else ""
                rows.append((name, label, n, f"{100 * n / len(kept):.1f}"))
        frame = pd.DataFrame(rows, columns=t["demographics_columns"])
        return markdown_table(frame, t["demographics_caption"].format(n=len(kept)), "tbl-demographics")

    def descriptives(self, descriptives):
        t = self.t
        frame = pd.DataFrame(
            {
                t["descriptives_columns"][0]: [
                    f"**{v}**" if level == "construct" else v
                    for v, level in zip(descriptives["variable"], descriptives["level"])
                ],
                t["descriptives_columns"][1]: descriptives["n"].to_numpy(),
                t["descriptives_columns"][2]: [f"{v:.2f}" for v in descriptives["mean"]],
                t["descriptives_columns"][3]: [f"{v:.2f}" for v in descriptives["sd"]],
                t["descriptives_columns"][4]: [apa_number(v, 2, leading_zero=True) for v in descriptives["skewness"]],
                t["descriptives_columns"][5]: [apa_number(v, 2, leading_zero=True) for v in descriptives["kurtosis"]],
            }
        )
        return markdown_table(frame, t["descriptives_caption"], "tbl-descriptives")

    def reliability(self, reliability):
        t = self.t
        frame = pd.DataFrame(
            {
                t["reliability_columns"][0]: [f"{c} — {self.construct_name(c)}" for c in reliability["construct"]],
                t["reliability_columns"][1]: [t["roles"][r] for r in reliability["role"]],
                t["reliability_columns"][2]: reliability["n_items"].to_numpy(),
                t["reliability_columns"][3]: [apa_number(v, 3) for v in reliability["alpha"]],
            }
        )
        return markdown_table(frame, t["reliability_caption"], "tbl-reliability")

    def fit(self, fit, caption, label):
        t = self.t
        rows = [("χ² (df)", f"{fit['chisq']:.2f} ({fit['df']})", "—", "—"), ("p", apa_p(fit["pvalue"]), "—", "—")]
        for key, name, strict, lenient in FIT_ROWS:
            value = f"{fit[key]:.2f}" if key == "chisq_df" else apa_number(fit[key], 3)
            if key == "rmsea":
                value += f" [{apa_number(fit['rmsea_ci_lower'], 3)}, {apa_number(fit['rmsea_ci_upper'], 3)}]"
            rows.append((name, value, strict, lenient or t["lenient_chisq_df"]))
        return markdown_table(pd.DataFrame(rows, columns=t["fit_columns"]), caption, label)

    def paths(self, paths):
        t = self.t
        frame = pd.DataFrame(
            {
                t["paths_columns"][0]: [f"{r.rhs} → {r.lhs}" for r in paths.itertuples()],
                t["paths_columns"][1]: [_num(v) for v in paths["est"]],
                t["paths_columns"][2]: [_num(v) for v in paths["se"]],
                t["paths_columns"][3]: [
                    apa_number(v, 2) + significance_stars(p) for v, p in zip(paths["std_all"], paths["pvalue"])
                ],
                t["paths_columns"][4]: [apa_p(v) for v in paths["pvalue"]],
            }
        )
        return markdown_table(frame, t["paths_caption"], "tbl-paths")

    def r2(self, r2):
        t = self.t
        latent = r2[r2["variable"].isin(list(self.instrument.constructs))]
        rows = [(f"{c} — {self.construct_name(c)}", apa_number(v, 3)) for c, v in zip(latent["variable"], latent["r2"])]
        return markdown_table(pd.DataFrame(rows, columns=t["r2_columns"]), t["r2_caption"], "tbl-r2")

    def indirect(self, params):
        t = self.t
        defined = params[params["op"] == ":="]
        frame = pd.DataFrame(
            {
                t["indirect_columns"][0]: [f"{_md_escape(n)} = {_md_escape(e)}" for n, e in zip(defined["lhs"], defined["rhs"])],
                t["indirect_columns"][1]: [_num(v) for v in defined["est"]],
                t["indirect_columns"][2]: [_num(v) for v in defined["se"]],
                t["indirect_columns"][3]: [
                    f"[{_num(lo)}, {_num(hi)}]" for lo, hi in zip(defined["ci_lower"], defined["ci_upper"])
                ],
                t["indirect_columns"][4]: [apa_p(v) for v in defined["pvalue"]],
            }
        )
        return markdown_table(frame, t["indirect_caption"], "tbl-indirect")

    def all_parameters(self, params):
        """Every free and fixed parameter (the defined ones have their own table)."""
        t = self.t
        params = params[params["op"] != ":="]
        frame = pd.DataFrame(
            {
                "lhs": params["lhs"].map(_md_escape),
                "op": params["op"].map(lambda op: f"`{op}`"),
                "rhs": params["rhs"].map(_md_escape),
                t["params_columns"][3]: params["label"].fillna("").map(_md_escape),
                t["params_columns"][4]: [_num(v) for v in params["est"]],
                t["params_columns"][5]: [_num(v) for v in params["se"]],
                t["params_columns"][6]: [apa_number(v, 2, leading_zero=True) for v in params["z"]],
                t["params_columns"][7]: [apa_p(v) for v in params["pvalue"]],
                t["params_columns"][8]: [apa_number(v, 3) for v in params["std_all"]],
            }
        )
        frame.columns = t["params_columns"]
        return markdown_table(frame, t["params_caption"], "tbl-all-params")

    def provenance(self, ingest):
        t = self.t
        names = t["provenance_rows"]
        personal = ", ".join(d["column"] for d in ingest["columns_dropped_personal"]) or t["none"]
        rows = [
            (names["file"], f"`{ingest['file']}`"),
            (names["sha256"], f"`{ingest['sha256']}`"),
            (names["format"], ingest["format"]),
            (names["reader"], ingest["reader"]),
            (names["encoding"], ingest["encoding"]),
            (names["rows"], ingest["rows"]),
            (names["columns"], ingest["columns"]),
            (names["personal"], personal),
        ]
        return markdown_table(pd.DataFrame(rows, columns=t["provenance_columns"]), t["provenance_caption"], "tbl-provenance")

    def versions(self):
        t = self.t
        rows = [("Python", platform.python_version())]
        rows += [(name, importlib.metadata.version(name)) for name in SOFTWARE]
        return markdown_table(pd.DataFrame(rows, columns=t["versions_columns"]), t["versions_caption"], "tbl-versions")

    def discussion(self, paths, alpha):
        """One generated sentence per structural path, grouped by the construct it explains."""
        t = self.t
        blocks = []
        for code, construct in self.instrument.constructs.items():
            rows = paths[paths["lhs"] == code]
            if construct.role == "cause" or rows.empty:
                continue
            sentences = []
            for r in rows.itertuples():
                values = {
                    "cause": self.construct_name(r.rhs),
                    "cause_code": r.rhs,
                    "code": code,
                    "beta": apa_number(r.std_all),
                    "p": _p_phrase(r.pvalue),
                }
                if r.pvalue < alpha:
                    size = "strong" if abs(r.std_all) >= 0.5 else "moderate" if abs(r.std_all) >= 0.3 else "weak"
                    positive = bool(r.std_all > 0)
                    sentence = t["sig_sentence"].format(
                        size=t["size"][size], sign=t["sign"][positive], direction=t["direction"][positive], **values
                    )
                else:
                    sentence = t["ns_sentence"].format(**values)
                sentences.append(sentence)
            blocks.append(t["discussion_target"].format(name=construct.name[self.lang], code=code) + " ".join(sentences))
        return "\n\n".join(blocks) + "\n"


def build_variables(results, instrument, config, street_id, language):
    """The values the chapter reads with {{< var … >}}."""
    t = TEXT[language]
    street = config["streets"][street_id]
    screening = read_json(results.screening)
    reliability = pd.read_csv(results.reliability)
    paths = structural_paths(pd.read_csv(results.sem_params), instrument)
    r2 = pd.read_csv(results.r2)
    admissibility = read_json(results.admissibility)
    ingest = read_json(results.ingest_report)
    fieldwork = street["fieldwork"]

    def fit_values(f):
        return {
            "chisq": f"{f['chisq']:.2f}",
            "df": str(f["df"]),
            "p": apa_p(f["pvalue"]),
            "chisq_df": f"{f['chisq_df']:.2f}",
            "cfi": apa_number(f["cfi"], 3),
            "tli": apa_number(f["tli"], 3),
            "rmsea": apa_number(f["rmsea"], 3),
            "rmsea_lo": apa_number(f["rmsea_ci_lower"], 3),
            "rmsea_hi": apa_number(f["rmsea_ci_upper"], 3),
            "srmr": apa_number(f["srmr"], 3),
        }

    def local(entry, default="—"):
        return entry.get(language, default) if entry else default

    r2_by = dict(zip(r2["variable"], r2["r2"]))
    n_below = int((reliability["alpha"] < 0.70).sum())
    return {
        "study": {
            "title": config["study"]["title"][language],
            "street": street["name"][language],
            "street_zh": street["name"]["zh"],
            "street_en": street["name"]["en"],
            "city": local(street.get("city")),
            "n_items": len(instrument.items),
            "n_constructs": len(instrument.constructs),
        },
        "fieldwork": {
            "start": fieldwork.get("start", "—"),
            "end": fieldwork.get("end", "—"),
            "mode": local(fieldwork.get("mode")),
            "sampling": local(fieldwork.get("sampling")),
            "population": local(fieldwork.get("target_population")),
        },
        "data": {
            "file": ingest["file"],
            "sha256": ingest["sha256"],
            "personal_dropped": len(ingest["columns_dropped_personal"]),
        },
        "sample": {
            "n_raw": screening["n_raw"],
            "n_kept": screening["n_kept"],
            "n_excluded": screening["n_excluded"],
            "pct_kept": f"{100 * screening['n_kept'] / screening['n_raw']:.1f}",
            **{f"excluded_{k}": v for k, v in screening["excluded_by_primary_reason"].items()},
        },
        "reliability": {
            "alpha_min": apa_number(reliability["alpha"].min(), 3),
            "alpha_max": apa_number(reliability["alpha"].max(), 3),
            "below_70": t["count_phrase"](n_below, *t["construct_word"]),
        },
        "cfa": fit_values(read_json(results.cfa_fit)),
        "sem": fit_values(read_json(results.sem_fit)),
        "paths": {
            f"{r.rhs}_{r.lhs}": {"beta": apa_number(r.std_all), "p": apa_p(r.pvalue)} for r in paths.itertuples()
        },
        "r2": {code: apa_number(r2_by[code], 2) for code in instrument.constructs if code in r2_by},
        "admissibility": {
            "n_problems": len(admissibility),
            "text": t["admissible"] if not admissibility else "; ".join(p["message"] for p in admissibility),
        },
    }


def build_chapter_sources(results, instrument, config, street_id, source_dir, build_dir, language="en"):
    """Copy the Quarto project into build_dir and write its generated inputs there.

    The chapter's language picks its source: chapter.qmd (en) or chapter.zh.qmd (zh), which
    becomes build_dir/chapter.qmd, so both languages render to chapter.html / chapter.pdf.
    """
    source_dir, build_dir = Path(source_dir), Path(build_dir)
    if build_dir.exists():
        shutil.rmtree(build_dir)
    shutil.copytree(source_dir, build_dir, ignore=shutil.ignore_patterns("chapter.*.qmd"))
    if language != "en":
        shutil.copy(source_dir / f"chapter.{language}.qmd", build_dir / "chapter.qmd")
    generated = build_dir / "generated"
    generated.mkdir()
    (build_dir / "figures").mkdir(exist_ok=True)
    shutil.copy(results.likert_png, build_dir / "figures" / "likert.png")
    shutil.copy(results.path_png, build_dir / "figures" / "path_diagram.png")

    variables = build_variables(results, instrument, config, street_id, language)
    (build_dir / "_variables.yml").write_text(yaml.safe_dump(variables, allow_unicode=True, sort_keys=False), "utf-8")

    tables = ChapterTables(instrument, config, street_id, language)
    params = pd.read_csv(results.sem_params)
    paths = structural_paths(params, instrument)
    t = tables.t
    street = config["streets"][street_id]
    files = {
        "synthetic_notice.md": t["synthetic"].format(street=street["name"][language]) if street["synthetic"] else "",
        "table_items_causes.md": tables.items(("cause",), "cause", "tbl-items-causes"),
        "table_items_problems.md": tables.items(("problem", "outcome"), "problem", "tbl-items-problems"),
        "table_screening.md": tables.screening(read_json(results.screening)),
        "table_demographics.md": tables.demographics(pd.read_parquet(results.kept)),
        "table_descriptives.md": tables.descriptives(pd.read_csv(results.descriptives)),
        "table_reliability.md": tables.reliability(pd.read_csv(results.reliability)),
        "table_cfa_fit.md": tables.fit(read_json(results.cfa_fit), t["cfa_fit_caption"], "tbl-cfa-fit"),
        "table_sem_fit.md": tables.fit(read_json(results.sem_fit), t["sem_fit_caption"], "tbl-sem-fit"),
        "table_paths.md": tables.paths(paths),
        "table_r2.md": tables.r2(pd.read_csv(results.r2)),
        "table_indirect.md": tables.indirect(params),
        "table_all_params.md": tables.all_parameters(params),
        "table_provenance.md": tables.provenance(read_json(results.ingest_report)),
        "table_versions.md": tables.versions(),
        "discussion.md": tables.discussion(paths, config["analysis"]["alpha"]),
    }
    for name, text in files.items():
        (generated / name).write_text(text, encoding="utf-8")
    return build_dir

