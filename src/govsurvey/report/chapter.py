"""Prepare the Quarto chapter: numbers into _variables.yml, tables and sentences into includes.

Nothing here types a number: every figure comes from the results files of one street. Words
come from report_text.TEXT in the chapter's language.
"""

import importlib.metadata
import platform
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from govsurvey.figures.forest import effect_label
from govsurvey.formatting import apa_number, apa_p, significance_stars
from govsurvey.io import read_json
from govsurvey.words import WORDS as TEXT


# Fit indices shown in the fit tables, in this order (thresholds come from the fit-table file).
FIT_INDICES = {
    "chisq_df": "χ²/df",
    "cfi": "CFI",
    "tli": "TLI",
    "rmsea": "RMSEA [90% CI]",
    "srmr": "SRMR",
    "gfi": "GFI",
    "agfi": "AGFI",
    "nfi": "NFI",
    "ifi": "IFI",
}
SOFTWARE = ["snakemake", "pandas", "numpy", "scipy", "semopy", "statsmodels", "matplotlib", "pypandoc-binary", "typst"]


@dataclass
class StreetResults:
    """The result files of one street that the chapter reads."""

    ingest_report: Path
    screening: Path
    missingness: Path
    flow_png: Path
    kept: Path
    reliability: Path
    descriptives: Path
    cfa_fit: Path
    cfa_fit_table: Path
    cfa_admissibility: Path
    loadings: Path
    item_analysis: Path
    fornell_larcker: Path
    htmt: Path
    bartlett: Path
    harman: Path
    efa_loadings: Path
    modindices: Path
    sem_params: Path
    sem_fit: Path
    sem_fit_table: Path
    bootstrap: Path
    bootstrap_summary: Path
    forest_png: Path
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
        width = max(_display_width(column), *(_display_width(v) for v in cells[column]), 10)
        dashes = "-" * min(width, 80)
        numeric = all(_NUMERIC.match(v) for v in cells[column])
        rule.append(dashes[:-1] + ":" if numeric else ":" + dashes[1:])
    header = "| " + " | ".join(cells.columns) + " |"
    body = ["| " + " | ".join(row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join([header, "|" + "|".join(rule) + "|", *body, "", f": {caption} {{#{label}}}", ""])


def _display_width(text):
    """Columns a string takes in print: Chinese characters are twice as wide as Latin ones."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def structural_paths(params, instrument):
    """Regression paths among the instrument's constructs, one row each."""
    constructs = set(instrument.constructs)
    paths = params[(params["op"] == "~") & params["lhs"].isin(constructs) & params["rhs"].isin(constructs)]
    return paths.reset_index(drop=True)


def _p_phrase(p):
    text = apa_p(p)
    return text if text.startswith("<") else f"= {text}"


def _apa_threshold(text):
    """'≥ 0.95' -> '≥ .95' (APA: no leading zero where a value cannot exceed 1)."""
    return re.sub(r"(?<!\d)0\.", ".", text)


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
        """Raw records, each switched-on rule's exclusions (by primary reason), analysed."""
        t = self.t
        rows = [(t["screening_raw"], summary["n_raw"])]
        for key, count in summary["excluded_by_primary_reason"].items():
            if summary["rules"].get(key, {}).get("enabled", True):
                rows.append((self.t["reasons"][key], count))
        rows.append((t["screening_kept"], summary["n_kept"]))
        frame = pd.DataFrame(rows, columns=t["screening_columns"])
        return markdown_table(frame, t["screening_caption"], "tbl-screening")

    def missingness(self, missing):
        t = self.t
        frame = pd.DataFrame(
            {
                t["missingness_columns"][0]: missing["item"],
                t["missingness_columns"][1]: missing["n"],
                t["missingness_columns"][2]: missing["n_missing"],
                t["missingness_columns"][3]: [f"{v:.1f}" for v in missing["pct_missing"]],
            }
        )
        return markdown_table(frame, t["missingness_caption"], "tbl-missingness")

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
        """Reliability and convergent validity of each construct."""
        t = self.t
        frame = pd.DataFrame(
            {
                t["reliability_columns"][0]: [f"{c} — {self.construct_name(c)}" for c in reliability["construct"]],
                t["reliability_columns"][1]: reliability["n_items"].to_numpy(),
                t["reliability_columns"][2]: [
                    f"{apa_number(a, 3)} [{apa_number(lo, 3)}, {apa_number(hi, 3)}]"
                    for a, lo, hi in zip(reliability["alpha"], reliability["alpha_ci_lower"], reliability["alpha_ci_upper"])
                ],
                t["reliability_columns"][3]: [apa_number(v, 3) for v in reliability["omega"]],
                t["reliability_columns"][4]: [apa_number(v, 3) for v in reliability["cr"]],
                t["reliability_columns"][5]: [apa_number(v, 3) for v in reliability["ave"]],
                t["reliability_columns"][6]: [apa_number(v, 3) for v in reliability["min_loading"]],
            }
        )
        return markdown_table(frame, t["reliability_caption"], "tbl-reliability")

    def item_analysis(self, loadings, items):
        """Per item: standardized loading, corrected item-total r and alpha if deleted."""
        t = self.t
        merged = loadings.merge(items, on=["construct", "item"])
        frame = pd.DataFrame(
            {
                t["item_analysis_columns"][0]: merged["item"],
                t["item_analysis_columns"][1]: [apa_number(v, 3) for v in merged["std_all"]],
                t["item_analysis_columns"][2]: [apa_number(v, 3) for v in merged["r2"]],
                t["item_analysis_columns"][3]: [apa_number(v, 3) for v in merged["r_drop"]],
                t["item_analysis_columns"][4]: [apa_number(v, 3) for v in merged["alpha_if_deleted"]],
            }
        )
        return markdown_table(frame, t["item_analysis_caption"], "tbl-item-analysis")

    def fornell_larcker(self, table):
        t = self.t
        codes = list(table["construct"])
        rows = []
        for i, r in enumerate(table.itertuples(index=False)):
            cells = [apa_number(getattr(r, c), 3) for c in codes[: i + 1]]
            cells[-1] = f"**{cells[-1]}**"
            rows.append([r.construct, *cells, *[""] * (len(codes) - i - 1)])
        frame = pd.DataFrame(rows, columns=["", *codes])
        return markdown_table(frame, t["fornell_larcker_caption"], "tbl-fornell-larcker")

    def htmt(self, htmt):
        t = self.t
        codes = list(dict.fromkeys([*htmt["construct_a"], *htmt["construct_b"]]))
        value = {(a, b): v for a, b, v in zip(htmt["construct_a"], htmt["construct_b"], htmt["htmt2"])}
        value.update({(b, a): v for (a, b), v in list(value.items())})
        rows = [[a, *[apa_number(value[(a, b)], 3) if j < i else "" for j, b in enumerate(codes[:-1])]]
                for i, a in enumerate(codes) if i > 0]
        frame = pd.DataFrame(rows, columns=["", *codes[:-1]])
        return markdown_table(frame, t["htmt_caption"], "tbl-htmt")

    def efa(self, efa):
        t = self.t
        factors = [c for c in efa.columns if re.fullmatch(r"F\d+", c)]
        frame = pd.DataFrame({t["efa_columns"][0]: efa["item"]})
        for f in factors:
            frame[f] = [apa_number(v, 2) if abs(v) >= 0.30 else "" for v in efa[f]]
        frame[t["efa_columns"][1]] = [apa_number(v, 2) for v in efa["communality"]]
        return markdown_table(frame, t["efa_caption"], "tbl-efa")

    def modindices(self, mi):
        t = self.t
        frame = pd.DataFrame(
            {
                t["mi_columns"][0]: [f"{r.lhs} `{r.op}` {r.rhs}" for r in mi.itertuples()],
                t["mi_columns"][1]: [f"{v:.2f}" for v in mi["mi"]],
                t["mi_columns"][2]: [_num(v) for v in mi["epc"]],
                t["mi_columns"][3]: [apa_number(v, 3) for v in mi["sepc_all"]],
            }
        )
        return markdown_table(frame, t["mi_caption"], "tbl-modindices")

    def fit(self, fit_table, caption, label):
        """Fit indices beside the strict (Hu & Bentler) and lenient thresholds, with verdicts."""
        t = self.t
        values = dict(zip(fit_table["index"], fit_table["value"]))
        rows = [("χ² (df)", f"{values['chisq']:.2f} ({values['df']:.0f})", "", ""), ("p", apa_p(values["pvalue"]), "", "")]
        for r in fit_table.itertuples():
            if r.index not in FIT_INDICES:
                continue
            value = f"{r.value:.2f}" if r.index == "chisq_df" else apa_number(r.value, 3)
            if r.index == "rmsea":
                value += f" [{apa_number(values['rmsea_ci_lower'], 3)}, {apa_number(values['rmsea_ci_upper'], 3)}]"
            rows.append((FIT_INDICES[r.index], value, self._threshold(r.threshold_strict, r.verdict_strict),
                         self._threshold(r.threshold_lenient, r.verdict_lenient)))
        frame = pd.DataFrame(rows, columns=t["fit_columns"]).replace("", "—")
        return markdown_table(frame, caption, label)

    def _threshold(self, threshold, verdict):
        if not isinstance(threshold, str):
            return ""
        mark = {"met": "✓", "not met": "✗"}.get(verdict, "")
        return f"{_apa_threshold(threshold)} {mark}".strip()

    def paths(self, paths, bootstrap):
        """Structural paths; β with its percentile bootstrap CI."""
        t = self.t
        boot = bootstrap[bootstrap["ci_of"] == "std_all"].set_index(["lhs", "rhs"])
        ci = [boot.loc[(r.lhs, r.rhs)] for r in paths.itertuples()]
        frame = pd.DataFrame(
            {
                t["paths_columns"][0]: [f"{r.rhs} → {r.lhs}" for r in paths.itertuples()],
                t["paths_columns"][1]: [_num(v) for v in paths["est"]],
                t["paths_columns"][2]: [_num(v) for v in paths["se"]],
                t["paths_columns"][3]: [
                    apa_number(v, 2) + significance_stars(p) for v, p in zip(paths["std_all"], paths["pvalue"])
                ],
                t["paths_columns"][4]: [apa_p(v) for v in paths["pvalue"]],
                t["paths_columns"][5]: [f"[{apa_number(c.ci_lower_perc)}, {apa_number(c.ci_upper_perc)}]" for c in ci],
            }
        )
        return markdown_table(frame, t["paths_caption"], "tbl-paths")

    def r2(self, r2):
        t = self.t
        latent = r2[r2["variable"].isin(list(self.instrument.constructs))]
        rows = [(f"{c} — {self.construct_name(c)}", apa_number(v, 3)) for c, v in zip(latent["variable"], latent["r2"])]
        return markdown_table(pd.DataFrame(rows, columns=t["r2_columns"]), t["r2_caption"], "tbl-r2")

    def indirect(self, bootstrap, summary):
        """Defined effects: estimate, delta-free bootstrap SE, percentile and BC CIs."""
        t = self.t
        defined = bootstrap[bootstrap["op"] == ":="]
        frame = pd.DataFrame(
            {
                t["indirect_columns"][0]: [effect_label(n, self.lang) for n in defined["lhs"]],
                t["indirect_columns"][1]: [_num(v) for v in defined["est"]],
                t["indirect_columns"][2]: [apa_number(v, 3) for v in defined["std_all"]],
                t["indirect_columns"][3]: [_num(v) for v in defined["boot_se"]],
                t["indirect_columns"][4]: [
                    f"[{_num(lo)}, {_num(hi)}]" for lo, hi in zip(defined["ci_lower_perc"], defined["ci_upper_perc"])
                ],
                t["indirect_columns"][5]: [
                    f"[{_num(lo)}, {_num(hi)}]" for lo, hi in zip(defined["ci_lower_bc"], defined["ci_upper_bc"])
                ],
            }
        )
        caption = t["indirect_caption"].format(draws=summary["draws"], admissible=summary["admissible"])
        return markdown_table(frame, caption, "tbl-indirect")

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
        """Where the data came from and what ingest did to them (ingest_report.json)."""
        t = self.t
        names = t["provenance_rows"]
        personal = "; ".join(f"{d['column']} ({d['reason']})" for d in ingest["columns_dropped_personal"])
        missing = ", ".join(f"{reason} {n}" for reason, n in ingest["missing_by_reason"].items())
        rows = [
            (names["file"], f"`{ingest['file']}` ({ingest['bytes']:,} bytes)"),
            # In blocks of eight, like a key fingerprint, so that it wraps inside the column.
            (names["sha256"], " ".join(f"`{ingest['sha256'][i:i + 8]}`" for i in range(0, 64, 8))),
            (names["format"], f"{ingest['format_title']} — {ingest['format_chosen']}"),
            (names["reader"], f"{ingest['reader']}; {ingest['encoding']}"),
            (names["rows"], f"{ingest['rows']} × {ingest['columns']}; {ingest['record_from']}"),
            (names["personal"], personal or t["none"]),
            (names["hashed"], ", ".join(ingest["identifiers_hashed"]) or t["none"]),
            (names["missing"], missing or t["none"]),
        ]
        unmatched = [c["column"] for c in ingest["columns_unmatched"]]
        if unmatched:
            rows.append((names["unmatched"], ", ".join(unmatched)))
        if ingest["out_of_scale_as_missing"]:
            rows.append((names["out_of_scale"], str(ingest["out_of_scale_as_missing"])))
        frame = pd.DataFrame(rows, columns=t["provenance_columns"])
        return markdown_table(frame, t["provenance_caption"], "tbl-provenance")

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
        return "\n\n".join(blocks) + "\n\n" + self.optimisation(paths, alpha)

    def optimisation(self, paths, alpha):
        """The optimisation paths the evidence supports, strongest total effect on the outcome first."""
        t = self.t
        ranked, outcome = supported_causes(paths, self.instrument, alpha)
        lines = [t["optimisation_intro"].format(outcome=outcome), ""]
        for code, total, supported in ranked:
            construct = self.instrument.constructs[code]
            values = {"name": construct.name[self.lang], "code": code, "total": apa_number(total), "outcome": outcome}
            if supported:
                implication = (construct.implication or {}).get(self.lang, "")
                lines.append(t["optimisation_supported"].format(implication=implication, **values))
            else:
                lines.append(t["optimisation_unsupported"].format(**values))
        return "\n".join(lines) + "\n"


def _bootstrap_values(results, t):
    summary = read_json(results.bootstrap_summary)
    effects = pd.read_csv(results.bootstrap)
    defined = effects[effects["op"] == ":="]
    excludes_zero = (defined["ci_lower_perc"] > 0) | (defined["ci_upper_perc"] < 0)
    return {
        "draws": summary["draws"],
        "admissible": summary["admissible"],
        "not_converged": summary["not_converged"],
        "inadmissible": summary["inadmissible"],
        "level": f"{100 * summary['level']:.0f}",
        "seed": summary["seed"],
        "n_effects": len(defined),
        "n_supported": t["count_phrase"](int(excludes_zero.sum()), *t["effect_word"]),
    }


def total_effects(paths, constructs):
    """Total standardized effects among constructs from the std.all paths: (I - B)^-1 - I."""
    index = {code: k for k, code in enumerate(constructs)}
    beta = np.zeros((len(constructs), len(constructs)))
    for r in paths.itertuples():
        beta[index[r.lhs], index[r.rhs]] = r.std_all
    total = np.linalg.inv(np.eye(len(constructs)) - beta) - np.eye(len(constructs))
    return pd.DataFrame(total, index=constructs, columns=constructs)  # row: effect on; column: of


def supported_causes(paths, instrument, alpha):
    """Causes with a chain of significant paths to the outcome, strongest total effect first."""
    constructs = list(instrument.constructs)
    outcome = next(c for c, con in instrument.constructs.items() if con.role == "outcome")
    significant = paths[paths["pvalue"] < alpha]
    reach = {outcome}
    for _ in constructs:  # grow the set of constructs with a significant chain to the outcome
        reach |= set(significant.loc[significant["lhs"].isin(reach), "rhs"])
    total = total_effects(paths, constructs).loc[outcome]
    causes = [c for c, con in instrument.constructs.items() if con.role == "cause"]
    ranked = sorted(causes, key=lambda c: -abs(total[c]))
    return [(c, total[c], c in reach) for c in ranked], outcome


def build_variables(results, instrument, config, street_id, language):
    """The values the chapter reads with {{< var … >}}."""
    t = TEXT[language]
    street = config["streets"][street_id]
    screening = read_json(results.screening)
    reliability = pd.read_csv(results.reliability)
    paths = structural_paths(pd.read_csv(results.sem_params), instrument)
    r2 = pd.read_csv(results.r2)
    problems = read_json(results.cfa_admissibility) + read_json(results.admissibility)
    ingest = read_json(results.ingest_report)
    bartlett = read_json(results.bartlett)
    harman = read_json(results.harman)
    htmt = pd.read_csv(results.htmt)
    fornell = pd.read_csv(results.fornell_larcker)
    missing = pd.read_csv(results.missingness)
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
        "missing": {
            "n_screened": screening["n_screened"],
            "n_items": t["count_phrase"](int((missing["n_missing"] > 0).sum()), *t["item_word"]),
            "max_pct": f"{missing['pct_missing'].max():.1f}",
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
        "validity": {
            "kmo": apa_number(bartlett["kmo_overall"], 3),
            "bartlett_chisq": f"{bartlett['chisq']:.2f}",
            "bartlett_df": bartlett["df"],
            "bartlett_p": apa_p(bartlett["pvalue"]),
            "harman_pct": f"{100 * harman['first_component_share']:.1f}",
            "harman_verdict": t["harman_verdict"][bool(harman["below_50_percent"])],
            "htmt_max": apa_number(htmt["htmt2"].max(), 3),
            "fl_pass": t["count_phrase"](int(fornell["sqrt_ave_exceeds_correlations"].sum()), *t["construct_word"]),
            "ave_min": apa_number(reliability["ave"].min(), 3),
            "cr_min": apa_number(reliability["cr"].min(), 3),
        },
        "bootstrap": _bootstrap_values(results, t),
        "admissibility": {
            "n_problems": len(problems),
            "text": t["admissible"] if not problems else "; ".join(p["message"] for p in problems),
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
    shutil.copy(results.flow_png, build_dir / "figures" / "screening_flow.png")
    shutil.copy(results.forest_png, build_dir / "figures" / "forest.png")

    variables = build_variables(results, instrument, config, street_id, language)
    (build_dir / "_variables.yml").write_text(yaml.safe_dump(variables, allow_unicode=True, sort_keys=False), "utf-8")

    tables = ChapterTables(instrument, config, street_id, language)
    params = pd.read_csv(results.sem_params)
    bootstrap = pd.read_csv(results.bootstrap)
    paths = structural_paths(params, instrument)
    t = tables.t
    street = config["streets"][street_id]
    files = {
        "synthetic_notice.md": t["synthetic"].format(street=street["name"][language]) if street["synthetic"] else "",
        "limitation_synthetic.md": t["synthetic_limitation"] if street["synthetic"] else "",
        "table_items_causes.md": tables.items(("cause",), "cause", "tbl-items-causes"),
        "table_items_problems.md": tables.items(("problem", "outcome"), "problem", "tbl-items-problems"),
        "table_screening.md": tables.screening(read_json(results.screening)),
        "table_missingness.md": tables.missingness(pd.read_csv(results.missingness)),
        "table_demographics.md": tables.demographics(pd.read_parquet(results.kept)),
        "table_descriptives.md": tables.descriptives(pd.read_csv(results.descriptives)),
        "table_reliability.md": tables.reliability(pd.read_csv(results.reliability)),
        "table_item_analysis.md": tables.item_analysis(pd.read_csv(results.loadings), pd.read_csv(results.item_analysis)),
        "table_fornell_larcker.md": tables.fornell_larcker(pd.read_csv(results.fornell_larcker)),
        "table_htmt.md": tables.htmt(pd.read_csv(results.htmt)),
        "table_cfa_fit.md": tables.fit(pd.read_csv(results.cfa_fit_table), t["cfa_fit_caption"], "tbl-cfa-fit"),
        "table_sem_fit.md": tables.fit(pd.read_csv(results.sem_fit_table), t["sem_fit_caption"], "tbl-sem-fit"),
        "table_efa.md": tables.efa(pd.read_csv(results.efa_loadings)),
        "table_modindices.md": tables.modindices(pd.read_csv(results.modindices)),
        "table_paths.md": tables.paths(paths, bootstrap),
        "table_r2.md": tables.r2(pd.read_csv(results.r2)),
        "table_indirect.md": tables.indirect(bootstrap, read_json(results.bootstrap_summary)),
        "table_all_params.md": tables.all_parameters(params),
        "table_provenance.md": tables.provenance(read_json(results.ingest_report)),
        "table_versions.md": tables.versions(),
        "discussion.md": tables.discussion(paths, config["analysis"]["alpha"]),
    }
    for name, text in files.items():
        (generated / name).write_text(text, encoding="utf-8")
    return build_dir

