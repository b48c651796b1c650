"""Prepare the Quarto chapter: numbers into _variables.yml, tables and sentences into includes.

Nothing here types a number: every figure comes from the results files of one street.
"""

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from govsurvey.formatting import apa_number, apa_p, significance_stars
from govsurvey.io import read_json
from govsurvey.screening import REASONS

# Fit indices shown in the chapter, with Hu & Bentler's (1999) cut-offs and the lenient
# conventions common in Chinese theses (e.g. 吴明隆《结构方程模型》), labelled as such.
FIT_ROWS = [
    ("chisq_df", "χ²/df", "—", "< 3 (< 5 acceptable)"),
    ("cfi", "CFI", "≥ .95", "≥ .90"),
    ("tli", "TLI", "≥ .95", "≥ .90"),
    ("rmsea", "RMSEA", "≤ .06", "≤ .08"),
    ("srmr", "SRMR", "≤ .08", "≤ .08"),
]


@dataclass
class StreetResults:
    """The result files of one street that the chapter reads."""

    ingest_report: Path
    screening: Path
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
    cells = frame.astype(str)
    rule = []
    for column in cells.columns:
        width = max(len(column), *(len(v) for v in cells[column]), 10)
        dashes = "-" * min(width, 60)
        numeric = all(_NUMERIC.match(v) for v in cells[column])
        rule.append(dashes[:-1] + ":" if numeric else ":" + dashes[1:])
    header = "| " + " | ".join(cells.columns) + " |"
    body = ["| " + " | ".join(row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join([header, "|" + "|".join(rule) + "|", *body, "", f": {caption} {{#{label}}}", ""])


def _fit_table(fit, caption, label):
    rows = [("χ² (df)", f"{fit['chisq']:.2f} ({fit['df']})", "—", "—"), ("p", apa_p(fit["pvalue"]), "—", "—")]
    for key, name, strict, lenient in FIT_ROWS:
        value = f"{fit[key]:.2f}" if key == "chisq_df" else apa_number(fit[key], 3)
        if key == "rmsea":
            value += f" [{apa_number(fit['rmsea_ci_lower'], 3)}, {apa_number(fit['rmsea_ci_upper'], 3)}]"
        rows.append((name, value, strict, lenient))
    frame = pd.DataFrame(rows, columns=["Index", "Value", "Hu & Bentler (1999)", "Lenient convention"])
    return markdown_table(frame, caption, label)


def structural_paths(params, instrument):
    """Regression paths among the instrument's constructs, one row each."""
    constructs = set(instrument.constructs)
    paths = params[(params["op"] == "~") & params["lhs"].isin(constructs) & params["rhs"].isin(constructs)]
    return paths.reset_index(drop=True)


def _path_table(paths, instrument):
    frame = pd.DataFrame(
        {
            "Path": [f"{r.rhs} → {r.lhs}" for r in paths.itertuples()],
            "B": [apa_number(v, 3, leading_zero=True) for v in paths["est"]],
            "SE": [apa_number(v, 3, leading_zero=True) for v in paths["se"]],
            "β": [apa_number(v, 2) + significance_stars(p) for v, p in zip(paths["std_all"], paths["pvalue"])],
            "p": [apa_p(v) for v in paths["pvalue"]],
        }
    )
    return markdown_table(frame, "Structural paths (ML; β is the standardized estimate, std.all)", "tbl-paths")


def _defined_table(params):
    defined = params[params["op"] == ":="]
    frame = pd.DataFrame(
        {
            "Effect": defined["lhs"].to_numpy(),
            "Estimate": [apa_number(v, 3, leading_zero=True) for v in defined["est"]],
            "SE (delta)": [apa_number(v, 3, leading_zero=True) for v in defined["se"]],
            "95% CI": [
                f"[{apa_number(lo, 3, leading_zero=True)}, {apa_number(hi, 3, leading_zero=True)}]"
                for lo, hi in zip(defined["ci_lower"], defined["ci_upper"])
            ],
            "p": [apa_p(v) for v in defined["pvalue"]],
        }
    )
    caption = "Indirect and total effects defined in the model file (delta-method standard errors)"
    return markdown_table(frame, caption, "tbl-indirect")


def _screening_table(summary):
    rows = [("Raw records", summary["n_raw"])]
    rows += [(f"Excluded: {text}", summary["excluded_by_primary_reason"][key]) for key, text in REASONS.items()]
    rows.append(("Analysed", summary["n_kept"]))
    frame = pd.DataFrame(rows, columns=["Step", "n"])
    return markdown_table(frame, "Screening of the raw records (each exclusion counted once, by its first reason)", "tbl-screening")


def _reliability_table(reliability, instrument):
    frame = pd.DataFrame(
        {
            "Construct": [f"{c} — {instrument.constructs[c].name['en']}" for c in reliability["construct"]],
            "Role": reliability["role"].to_numpy(),
            "Items": reliability["n_items"].to_numpy(),
            "Cronbach's α": [apa_number(v, 3) for v in reliability["alpha"]],
        }
    )
    return markdown_table(frame, "Internal consistency of the eight constructs", "tbl-reliability")


def _instrument_table(instrument, roles, caption, label):
    """Items of the constructs with the given roles (split so that each table fits a page)."""
    rows = [
        (item.code + (" (R)" if item.reverse else ""), item.construct, item.en)
        for item in instrument.items.values()
        if instrument.constructs[item.construct].role in roles
    ]
    frame = pd.DataFrame(rows, columns=["Item", "Construct", "Wording (English rendering)"])
    return markdown_table(frame, f"{caption} ((R) = reverse-keyed, recoded max + min − x)", label)


def _discussion(paths, instrument, alpha):
    """One generated sentence per structural path, grouped by the problem it explains."""
    name = {code: c.name["en"].rstrip(".") for code, c in instrument.constructs.items()}
    lines = []
    for target in [c for c, con in instrument.constructs.items() if con.role in ("problem", "outcome")]:
        rows = paths[paths["lhs"] == target]
        if rows.empty:
            continue
        lines.append(f"**{name[target]} ({target}).** ")
        sentences = []
        for r in rows.itertuples():
            significant = r.pvalue < alpha
            direction = "higher" if r.std_all > 0 else "lower"
            size = "strong" if abs(r.std_all) >= 0.5 else "moderate" if abs(r.std_all) >= 0.3 else "weak"
            if significant:
                sentences.append(
                    f"{name[r.rhs]} ({r.rhs}) has a {size}, significant effect (β = {apa_number(r.std_all)}, "
                    f"p {_p_phrase(r.pvalue)}): residents who rate {r.rhs} higher report {direction} {target}."
                )
            else:
                sentences.append(
                    f"The path from {name[r.rhs]} ({r.rhs}) is not significant (β = {apa_number(r.std_all)}, "
                    f"p {_p_phrase(r.pvalue)}), so these data give no support to it as a cause of weak {target}."
                )
        lines[-1] += " ".join(sentences)
        lines.append("")
    return "\n".join(lines)


def _count_phrase(count, singular, plural):
    return f"no {plural}" if count == 0 else f"{count} {singular if count == 1 else plural}"


def _p_phrase(p):
    text = apa_p(p)
    return text if text.startswith("<") else f"= {text}"


def build_variables(results, instrument, config, street_id):
    """The values the chapter reads with {{< var … >}}."""
    street = config["streets"][street_id]
    screening = read_json(results.screening)
    fit = read_json(results.sem_fit)
    cfa = read_json(results.cfa_fit)
    reliability = pd.read_csv(results.reliability)
    paths = structural_paths(pd.read_csv(results.sem_params), instrument)
    r2 = pd.read_csv(results.r2)
    admissibility = read_json(results.admissibility)
    ingest = read_json(results.ingest_report)

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

    r2_by = dict(zip(r2["variable"], r2["r2"]))
    return {
        "study": {
            "title": config["study"]["title"]["en"],
            "street": street["name"]["en"],
            "street_zh": street["name"]["zh"],
            "city": street.get("city", {}).get("en", ""),
            "n_items": len(instrument.items),
            "n_constructs": len(instrument.constructs),
        },
        "fieldwork": {
            "start": street["fieldwork"].get("start", "not recorded"),
            "end": street["fieldwork"].get("end", "not recorded"),
            "mode": street["fieldwork"].get("mode", {}).get("en", "not recorded"),
            "sampling": street["fieldwork"].get("sampling", {}).get("en", "not recorded"),
            "population": street["fieldwork"].get("target_population", {}).get("en", "not recorded"),
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
            "below_70": _count_phrase(int((reliability["alpha"] < 0.70).sum()), "construct", "constructs"),
        },
        "cfa": fit_values(cfa),
        "sem": fit_values(fit),
        "paths": {
            f"{r.rhs}_{r.lhs}": {"beta": apa_number(r.std_all), "p": apa_p(r.pvalue)} for r in paths.itertuples()
        },
        "r2": {code: apa_number(r2_by[code], 2) for code in instrument.constructs if code in r2_by},
        "admissibility": {
            "n_problems": len(admissibility),
            "text": "no inadmissible estimates were found"
            if not admissibility
            else "; ".join(p["message"] for p in admissibility),
        },
    }


def build_chapter_sources(results, instrument, config, street_id, source_dir, build_dir):
    """Copy the Quarto project into build_dir and write its generated inputs there."""
    source_dir, build_dir = Path(source_dir), Path(build_dir)
    if build_dir.exists():
        shutil.rmtree(build_dir)
    shutil.copytree(source_dir, build_dir)
    generated = build_dir / "generated"
    generated.mkdir()
    (build_dir / "figures").mkdir(exist_ok=True)
    shutil.copy(results.likert_png, build_dir / "figures" / "likert.png")
    shutil.copy(results.path_png, build_dir / "figures" / "path_diagram.png")

    variables = build_variables(results, instrument, config, street_id)
    (build_dir / "_variables.yml").write_text(yaml.safe_dump(variables, allow_unicode=True, sort_keys=False), "utf-8")

    params = pd.read_csv(results.sem_params)
    paths = structural_paths(params, instrument)
    alpha = config["analysis"]["alpha"]
    street = config["streets"][street_id]
    files = {
        "synthetic_notice.md": _synthetic_notice(street),
        "table_items_causes.md": _instrument_table(instrument, ("cause",), "Items of the four causes", "tbl-items-causes"),
        "table_items_problems.md": _instrument_table(
            instrument, ("problem", "outcome"), "Items of the three problems and the outcome", "tbl-items-problems"
        ),
        "table_screening.md": _screening_table(read_json(results.screening)),
        "table_reliability.md": _reliability_table(pd.read_csv(results.reliability), instrument),
        "table_cfa_fit.md": _fit_table(read_json(results.cfa_fit), "Fit of the measurement model (CFA)", "tbl-cfa-fit"),
        "table_sem_fit.md": _fit_table(read_json(results.sem_fit), "Fit of the structural model", "tbl-sem-fit"),
        "table_paths.md": _path_table(paths, instrument),
        "table_indirect.md": _defined_table(params),
        "discussion.md": _discussion(paths, instrument, alpha),
    }
    for name, text in files.items():
        (generated / name).write_text(text, encoding="utf-8")
    return build_dir


def _synthetic_notice(street):
    if not street.get("synthetic"):
        return ""
    return (
        "::: {.callout-warning}\n"
        "**Synthetic data.** The responses analysed in this chapter were simulated from a documented "
        "population model (src/govsurvey/simulate.py); they are not a real survey of "
        f"{street['name']['en']}. The numbers show how the pipeline works, not facts about the street.\n"
        ":::\n"
    )
