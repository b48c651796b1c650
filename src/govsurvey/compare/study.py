"""The comparison stage: every comparison the config asks for, in one set of long tables.

Comparisons: "streets" (the focal street first, then the benchmark streets) and one per
grouping variable within the focal street (e.g. Party members vs masses, community, housing
type). For each: the measurement-invariance ladder (sem/invariance.py), latent mean
differences when scalar invariance holds at least partially, and differences in construct
scores (Welch tests, Holm-corrected). Across streets also the structural paths per street
with their equality tests, the construct scores against the scale midpoint, and the
importance-performance map. Every table has a `comparison` column naming its comparison.
"""

import logging
import time

import pandas as pd

from govsurvey.compare.differences import construct_scores, group_tests, midpoint_tests
from govsurvey.compare.ipma import ipma
from govsurvey.errors import InputError
from govsurvey.sem.invariance import compare_paths, invariance_ladder
from govsurvey.study.model import as_parsed
from govsurvey.ingest.wording import normalize_text

TABLES = ("invariance", "freed", "latent_means", "paths", "path_equality", "midpoint", "differences", "ipma")


def grouping(scored, instrument, street, name, spec):
    """The group of each respondent for one grouping variable (a Series of group labels; NaN
    for respondents in no group), and the labels in the chapter's order."""
    variable = spec["variable"]
    demographics = {d.code: d for d in instrument.demographics}
    if variable not in demographics:
        raise InputError("config.yaml", f"comparison.groups.{name} uses '{variable}', which is not a demographic "
                         "of the instrument.", f"use one of: {', '.join(demographics)}.")
    if variable not in scored:
        raise InputError("config.yaml", f"comparison.groups.{name}: the focal street's export has no column "
                         f"for {variable}.", "choose another grouping variable.")
    options = instrument.demographic_options(demographics[variable], street)
    codes = scored[variable]
    if not spec.get("groups"):
        labels = [o["en"] for o in options]
        return codes.map(lambda c: labels[int(c) - 1] if pd.notna(c) else None), labels
    number = {normalize_text(o[lang]): k for k, o in enumerate(options, start=1) for lang in ("zh", "en")}
    group_of, labels = {}, []
    for group in spec["groups"]:
        labels.append(group["name"]["en"])
        for option in group["options"]:
            if normalize_text(option) not in number:
                raise InputError("config.yaml", f"comparison.groups.{name}: '{option}' is not an option of "
                                 f"{variable}.", f"use one of: {', '.join(o['zh'] for o in options)}.")
            group_of[number[normalize_text(option)]] = group["name"]["en"]
    return codes.map(lambda c: group_of.get(int(c)) if pd.notna(c) else None), labels


def _drop_small(frame, column, min_size, comparison, log):
    """Leave out groups with fewer complete cases than min_size; returns (frame, left-out)."""
    sizes = frame[column].value_counts()
    small = {str(g): int(n) for g, n in sizes.items() if n < min_size}
    if small:
        log(f"compare: {comparison}: groups left out for fewer than {min_size} respondents: {small}")
    return frame[~frame[column].isin(small)], small


def run_comparison(model, instrument, scored_by_street, focal_params, settings, streets, log=None):
    """All comparisons. scored_by_street: {street id: scored responses}, the focal street first;
    focal_params: the focal street's SEM parameter table; settings: the config's `comparison`
    (with focal filled in); streets: the config's street entries. Returns ({table: DataFrame},
    summary dict)."""
    log = log or logging.getLogger(__name__).info
    started = time.perf_counter()
    parsed = as_parsed(model)
    focal = settings["focal"]
    items = list(instrument.item_codes)
    inv = settings["invariance"]
    ladder = dict(steps=tuple(inv["steps"]), max_free=inv["max_free"], cfi_drop=inv["cfi_drop"],
                  rmsea_rise=inv["rmsea_rise"], log=log)
    tables = {name: [] for name in TABLES}
    summary = {"focal": focal, "streets": list(scored_by_street), "comparisons": {}, "left_out": {}}
    scores = {s: construct_scores(frame, instrument) for s, frame in scored_by_street.items()}
    midpoint = (instrument.scale_min + instrument.scale_max) / 2
    for s, frame in scores.items():
        tables["midpoint"].append(midpoint_tests(frame, midpoint, group=s).assign(comparison="streets"))

    comparisons = []
    if len(scored_by_street) > 1:
        stacked = pd.concat([f[items].assign(group=s) for s, f in scored_by_street.items()], ignore_index=True)
        comparisons.append(("streets", stacked))
    for name, spec in settings["groups"].items():
        frame = scored_by_street[focal]
        groups, labels = grouping(frame, instrument, streets[focal], name, spec)
        stacked = frame[items].assign(group=groups).dropna(subset=["group"])
        stacked = stacked.iloc[stacked["group"].map(labels.index).argsort(kind="stable")]  # config's order
        comparisons.append((name, stacked))
    for name, stacked in comparisons:
        complete = stacked.dropna()
        complete, small = _drop_small(complete, "group", settings["min_group_size"], name, log)
        summary["left_out"][name] = small
        if complete["group"].nunique() < 2:
            summary["comparisons"][name] = {"ran": False, "reason": "fewer than two groups large enough"}
            continue
        log(f"compare: {name}: {complete['group'].nunique()} groups, n = {complete['group'].value_counts().to_dict()}")
        result = invariance_ladder(parsed, complete, "group", **ladder)
        for table in ("steps", "freed", "latent_means"):
            key = "invariance" if table == "steps" else table
            tables[key].append(getattr(result, table).assign(comparison=name))
        group_scores = construct_scores(complete, instrument)
        tables["differences"].append(group_tests(group_scores, complete["group"], name))
        summary["comparisons"][name] = {
            "ran": True, "groups": [str(g) for g in dict.fromkeys(complete["group"])],
            "n": {str(g): int(n) for g, n in complete["group"].value_counts(sort=False).items()},
            "holds": {row.step: bool(row.holds) for row in result.steps.itertuples() if row.step != "configural"},
        }
    if len(scored_by_street) > 1 and parsed.structural:
        stacked = comparisons[0][1].dropna()
        stacked = stacked[~stacked["group"].isin(summary["left_out"]["streets"])]
        paths = compare_paths(parsed, stacked, "group", log=log)
        tables["paths"].append(paths.paths.assign(comparison="streets"))
        tables["path_equality"].append(paths.path_equality.assign(comparison="streets"))
        outcome = settings.get("outcome") or _final_outcome(parsed)
        tables["ipma"].append(ipma(focal_params, scores, focal, instrument, outcome).assign(comparison="streets"))
        summary["outcome"] = outcome
    summary["seconds"] = time.perf_counter() - started
    log(f"compare: done in {summary['seconds']:.1f} s")
    return {name: _concat(frames) for name, frames in tables.items()}, summary


def _final_outcome(parsed):
    sinks = sorted({lhs for lhs, _ in parsed.regressions} - {rhs for _, rhs in parsed.regressions})
    if len(sinks) != 1:
        raise InputError(parsed.source, f"the model has {len(sinks)} final outcomes ({', '.join(sinks)}), so the "
                         "importance-performance map does not know which to explain.",
                         "name it in config.yaml as comparison.outcome.")
    return sinks[0]


def _concat(frames):
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["comparison"])
