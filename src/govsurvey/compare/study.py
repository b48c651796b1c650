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
from govsurvey.compare.criteria import CASES_PER_PARAMETER, NO_ANSWER, comparison_parts
from govsurvey.sem.invariance import compare_paths, invariance_ladder
from govsurvey.study.model import as_parsed
from govsurvey.ingest.wording import normalize_text

TABLES = ("invariance", "freed", "latent_means", "paths", "path_equality", "midpoint", "differences", "ipma")


def grouping(scored, instrument, street, name, spec):
    """The group of each respondent for one grouping variable (a Series of group labels; NaN
    for respondents in no group), the labels in the chapter's order, and who is in no group:
    {option (en): respondents} for the options no group lists (a group may merge several
    options), with "(no answer)" for respondents who did not answer."""
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
        group_of = {k: o["en"] for k, o in enumerate(options, start=1)}
        labels = list(group_of.values())
    else:
        number = {normalize_text(o[lang]): k for k, o in enumerate(options, start=1) for lang in ("zh", "en")}
        group_of, labels = {}, []
        for group in spec["groups"]:
            labels.append(group["name"]["en"])
            for option in group["options"]:
                if normalize_text(option) not in number:
                    raise InputError("config.yaml", f"comparison.groups.{name}: '{option}' is not an option of "
                                     f"{variable}.", f"use one of: {', '.join(o['zh'] for o in options)}.")
                k = number[normalize_text(option)]
                if group_of.get(k, group["name"]["en"]) != group["name"]["en"]:
                    raise InputError("config.yaml", f"comparison.groups.{name}: the option '{option}' is listed "
                                     f"in two groups ({group_of[k]} and {group['name']['en']}).",
                                     "list each option in one group only.")
                group_of[k] = group["name"]["en"]
    groups = codes.map(lambda c: group_of.get(int(c)) if pd.notna(c) else None)
    outside = {}
    for k, option in enumerate(options, start=1):
        n = int((codes == k).sum())
        if k not in group_of and n:
            outside[option["en"]] = n
    if codes.isna().any():
        outside[NO_ANSWER] = int(codes.isna().sum())
    return groups, labels, outside


def _drop_small(frame, column, min_size, comparison, log):
    """Leave out groups with fewer complete cases than min_size; returns (frame, left-out)."""
    sizes = frame[column].value_counts()
    small = {str(g): int(n) for g, n in sizes.items() if n < min_size}
    if small:
        log(f"compare: {comparison}: groups left out for fewer than {min_size} respondents: {small}")
    return frame[~frame[column].isin(small)], small


def run_comparison(model, instrument, scored_by_street, settings, streets, log=None):
    """All comparisons in one process (the workflow runs each part as its own job and then
    `combine`s them). scored_by_street: {street id: scored responses}, the focal street first;
    settings: the config's `comparison` (with focal filled in); streets: the config's street
    entries. Returns ({table: DataFrame}, summary dict)."""
    return combine([run_part(part, model, instrument, scored_by_street, settings, streets, log)
                    for part in comparison_parts(settings)])


def run_part(part, model, instrument, scored_by_street, settings, streets, log=None):
    """One part of the comparison (comparison_parts): ({table: DataFrame}, summary fragment).
    A group part reads the focal street only, so its job needs no other street's data."""
    log = log or logging.getLogger(__name__).info
    started = time.perf_counter()
    parsed = as_parsed(model)
    focal = settings["focal"]
    items = list(instrument.item_codes)
    inv = settings["invariance"]
    ladder = dict(steps=tuple(inv["steps"]), max_free=inv["max_free"], criteria=inv["criteria"],
                  cfi_drop=inv["cfi_drop"], rmsea_rise=inv["rmsea_rise"], small_group=inv["small_group"],
                  configural_fit=inv["configural_fit"], log=log)
    tables = {name: [] for name in TABLES}
    summary = {"comparisons": {}, "left_out": {}, "not_grouped": {}}
    if part == "streets":
        summary.update(focal=focal, streets=list(scored_by_street),
                       n={s: int(len(f)) for s, f in scored_by_street.items()})
        scores = {s: construct_scores(frame, instrument) for s, frame in scored_by_street.items()}
        midpoint = (instrument.scale_min + instrument.scale_max) / 2
        for s, frame in scores.items():
            tables["midpoint"].append(midpoint_tests(frame, midpoint, group=s).assign(comparison="streets"))
        if len(scored_by_street) < 2:
            return _tables(tables), summary
        stacked = pd.concat([f[items].assign(group=s) for s, f in scored_by_street.items()], ignore_index=True)
    else:
        frame = scored_by_street[focal]
        groups, labels, outside = grouping(frame, instrument, streets[focal], part, settings["groups"][part])
        summary["not_grouped"][part] = outside
        if outside:
            log(f"compare: {part}: respondents in no group, left out: {outside}")
        stacked = frame[items].assign(group=groups).dropna(subset=["group"])
        stacked = stacked.iloc[stacked["group"].map(labels.index).argsort(kind="stable")]  # config's order
    complete = stacked.dropna()
    complete, small = _drop_small(complete, "group", settings["min_group_size"], part, log)
    summary["left_out"][part] = small
    if complete["group"].nunique() < 2:
        summary["comparisons"][part] = {"ran": False, "reason": "fewer than two groups large enough"}
        return _tables(tables), summary
    log(f"compare: {part}: {complete['group'].nunique()} groups, n = {complete['group'].value_counts().to_dict()}")
    result = invariance_ladder(parsed, complete, "group", **ladder)
    for table in ("steps", "freed", "latent_means"):
        key = "invariance" if table == "steps" else table
        tables[key].append(getattr(result, table).assign(comparison=part))
    group_scores = construct_scores(complete, instrument)
    tables["differences"].append(group_tests(group_scores, complete["group"], part))
    final = result.steps.drop_duplicates("step", keep="last")
    configural = result.fits["configural"]
    n = {str(g): int(k) for g, k in complete["group"].value_counts(sort=False).items()}
    per_group = configural.fit["npar"] / len(n)
    summary["comparisons"][part] = {
        "ran": True, "groups": [str(g) for g in dict.fromkeys(complete["group"])], "n": n,
        "holds": {row.step: bool(row.holds) for row in final.itertuples()},
        "criteria": sorted(set(final["criteria"]) - {""}),
        "free_per_group": per_group,
        "few_cases": min(n.values()) < CASES_PER_PARAMETER * per_group,
    }
    if part == "streets" and parsed.structural:
        stacked = stacked.dropna()
        stacked = stacked[~stacked["group"].isin(small)]
        paths = compare_paths(parsed, stacked, "group", log=log)
        tables["paths"].append(paths.paths.assign(comparison="streets"))
        tables["path_equality"].append(paths.path_equality.assign(comparison="streets"))
        outcome = settings.get("outcome") or _final_outcome(parsed)
        # each street's importance: its own total effects in the multi-group model
        by_street = dict(iter(paths.paths.groupby("group_label", sort=False)))
        compared = {s: scores[s] for s in by_street}
        tables["ipma"].append(ipma(by_street, compared, focal, instrument, outcome).assign(comparison="streets"))
        summary["outcome"] = outcome
    log(f"compare: {part}: done in {time.perf_counter() - started:.1f} s")  # the log, not the summary
    return _tables(tables), summary


def combine(parts):
    """The comparison's tables and summary from its parts' ({table: DataFrame}, summary), the
    "streets" part first: each table the parts' rows in order, the summary's per-comparison
    entries in the parts' order."""
    head = parts[0][1]
    summary = {"focal": head["focal"], "streets": head["streets"], "comparisons": {}, "left_out": {},
               "not_grouped": {}, "n": head["n"]}
    for _, fragment in parts:
        for key in ("comparisons", "left_out", "not_grouped"):
            summary[key].update(fragment[key])
    if "outcome" in head:
        summary["outcome"] = head["outcome"]
    tables = {name: _concat([t[name] for t, _ in parts]) for name in TABLES}
    return tables, summary


def _tables(frames):
    return {name: _concat(parts) for name, parts in frames.items()}


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
