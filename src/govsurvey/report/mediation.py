"""The chapter's mediation section: the effects table grouped by cause (direct effect, each
route, total indirect, total, share of the total, mediation type) and the sentences that count
routes and totals apart and name each cause's mediation type by the rule they state.

Reads the effects table (govsurvey.sem.effects: bootstrap/effects.csv when the bootstrap ran,
else sem/effects.csv), whose intervals (ci_lower, ci_upper) and mediation types are those the
text reports."""

import math

import pandas as pd

from govsurvey.formatting import apa_number, apa_p
from govsurvey.report.tables import level_percent, markdown_table, num
from govsurvey.io import bc_refused, read_effects

_ZH_SMALL = dict(enumerate("零一两三四五六七八九十"))


def effects(chapter):
    """The effects table the chapter reports (bootstrap intervals when the bootstrap ran)."""
    return read_effects(chapter.files.path("bootstrap" if chapter.bootstrapped else "sem", "effects"))


def counts(chapter, *ns):
    """Counts for one sentence: English number words below ten; in Chinese, numerals with a
    measure word (两条, 十条) when every count in the sentence is at most ten, else all Arabic
    (one style per sentence)."""
    if chapter.language == "en":
        return [chapter.w["number"](n) for n in ns]
    small = all(0 <= n <= 10 for n in ns)
    return [_ZH_SMALL[n] if small else str(n) for n in ns]


def _ci(lo, hi):
    return "—" if math.isnan(lo) or math.isnan(hi) else f"[{num(lo)}, {num(hi)}]"


def _share(value):
    return "—" if value is None or math.isnan(value) else f"{100 * value:.1f}%"


def mediation_type(chapter, group):
    """The word for a cause's mediation type; 'full' with a direct effect fixed by the model
    is full by specification."""
    w = chapter.w["mediation"]
    kind = group["mediation"].iloc[0]
    fixed = not bool(group.loc[group["kind"] == "direct", "direct_in_model"].iloc[0])
    return w["types"]["full_fixed" if kind == "full" and fixed else kind]


def bootstrap_note(chapter, summary, table):
    """The sentences under the bootstrap's paragraph: the intervals rest on fewer admissible
    draws than sem.bootstrap.ADVISED_DRAWS, and the effects (of `table`, the effects table)
    whose bias-corrected interval was refused. Empty when neither."""
    w = chapter.w["mediation"]
    parts = []
    if summary["admissible"] < summary.get("advised_draws", 1000):
        parts.append(w["few_draws"].format(admissible=summary["admissible"]))
    refused = len(bc_refused(table))
    if refused:
        n, m = counts(chapter, refused, int((table["ci_lower_perc"] < table["ci_upper_perc"]).sum()))
        parts.append(w["bc_refused"].format(n=n, m=m))
    return chapter.w["sentence_join"].join(parts) + ("\n" if parts else "")


def mediation_table(chapter, table, summary):
    """Grouped by cause: a header row (cause → outcome: type), then direct, each route, total
    indirect (when there is more than one route: else it is the route) and total, with the
    percentile interval (the BC one is in the forest plot and the effects file); the note under
    it. One page tall and page wide for the default model, in the PDF and in Word: a table in the
    text does not break."""
    w = chapter.w["mediation"]
    boot = chapter.bootstrapped
    level = level_percent(summary["level"]) if boot else "95"
    columns = [c.format(level=level) for c in w["columns" if boot else "delta_columns"]]
    rows = []
    generated = table[table["kind"] != "defined"]
    # the caption names the outcome; a group names it too when there are several
    header = w["group_outcome" if generated["outcome"].nunique() > 1 else "group"]
    for (cause, outcome), group in generated.groupby(["cause", "outcome"], sort=False):
        rows.append([header.format(cause=cause, outcome=outcome, type=mediation_type(chapter, group))]
                    + [""] * (len(columns) - 1))
        n_routes = int((group["kind"] == "indirect").sum())
        for r in group.itertuples():
            if r.kind != "total_indirect" or n_routes > 1:
                rows.append(_row(chapter, r, boot))
    defined = table[table["kind"] == "defined"]
    if len(defined):
        rows.append([w["defined_group"]] + [""] * (len(columns) - 1))
        rows += [_row(chapter, r, boot) for r in defined.itertuples()]
    frame = pd.DataFrame(rows, columns=columns)
    outcome = ", ".join(dict.fromkeys(generated["outcome"]))
    if boot:
        caption = w["caption"].format(outcome=outcome, draws=summary["draws"], admissible=summary["admissible"],
                                      level=level_percent(summary["level"]))
    else:
        caption = w["caption_delta"].format(outcome=outcome)
    return markdown_table(frame, caption, "tbl-indirect") + "\n" + w["note"].format(outcome=outcome) + "\n"


def _row(chapter, r, boot):
    w = chapter.w["mediation"]
    if r.kind == "direct" and not r.direct_in_model:
        return [w["direct_fixed"], "0"] + ["—"] * (5 if not boot else 4)
    route = r.route.replace(" ", "\u00a0")  # a route is one word: it does not wrap
    label = {"direct": w["direct"], "indirect": route, "total_indirect": w["total_indirect"],
             "total": w["total"]}.get(r.kind, r.label or route)
    share = None if r.kind in ("total", "defined") else r.proportion
    if boot:
        return [label, num(r.est), apa_number(r.std_all, 3), num(r.boot_se),
                _ci(r.ci_lower_perc, r.ci_upper_perc), _share(share)]
    return [label, num(r.est), apa_number(r.std_all, 3), num(r.se), apa_p(r.pvalue),
            _ci(r.ci_lower, r.ci_upper), _share(share)]


def mediation_text(chapter, table):
    """Routes and totals counted apart, the classification rule, and each cause's type."""
    w = chapter.w["mediation"]
    join = chapter.w["join"]
    level = level_percent(chapter.settings["bootstrap"]["level"]) if chapter.bootstrapped else "95"
    interval = w["interval_bootstrap" if chapter.bootstrapped else "interval_delta"].format(level=level)
    generated = table[table["kind"] != "defined"]
    outcome = join(list(dict.fromkeys(generated["outcome"])))
    routes = generated[generated["kind"] == "indirect"]
    serial = routes["route"].str.count("→") > 2
    sentences = []
    n, n_serial = len(routes), int(serial.sum())
    words = counts(chapter, n, n - n_serial, n_serial)
    key = "routes" if n_serial and n_serial < n else "routes_all_serial" if n_serial else "routes_all_simple"
    sentences.append(w[key].format(n=words[0], simple=words[1], serial=words[2], outcome=outcome))
    sentences.append(_nonzero_sentence(chapter, routes, "routes_nonzero", interval))
    totals = generated[generated["kind"] == "total"]
    sentences.append(_nonzero_sentence(chapter, totals, "totals_nonzero", interval, column="cause"))
    sentences.append(w["rule"].format(interval=interval))
    sentences += type_sentences(chapter, generated)
    return chapter.w["sentence_join"].join(sentences) + "\n"


def _nonzero_sentence(chapter, rows, template, interval, column="route"):
    """'... excludes zero for k of the n (…); it includes zero for …' in its three forms."""
    w = chapter.w["mediation"][template]
    yes = list(rows.loc[rows["nonzero"], column])
    no = list(rows.loc[~rows["nonzero"], column])
    n, k = counts(chapter, len(rows), len(yes))
    form = "all" if not no else "none" if not yes else "some"
    return w[form].format(n=n, k=k, interval=interval, included=chapter.w["join"](no),
                          excluded=chapter.w["join"](yes))


def type_sentences(chapter, generated):
    """One sentence per mediation type (causes of one type together), partial ones per cause
    with the share their indirect routes carry."""
    w = chapter.w["mediation"]
    join = chapter.w["join"]
    by_type = {"full_fixed": [], "full": [], "partial": [], "none": [], "no_route": []}
    for (cause, outcome), group in generated.groupby(["cause", "outcome"], sort=False):
        kind = group["mediation"].iloc[0]
        fixed = not bool(group.loc[group["kind"] == "direct", "direct_in_model"].iloc[0])
        if not (group["kind"] == "indirect").any():
            kind = "no_route"  # a cause with the direct path only: nothing to mediate
        by_type["full_fixed" if kind == "full" and fixed else kind].append((cause, outcome, group))
    out = []
    for kind in ("full_fixed", "full", "none", "no_route"):
        found = by_type[kind]
        if found:
            many = "many" if len(found) > 1 else "one"
            out.append(w[f"type_{kind}"][many].format(
                causes=join([c for c, _, _ in found]), outcome=join(list(dict.fromkeys(o for _, o, _ in found)))))
    for cause, outcome, group in by_type["partial"]:
        indirect = group[group["kind"] == "total_indirect"].iloc[0]
        total = group[group["kind"] == "total"].iloc[0]
        detail = group["mediation_detail"].iloc[0]
        out.append(w["type_partial"][detail].format(
            cause=cause, outcome=outcome, share=_share(indirect.proportion),
            indirect=apa_number(indirect.std_all), total=apa_number(total.std_all)))
    return out
