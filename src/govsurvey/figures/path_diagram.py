"""The structural path diagram: constructs as ellipses, standardized paths as arrows."""

import itertools
import textwrap

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.patches import Circle, Ellipse, FancyArrowPatch, Rectangle

from govsurvey.errors import InputError
from govsurvey.formatting import apa_number, number_style, significance_stars
from govsurvey.figures.style import (FONT_SIZE, OPENING_PUNCTUATION, TEXT_WIDTH_IN, check_language, fit,
                                     new_figure, save, style, text_size, wrap_to_width)
from govsurvey.words import words

PARAM_COLUMNS = ("lhs", "op", "rhs", "std_all", "pvalue")


def structural_paths(params, instrument, alpha=0.05):
    """The regressions among latent constructs: predictor, outcome, std_all, pvalue,
    label (APA coefficient with stars) and dashed (not significant at alpha)."""
    missing = [c for c in PARAM_COLUMNS if c not in params.columns]
    if missing:
        raise InputError(
            "parameter table",
            f"missing column(s) {', '.join(missing)}.",
            "pass the lavaan-shaped table (lhs, op, rhs, label, est, se, z, pvalue, ci_lower, "
            "ci_upper, std_all) written by the SEM step.",
        )
    latents = set(params.loc[params["op"] == "=~", "lhs"])
    unknown = sorted(latents - set(instrument.constructs))
    if unknown:
        raise InputError(
            "parameter table",
            f"latent variable(s) {', '.join(unknown)} are not constructs of instrument "
            f"'{instrument.id}', so they have no role or name to draw.",
            "use the instrument's construct codes as latent names in the model file.",
        )
    rows = params[(params["op"] == "~") & params["lhs"].isin(latents) & params["rhs"].isin(latents)]
    if rows.empty:
        raise InputError(
            "parameter table",
            "there are no regressions ('~') among latent constructs to draw.",
            "check that the model file has a structural part and the SEM step ran.",
        )
    paths = pd.DataFrame(
        {
            "predictor": rows["rhs"].to_numpy(),
            "outcome": rows["lhs"].to_numpy(),
            "std_all": rows["std_all"].astype(float).to_numpy(),
            "pvalue": rows["pvalue"].astype(float).to_numpy(),
        }
    )
    paths["label"] = [
        apa_number(b) + significance_stars(p) for b, p in zip(paths["std_all"], paths["pvalue"])
    ]
    # A path whose p is unknown (fixed parameter) is drawn solid: there is no test to fail.
    paths["dashed"] = paths["pvalue"] >= alpha
    return paths


def _columns(paths, instrument):
    """Band (left to right) of each construct, and its depth of the path chain within the band.

    Bands are the instrument's roles in their declared order; without roles, each construct's
    band is the length of the longest chain of paths leading to it (its topological layer).
    Returns (nodes, band of each node, band order, depth within band)."""
    nodes = [c for c in instrument.constructs if c in set(paths["predictor"]) | set(paths["outcome"])]
    edges = list(zip(paths["predictor"], paths["outcome"]))

    def chain_depth(same_band):
        depth = dict.fromkeys(nodes, 0)
        for _ in nodes:  # longest chain (bounded: a cycle cannot loop forever)
            for p, o in edges:
                if same_band(p, o):
                    depth[o] = max(depth[o], min(depth[p] + 1, len(nodes)))
        return depth

    if instrument.roles:
        band = {c: instrument.constructs[c].role for c in nodes}
        order = [r for r in instrument.roles if r in band.values()]
        return nodes, band, order, chain_depth(lambda p, o: band[p] == band[o])
    layer = chain_depth(lambda p, o: True)
    return nodes, layer, sorted(set(layer.values())), dict.fromkeys(nodes, 0)


def _positions(paths, instrument, node_w, node_h, width):
    nodes, role, bands, depth = _columns(paths, instrument)
    band_gap = (width - node_w - 0.1) / max(len(bands) - 1, 1)
    stagger = 0.36 * band_gap  # sideways shift per chain step inside a band
    x = {}
    for c in nodes:
        band = bands.index(role[c])
        levels = sorted({depth[d] for d in nodes if role[d] == role[c]})
        x[c] = node_w / 2 + 0.05 + band * band_gap + (depth[c] - (levels[-1] + levels[0]) / 2) * stagger
    order = sorted({x[c] for c in nodes})
    columns = _merge_bands([[c for c in nodes if x[c] == xc] for xc in order], role)
    rank = _order_columns(columns, paths)
    gap = node_h * 1.6
    span = max(len(col) for col in columns) * gap
    y = {c: span / 2 - rank[c] * gap for c in nodes}
    return x, y, span


def _order_columns(columns, paths):
    """Vertical rank of each node (0 = middle, negative = higher), chosen to avoid crossings.

    Barycentre sweeps: the first column starts in instrument order, each later column is
    sorted by the mean rank of its predictors, then columns are re-sorted by their successors
    and once more by their predictors.
    """
    rank = {}

    def place(ordered):
        for i, c in enumerate(ordered):
            rank[c] = i - (len(ordered) - 1) / 2

    def sweep(cols, side, other):
        for col in cols:
            keyed = []
            for i, c in enumerate(col):
                linked = [rank[n] for n in paths.loc[paths[side] == c, other] if n in rank and n not in col]
                keyed.append((np.mean(linked) if linked else rank.get(c, i), i, c))
            col[:] = [c for *_, c in sorted(keyed)]
            place(col)

    place(columns[0])
    sweep(columns[1:], "outcome", "predictor")
    sweep(columns[-2::-1], "predictor", "outcome")
    sweep(columns[1:], "outcome", "predictor")
    return rank


def _merge_bands(columns, role):
    """Staggered nodes of one band share vertical slots, so order them as one column."""
    merged = []
    for col in columns:
        if merged and role[merged[-1][0]] == role[col[0]]:
            merged[-1].extend(col)
        else:
            merged.append(list(col))
    return merged


def _bezier(p0, p1, rad, t):
    """Point on matplotlib's arc3 connection (quadratic Bezier) at parameter t."""
    (x0, y0), (x1, y1) = p0, p1
    control = ((x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0))
    t = np.asarray(t)[..., None]
    return (1 - t) ** 2 * np.array(p0) + 2 * (1 - t) * t * np.array(control) + t**2 * np.array(p1)


def _inside(points, centre, node_w, node_h, grow=1.0, margin=0.0):
    """Which points lie in the node ellipse, scaled by grow and widened by margin inches."""
    d = (points - np.array(centre)) / (np.array([node_w, node_h]) * grow / 2 + margin)
    return (d**2).sum(axis=-1) <= 1


def _route(p0, p1, others, node_w, node_h, boxes=()):
    """Curvature for an arrow: the least bend that clears the other nodes (and `boxes`:
    rectangles, circles) with room to spare, else the least bend that at least misses them,
    else the one that grazes least."""
    ts = np.linspace(0.05, 0.95, 90)
    best = None
    for rad in sorted(np.round(np.arange(-0.6, 0.61, 0.05), 2), key=lambda r: (abs(r), -r)):
        curve = _bezier(p0, p1, rad, ts)
        hits = sum(int(_inside(curve, o, node_w, node_h, 1.05).sum()) for o in others)
        hits += sum(int(_crosses(curve, b, 0.05)) for b in boxes)
        # Room for the arrowheads that end on the node.
        near = any(_inside(curve, o, node_w, node_h, margin=0.2).any() for o in others)
        near = near or any(_crosses(curve, b, 0.1) for b in boxes)
        key = (hits, near, abs(rad))
        if best is None or key < best[0]:
            best = (key, float(rad))
    return best[1]


def _crosses(curve, box, margin=0.0):
    """Whether a sampled curve passes through a box (grown by margin)."""
    x0, y0, x1, y1 = box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin
    return bool(((curve[:, 0] > x0) & (curve[:, 0] < x1) & (curve[:, 1] > y0) & (curve[:, 1] < y1)).any())


def _boxes_overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


NOTE_SIZE = 5.5




def _node_name(fig, name, language, size, max_lines=5, chars=(18, 7)):
    """Construct name wrapped for a node: by words in English, in even chunks in Chinese;
    `chars`: the longest line (English, Chinese) in characters."""
    if language == "zh":
        n_lines = -(-len(name) // chars[1])
        per_line = -(-len(name) // max(n_lines, 1))
        lines = [name[i : i + per_line] for i in range(0, len(name), per_line)]
        for i in range(len(lines) - 1):  # an opening quote must not end a line
            while lines[i] and lines[i][-1] in OPENING_PUNCTUATION:
                lines[i], lines[i + 1] = lines[i][:-1], lines[i][-1] + lines[i + 1]
    else:
        # A word longer than the line widens it, so short words do not sit alone beside it.
        longest = max((len(word) for word in name.split()), default=0)
        lines = textwrap.wrap(name, max(chars[0], longest), break_on_hyphens=False, break_long_words=False)
    lines = lines or [""]
    if len(lines) > max_lines:
        widest = max(text_size(fig, line, size)[0] for line in lines[: max_lines - 1])
        rest = (" " if language == "en" else "").join(lines[max_lines - 1 :])
        lines = lines[: max_lines - 1] + [fit(fig, "", rest, widest, size)]
    return lines


def exogenous_correlations(params, paths):
    """The correlations among the exogenous constructs (those no path predicts): a, b, std_all,
    pvalue, label (APA with stars), in the order of the parameter table."""
    exogenous = set(paths["predictor"]) - set(paths["outcome"])
    rows = params[(params["op"] == "~~") & (params["lhs"] != params["rhs"])
                  & params["lhs"].isin(exogenous) & params["rhs"].isin(exogenous)]
    table = pd.DataFrame({"a": rows["lhs"].to_numpy(), "b": rows["rhs"].to_numpy(),
                          "std_all": rows["std_all"].astype(float).to_numpy(),
                          "pvalue": rows["pvalue"].astype(float).to_numpy()})
    table["label"] = [apa_number(r) + significance_stars(p) for r, p in zip(table["std_all"], table["pvalue"])]
    return table


def r_squared_labels(r2, paths, language):
    """{construct: "R² = .31"} for every construct a path predicts, from the SEM step's r2 table
    (variable, r2); a construct missing from it is an error."""
    if r2 is None:
        return {}
    values = dict(zip(r2["variable"], r2["r2"].astype(float)))
    endogenous = list(dict.fromkeys(paths["outcome"]))
    missing = [c for c in endogenous if c not in values]
    if missing:
        raise InputError("R² table", f"has no R² for {', '.join(missing)}.",
                         "pass the r2 table the SEM step writes (results/<street>/sem/r2.csv).")
    return {c: words(language)["figures"]["r2_label"].format(r2=apa_number(values[c])) for c in endogenous}


def _diagram_figure(params, instrument, language, alpha, r2=None, mode="structural"):
    if mode not in MODES:
        raise InputError("path diagram", f"unknown mode '{mode}'.",
                         f"set figures.path_diagram in config.yaml to one of {', '.join(MODES)}.")
    w = words(language)["figures"]
    full = mode == "full"
    with number_style(words(language)["leading_zero"]):  # as the chapter of that language writes them
        paths = structural_paths(params, instrument, alpha)
        correlations = exogenous_correlations(params, paths)
        r2_labels = r_squared_labels(r2, paths, language)
        note = w["path_note"].format(alpha=apa_number(alpha))
        if full:
            measurement = measurement_model(params, set(paths["predictor"]) | set(paths["outcome"]))
            disturbances = disturbance_names(paths, len(measurement) + 1)
            note += w["path_note_full"].format(errors=_span(list(measurement["error"])),
                                               disturbances=_span(list(disturbances.values())))
        if r2_labels:
            note += w["path_note_r2_full" if full else "path_note_r2"]
        if not correlations.empty:
            note += w["path_note_correlations"]
    pairs = list(correlations[["a", "b", "label"]].itertuples(index=False))
    if full:
        fig, layout = draw_full(paths, measurement, instrument, language, note, r2=r2_labels, correlations=pairs,
                                disturbances=disturbances)
        layout["measurement"] = measurement
    else:
        fig, layout = draw_paths(paths, instrument, language, note, r2=r2_labels, correlations=pairs)
    layout["correlations"] = correlations
    return fig, paths, layout


def _arc_geometry(x, y, pairs, node_w, node_h, side=-1, bulge=None):
    """Curved double-headed arcs on the left (side -1) or right (+1) of the exogenous
    constructs, nested by how many slots apart their ends are: (a, b, start, end, rad, apex)
    per pair. An arc leaves each node at an angle that grows for the closer pairs, so inner
    arcs stay inside outer ones."""
    order = sorted({c for a, b in pairs for c in (a, b)}, key=lambda c: -y[c])
    slot = {c: i for i, c in enumerate(order)}
    arcs = []
    for a, b in pairs:
        top, bottom = sorted((a, b), key=lambda c: -y[c])
        k = slot[bottom] - slot[top]
        theta = np.radians(min(14 + 34 / k, 60))  # from the leftmost point of the ellipse
        start = (x[top] + side * node_w / 2 * np.cos(theta), y[top] - node_h / 2 * np.sin(theta))
        end = (x[bottom] + side * node_w / 2 * np.cos(theta), y[bottom] + node_h / 2 * np.sin(theta))
        reach = (bulge or ARC_BULGE) * k  # inches beyond the ends at the arc's middle
        rad = -side * 2 * reach / np.hypot(end[0] - start[0], end[1] - start[1])
        apex = _bezier(start, end, rad, 0.5)
        arcs.append((a, b, start, end, float(rad), apex))
    return arcs


ARC_BULGE = 0.22  # inches per slot between the ends of a correlation arc
FULL_ARC_BULGE = 0.16  # the same in the full diagram, where width is scarcer


def _node_text(fig, instrument, language, sizes, chars=(18, 7)):
    """Wrapped names of the constructs, and the ellipse (width, height) that holds the widest."""
    code_size, name_size = sizes
    names = {c: _node_name(fig, con.name[language], language, name_size, chars=chars)
             for c, con in instrument.constructs.items()}
    code_step, name_step = code_size * 1.25 / 72, name_size * 1.2 / 72
    text_w = max(text_size(fig, line, name_size)[0] for n in names.values() for line in n)
    text_h = max(code_step + len(n) * name_step for n in names.values())
    return names, (text_w * 1.36 + 0.08, text_h * 1.36 + 0.06)  # ellipse round the text box


def _draw_node(ax, code, lines, centre, size, sizes):
    """A construct: ellipse with its code (bold) above its wrapped name. Returns the ellipse."""
    code_size, name_size = sizes
    ellipse = Ellipse(centre, *size, facecolor="#f4f4f4", edgecolor="black", linewidth=0.8)
    ax.add_patch(ellipse)
    # Lines are placed one by one at a fixed pitch: matplotlib's multi-line layout spaces
    # lines by their ink, which looks uneven ("governance" vs "effectiveness").
    code_step, name_step = code_size * 1.25 / 72, name_size * 1.2 / 72
    # Code above name, the block centred in the ellipse; baselines sit ~78 % down a line.
    top = centre[1] + (code_step + len(lines) * name_step) / 2
    ax.text(centre[0], top - 0.78 * code_step, code, ha="center", va="baseline", fontweight="bold",
            fontsize=code_size)
    for k, line in enumerate(lines):
        ax.text(centre[0], top - code_step - (k + 0.78) * name_step, line, ha="center", va="baseline",
                fontsize=name_size)
    return ellipse


def draw_paths(paths, instrument, language, note, r2=None, correlations=None):
    """Draw constructs and labelled arrows on a new figure: the layout every path figure shares.

    `paths` has one row per arrow: predictor, outcome (construct codes), label (the text on the
    arrow) and dashed (bool). The constructs drawn are those the paths name, in bands left to
    right (see _columns); `note` is the line under the diagram. `r2`: {construct: text} drawn
    under each endogenous construct; `correlations`: (a, b, label) drawn as curved double-headed
    arcs left of the exogenous constructs. Returns (figure, layout)."""
    width = TEXT_WIDTH_IN
    r2, correlations = r2 or {}, list(correlations or [])
    fig = new_figure(width, 4)  # height set once the layout is known
    name_size, code_size = FONT_SIZE - 0.5, FONT_SIZE + 0.5
    names, (node_w, node_h) = _node_text(fig, instrument, language, (code_size, name_size))

    margin = 0.0
    if correlations:  # room on the left for the nested arcs and their labels
        slots = len({c for a, b, _ in correlations for c in (a, b)}) - 1
        label_w = max(text_size(fig, label, FONT_SIZE)[0] for *_, label in correlations)
        margin = ARC_BULGE * slots + label_w / 2 + 0.12
    x, y, span = _positions(paths, instrument, node_w, node_h, width - margin)
    x = {c: v + margin for c, v in x.items()}
    note_lines = wrap_to_width(fig, note, width - 0.1, NOTE_SIZE, language)
    note_h = 0.12 + len(note_lines) * NOTE_SIZE * 1.35 / 72
    height = span + note_h
    fig.set_size_inches(width, height)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, width)
    ax.set_ylim(-note_h, span)
    ax.set_aspect("equal")
    ax.axis("off")

    ellipses = {}
    for c in x:
        ellipses[c] = _draw_node(ax, c, names[c], (x[c], y[c]), (node_w, node_h), (code_size, name_size))

    for c, text in r2.items():  # under the construct, clear of the arrows that end on it
        ax.text(x[c], y[c] - node_h / 2 - 0.03, text, ha="center", va="top", fontsize=FONT_SIZE - 0.5,
                style="italic", bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
                zorder=6, gid=f"r2-{c}")
    arcs = _arc_geometry(x, y, [(a, b) for a, b, _ in correlations], node_w, node_h)
    for (a, b, start, end, rad, apex), (*_, label) in zip(arcs, correlations):
        ax.add_patch(FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={rad}", arrowstyle="<|-|>",
                                     mutation_scale=6, linewidth=0.7, color="#333333", shrinkA=0, shrinkB=0,
                                     gid=f"cov-{a}-{b}"))
        ax.text(apex[0], apex[1], label, ha="center", va="center", fontsize=FONT_SIZE - 0.5,
                bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"}, zorder=5)

    # Route every arrow, then place labels shortest-first so crowded ones get the best spots.
    routes = []
    for path in paths.itertuples():
        p0, p1 = (x[path.predictor], y[path.predictor]), (x[path.outcome], y[path.outcome])
        others = [(x[c], y[c]) for c in x if c not in (path.predictor, path.outcome)]
        rad = _route(p0, p1, others, node_w, node_h)
        ts = np.linspace(0, 1, 201)
        curve = _bezier(p0, p1, rad, ts)
        outside = ~_inside(curve, p0, node_w, node_h) & ~_inside(curve, p1, node_w, node_h)
        t0, t1 = ts[outside][0], ts[outside][-1]
        routes.append((path, p0, p1, rad, t0, t1))
        ax.add_patch(
            FancyArrowPatch(
                p0,
                p1,
                connectionstyle=f"arc3,rad={rad}",
                arrowstyle="-|>",
                mutation_scale=7,
                patchA=ellipses[path.predictor],
                patchB=ellipses[path.outcome],
                linewidth=0.8,
                color="black",
                linestyle=(0, (4, 2.5)) if path.dashed else "-",
                shrinkA=0,
                shrinkB=1,
                gid=f"path-{path.predictor}-{path.outcome}",  # the SVG group id, for readers and tests
            )
        )

    placed = _place_path_labels(fig, ax, routes, x, y, node_w, node_h)
    ax.text(0.05, -0.06, "\n".join(note_lines), fontsize=NOTE_SIZE, va="top", color="#444444", linespacing=1.35)
    layout = {"x": x, "y": y, "node_size": (node_w, node_h), "label_boxes": placed, "arcs": arcs}
    return fig, layout


LABEL_SPOTS = (0.5, 0.4, 0.6, 0.32, 0.68, 0.25, 0.75, 0.2, 0.8)  # along an arrow, best first


def _box_outline(box, n=6):
    """Points round a box's edges and its centre: an ellipse can poke into a side between corners."""
    xs, ys = np.linspace(box[0], box[2], n), np.linspace(box[1], box[3], n)
    edges = [np.column_stack([xs, np.full(n, box[1])]), np.column_stack([xs, np.full(n, box[3])]),
             np.column_stack([np.full(n, box[0]), ys]), np.column_stack([np.full(n, box[2]), ys])]
    return np.vstack([*edges, [[(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]]])


def _best_box(spots, lw, lh, placed, x, y, node_w, node_h, curves, ellipses=True, outline=False):
    """The first of the centres `spots` where a lw × lh box overlaps the fewest boxes in `placed`
    and ellipses (tested at the corners, or all round with `outline`), and crosses (or crowds,
    within 0.08 in) the fewest `curves`.
    Returns (score, index, cx, cy, box)."""
    best = None
    for k, (cx, cy) in enumerate(spots):
        box = (cx - lw / 2, cy - lh / 2, cx + lw / 2, cy + lh / 2)
        corners = _box_outline(box) if outline else np.array(
            [[box[0], box[1]], [box[0], box[3]], [box[2], box[1]], [box[2], box[3]], [cx, cy]])
        score = 100 * sum(_boxes_overlap(box, other) for other in placed)
        if outline:  # the full diagram: a label that crowds another reads as one with it
            near = (box[0] - 0.07, box[1] - 0.05, box[2] + 0.07, box[3] + 0.05)
            score += 5 * sum(_boxes_overlap(near, other) for other in placed)
        if ellipses:
            score += 100 * sum(_inside(corners, (x[c], y[c]), node_w, node_h, 1.05).any() for c in x)
        # Crossing another line is bad; crowding one is a lesser evil.
        for curve in curves:
            score += 10 * _crosses(curve, box) + _crosses(curve, box, 0.08)
        if best is None or (score, k) < best[:2]:
            best = (score, k, cx, cy, box)
    return best


def _place_path_labels(fig, ax, routes, x, y, node_w, node_h, placed=None, curves=(), beside=False):
    """Put each arrow's label on its curve, shortest arrow first so crowded ones get the best
    spots, where it overlaps no label or node and crosses no other arrow (nor `curves`, other
    lines drawn). `placed`: boxes already taken (labels, rectangles); `beside`: when no spot on
    the arrow is free, try spots beside it too. Returns the label boxes."""
    placed = list(placed or [])
    taken = len(placed)
    own = {i: _bezier(r[1], r[2], r[3], np.linspace(r[4], r[5], 300)) for i, r in enumerate(routes)}
    order = sorted(range(len(routes)), key=lambda i: np.hypot(*np.subtract(routes[i][1], routes[i][2])))
    for i in order:
        path, p0, p1, rad, t0, t1 = routes[i]
        lw, lh = text_size(fig, path.label, FONT_SIZE)
        lw, lh = lw + 0.06, lh + 0.04  # the white box pads the text
        others = [own[j] for j in own if j != i] + list(curves)
        spots = [_bezier(p0, p1, rad, t0 + f * (t1 - t0)) for f in LABEL_SPOTS]
        best = _best_box(spots, lw, lh, placed, x, y, node_w, node_h, others, outline=beside)
        if beside and best[0] >= 100:  # no free spot on the arrow: finer spots, then beside it
            spots = [_bezier(p0, p1, rad, t0 + f * (t1 - t0)) for f in np.linspace(0.1, 0.9, 17)]
            for f in np.linspace(0.1, 0.9, 17):
                point = _bezier(p0, p1, rad, t0 + f * (t1 - t0))
                ahead = _bezier(p0, p1, rad, min(t0 + f * (t1 - t0) + 0.01, 1.0)) - point
                normal = np.array([-ahead[1], ahead[0]]) / (np.hypot(*ahead) or 1)
                reach = abs(normal[0]) * lw / 2 + abs(normal[1]) * lh / 2 + 0.02
                spots += [tuple(point + reach * normal), tuple(point - reach * normal)]
            best = min(best, _best_box(spots, lw, lh, placed, x, y, node_w, node_h, others, outline=True))
        placed.append(best[4])
        ax.text(
            best[2],
            best[3],
            path.label,
            ha="center",
            va="center",
            fontsize=FONT_SIZE,
            bbox={"boxstyle": "square,pad=0.25", "facecolor": "white", "edgecolor": "none"},
            zorder=5,
        )
    return placed[taken:]


def path_diagram(params, instrument, language, png_path, svg_path, alpha=0.05, r2=None, mode="structural"):
    """Path diagram of the fitted model: the constructs in bands left to right (the instrument's
    roles in their order, or the layers of the path chain), predictors before what they predict.

    Arrows carry standardized coefficients (APA, with stars); non-significant ones are dashed.
    Curved double-headed arcs join the exogenous constructs with their standardized covariances
    (correlations); with `r2` (the SEM step's table: variable, r2) each endogenous construct
    shows its R². mode "structural" draws the constructs alone; "full" the AMOS-style diagram
    with each construct's indicators, loadings, errors and disturbances (see draw_full).
    Writes png_path (300 dpi) and svg_path; returns the table of drawn paths.
    """
    check_language(language, instrument)
    with matplotlib.rc_context(style(language)):
        fig, paths, _ = _diagram_figure(params, instrument, language, alpha, r2, mode)
        save(fig, png_path, svg_path)
    return paths


# ---------------------------------------------------------------- the full (AMOS-style) diagram

MODES = ("structural", "full")
ROW_SHIFTS = (0.0, -0.35, 0.35)  # sideways shifts of a row of indicators, in row widths
# Sizes of the measurement parts, in inches.
RECT_H = 0.2
ERROR_D = 0.22  # error and disturbance circles
LOAD_GAP = 0.4  # ellipse to rectangle: room for the loading labels
ERROR_GAP = 0.07  # rectangle to error circle
STACK_PITCH = 0.29  # rectangles stacked beside a construct
ROW_GAP = 0.07  # between rectangles side by side
BLOCK_GAP = 0.12  # between the stacks of two constructs
EDGE = 0.04  # figure edge to the outermost circles
SMALL = FONT_SIZE - 0.5  # loadings, R², circle names


def measurement_model(params, constructs):
    """The indicators of `constructs`, in the parameter table's order: construct, indicator,
    std_all, label (APA) and error (e1, e2 … numbered in that order, as AMOS names them)."""
    rows = params[(params["op"] == "=~") & params["lhs"].isin(constructs)]
    table = pd.DataFrame({"construct": rows["lhs"].to_numpy(), "indicator": rows["rhs"].to_numpy(),
                          "std_all": rows["std_all"].astype(float).to_numpy()})
    table["label"] = [apa_number(b) for b in table["std_all"]]
    table["error"] = [f"e{i}" for i in range(1, len(table) + 1)]
    return table


def disturbance_names(paths, first):
    """{endogenous construct: e<first>, …} in the order the paths name them."""
    return {c: f"e{first + i}" for i, c in enumerate(dict.fromkeys(paths["outcome"]))}


def _span(names):
    """"e1–e32" (or "e33" for one name)."""
    return names[0] if len(names) == 1 else f"{names[0]}–{names[-1]}"


def _stack_sides(nodes, band, bands):
    """Where each construct's indicators go: left of the first band, right of the last,
    above or below (chosen later) in the bands between."""
    sides = {}
    for c in nodes:
        i = bands.index(band[c])
        sides[c] = "left" if i == 0 else "right" if i == len(bands) - 1 else "row"
    return sides


class _FullGeometry:
    """Positions of everything in the full diagram, in inches (y up, 0 at the foot of the drawing)."""

    def __init__(self, fig, paths, measurement, instrument, width, node_size, arc_room, pairs=()):
        self.node_w, self.node_h = node_size
        self.pairs, self.shift = list(pairs), {}
        self.rect_w = max(text_size(fig, code, SMALL)[0] for code in measurement["indicator"]) + 0.1
        self.indicators = {c: list(g["indicator"]) for c, g in measurement.groupby("construct", sort=False)}
        nodes, band, bands, depth = _columns(paths, instrument)
        self.nodes, self.paths = nodes, paths
        columns = [[c for c in nodes if band[c] == b] for b in bands]
        rank = _order_columns([list(col) for col in columns], paths)
        self.columns = [sorted(col, key=lambda c: rank[c]) for col in columns]
        self.side = _stack_sides(nodes, band, bands)
        # x: stacks outside the first and last bands, the bands between spread evenly.
        outer = EDGE + ERROR_D + ERROR_GAP + self.rect_w + LOAD_GAP
        left, right = outer + self.node_w / 2, width - outer - self.node_w / 2
        inner = [i for i in range(len(bands)) if 0 < i < len(bands) - 1]
        lo, hi = left + self.node_w / 2 + arc_room, right - self.node_w / 2
        self.x = {}
        for i, col in enumerate(self.columns):
            if i == 0:
                xc = left
            elif i == len(bands) - 1:
                xc = right
            else:
                xc = lo + (hi - lo) * (inner.index(i) + 1) / (len(inner) + 1)
            # A chain inside a middle band (PL -> PW) is spread across the band's share of the
            # width, so the arrows down the chain pass beside the rows of indicators.
            # as far as the neighbouring bands leave room (0.25 in for the arrows between).
            levels = sorted({depth[c] for c in col})
            share = 0.0
            if 0 < i < len(bands) - 1 and len(levels) > 1:
                room = (hi - lo) / (len(inner) + 1) - self.node_w / 2 - 0.25
                share = max(0.0, min(room, self.node_w)) / ((len(levels) - 1) / 2)
            for c in col:
                self.x[c] = xc + (levels.index(depth[c]) - (len(levels) - 1) / 2) * share
        self.height = max(self._column_height(col, {c: "above" for c in col}) for col in self.columns)
        self.y, self.row_side = {}, {}
        for col in self.columns:
            if all(self.side[c] != "row" for c in col):
                self._place(col, {})
        for col in self.columns:
            if any(self.side[c] == "row" for c in col):
                self._choose_rows(col)

    def _unit(self, c):
        """Height of a construct with its indicators."""
        if self.side[c] in ("left", "right"):
            return max(len(self.indicators[c]) * STACK_PITCH, self.node_h + 0.1)
        return self.node_h + LOAD_GAP + RECT_H + ERROR_GAP + ERROR_D

    def _column_height(self, col, sides):
        gap = BLOCK_GAP if all(self.side[c] != "row" for c in col) else 0.3
        return sum(self._unit(c) for c in col) + gap * (len(col) - 1)

    def _place(self, col, sides):
        """y of each construct of a column, its units spread evenly over the height."""
        units = [self._unit(c) for c in col]
        gap = (self.height - sum(units)) / (len(col) - 1) if len(col) > 1 else 0.0
        top = self.height if len(col) > 1 else (self.height + units[0]) / 2
        for c, unit in zip(col, units):
            if sides.get(c) == "above":
                self.y[c] = top - unit + self.node_h / 2
            elif sides.get(c) == "below":
                self.y[c] = top - self.node_h / 2
            else:
                self.y[c] = top - unit / 2
            self.row_side[c] = sides.get(c, self.side[c])
            top -= unit + gap

    def _choose_rows(self, col):
        """Order, side (above/below) and sideways shift of the rows of a middle band: the
        arrangement whose straight paths and correlation arcs cross the fewest rows (then: pass
        through the fewest constructs), nearest the barycentre order, upper half above, unshifted."""
        k = len(col)
        default = tuple("above" if i < k / 2 else "below" for i in range(k))
        orders = list(itertools.permutations(col)) if k <= 3 else [tuple(col)]
        options = list(itertools.product(("above", "below"), ROW_SHIFTS))
        best = None
        for n, order in enumerate(orders):
            for choice in itertools.product(options, repeat=k):
                sides = {c: side for c, (side, _) in zip(order, choice)}
                self.shift.update({c: shift for c, (_, shift) in zip(order, choice)})
                self._place(order, sides)
                key = (*self._crossings(), n, sum(side != d for (side, _), d in zip(choice, default)),
                       sum(abs(shift) for _, shift in choice))
                if best is None or key < best[0]:
                    best = (key, order, choice)
        _, order, choice = best
        self.shift.update({c: shift for c, (_, shift) in zip(order, choice)})
        self._place(order, {c: side for c, (side, _) in zip(order, choice)})

    def _crossings(self):
        """(rows overlapping a construct or another row, lines crossing rows, lines through
        other constructs) for the constructs placed so far."""
        placed = [c for c in self.nodes if c in self.y]
        rows = {c: np.array(self.measurement_boxes(c)) for c in placed if self.row_side[c] in ("above", "below")}
        if not rows:
            return 0, 0, 0
        boxes = np.concatenate(list(rows.values()))
        centres = np.array([(self.x[c], self.y[c]) for c in placed])
        half = np.array([self.node_w, self.node_h]) / 2
        ellipse_boxes = np.hstack([centres - half, centres + half])
        overlaps = int(_overlaps(boxes, ellipse_boxes).sum())
        allboxes = np.concatenate([np.array(self.measurement_boxes(c)) for c in placed])
        overlaps += int(_overlaps(boxes, allboxes).sum()) - len(boxes)  # each box meets itself
        ts = np.linspace(0, 1, 40)
        lines, ends = [], []
        for p, o in zip(self.paths["predictor"], self.paths["outcome"]):
            if p in self.y and o in self.y:
                lines.append(_bezier((self.x[p], self.y[p]), (self.x[o], self.y[o]), 0.0, ts))
                ends.append((p, o))
        lines += [_bezier(a, b, rad, ts) for a, b, rad in self.arcs()]
        ends += [()] * (len(lines) - len(ends))
        if not lines:
            return overlaps, 0, 0
        points = np.stack(lines)  # line, point, xy
        crossed = _points_in_boxes(points, boxes, 0.05).sum()
        through = 0
        for c in placed:
            inside = _inside(points, (self.x[c], self.y[c]), self.node_w, self.node_h, 1.1).any(axis=1)
            through += sum(bool(hit) and c not in e for hit, e in zip(inside, ends))
        return overlaps, int(crossed), through

    def arcs(self):
        """(start, end, rad) of the correlation arcs, once their constructs are placed."""
        if not all(c in self.y for pair in self.pairs for c in pair):
            return []
        return [(s, e, r) for *_, s, e, r, _ in _arc_geometry(self.x, self.y, self.pairs, self.node_w, self.node_h,
                                                             side=1, bulge=FULL_ARC_BULGE)]

    def indicator_places(self, c):
        """[(indicator, rectangle centre, error centre)] of construct c."""
        codes, side = self.indicators[c], self.row_side[c]
        n, xc, yc = len(codes), self.x[c], self.y[c]
        places = []
        for i, code in enumerate(codes):
            if side in ("left", "right"):
                sign = -1 if side == "left" else 1
                ry = yc + ((n - 1) / 2 - i) * STACK_PITCH
                rx = xc + sign * (self.node_w / 2 + LOAD_GAP + self.rect_w / 2)
                ex = rx + sign * (self.rect_w / 2 + ERROR_GAP + ERROR_D / 2)
                places.append((code, (rx, ry), (ex, ry)))
            else:
                sign = 1 if side == "above" else -1
                pitch = self.rect_w + ROW_GAP
                rx = xc + (i - (n - 1) / 2 + self.shift.get(c, 0) * n) * pitch
                ry = yc + sign * (self.node_h / 2 + LOAD_GAP + RECT_H / 2)
                ey = ry + sign * (RECT_H / 2 + ERROR_GAP + ERROR_D / 2)
                places.append((code, (rx, ry), (rx, ey)))
        return places

    def measurement_boxes(self, c):
        """Boxes of the rectangles and error circles of construct c."""
        w, r = self.rect_w / 2, ERROR_D / 2
        boxes = []
        for _, (rx, ry), (ex, ey) in self.indicator_places(c):
            boxes += [(rx - w, ry - RECT_H / 2, rx + w, ry + RECT_H / 2), (ex - r, ey - r, ex + r, ey + r)]
        return boxes


def _overlaps(a, b):
    """Which boxes of a (n × 4) overlap which of b (m × 4): an n × m boolean array."""
    a, b = a[:, None, :], b[None, :, :]
    return (a[..., 0] < b[..., 2]) & (b[..., 0] < a[..., 2]) & (a[..., 1] < b[..., 3]) & (b[..., 1] < a[..., 3])


def _points_in_boxes(lines, boxes, margin=0.0):
    """Which sampled lines (lines × points × 2) pass through which boxes (grown by margin):
    a lines × boxes boolean array."""
    lo, hi = boxes[:, :2] - margin, boxes[:, 2:] + margin
    p = lines[:, None, :, :]
    inside = (p > lo[None, :, None, :]) & (p < hi[None, :, None, :])
    return inside.all(axis=-1).any(axis=-1)


def _ellipse_edge(centre, size, towards):
    """The point where the line from the ellipse's centre towards `towards` leaves it."""
    d = np.subtract(towards, centre)
    t = 1 / np.sqrt((d[0] / (size[0] / 2)) ** 2 + (d[1] / (size[1] / 2)) ** 2)
    return np.asarray(centre) + t * d


def _rect_edge(centre, size, towards):
    """The point where the line from the rectangle's centre towards `towards` leaves it."""
    d = np.subtract(towards, centre)
    t = min(size[0] / 2 / abs(d[0]) if d[0] else np.inf, size[1] / 2 / abs(d[1]) if d[1] else np.inf)
    return np.asarray(centre) + t * d


def _box(cx, cy, w, h):
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def draw_full(paths, measurement, instrument, language, note, r2=None, correlations=None, disturbances=None):
    """The full (AMOS-style) diagram: constructs as ellipses, their indicators as rectangles on
    the outer side (left of the first band, right of the last, in rows above or below in the
    bands between) with standardized loadings, an error circle on each indicator, a disturbance
    circle on each endogenous construct, the structural arrows labelled as in draw_paths, R²
    beside each endogenous construct and the exogenous correlations as arcs right of the
    exogenous constructs. The height follows the number of indicators. Returns (figure, layout)."""
    width = TEXT_WIDTH_IN
    r2, correlations, disturbances = r2 or {}, list(correlations or []), disturbances or {}
    fig = new_figure(width, 4)
    sizes = (FONT_SIZE, FONT_SIZE - 1)
    names, node_size = _node_text(fig, instrument, language, sizes, chars=(14, 6))
    node_w, node_h = node_size
    arc_room = 0.0
    if correlations:
        slots = len({c for a, b, _ in correlations for c in (a, b)}) - 1
        label_w = max(text_size(fig, label, SMALL)[0] for *_, label in correlations)
        arc_room = FULL_ARC_BULGE * slots + label_w / 2 + 0.1
    geo = _FullGeometry(fig, paths, measurement, instrument, width, node_size, arc_room,
                        [(a, b) for a, b, _ in correlations])
    x, y = geo.x, geo.y
    top_pad = 0.06
    note_lines = wrap_to_width(fig, note, width - 0.1, NOTE_SIZE, language)
    note_h = 0.12 + len(note_lines) * NOTE_SIZE * 1.35 / 72
    span = geo.height + top_pad
    fig.set_size_inches(width, span + note_h)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, width)
    ax.set_ylim(-note_h, span)
    ax.set_aspect("equal")
    ax.axis("off")

    ellipses = {c: _draw_node(ax, c, names[c], (x[c], y[c]), node_size, sizes) for c in geo.nodes}
    boxes = {"indicator": [], "error": [], "disturbance": [], "loading": [], "r2": [], "correlation": [], "path": []}
    lines = []  # every straight or curved line drawn, sampled: labels keep off them
    label_pad = {"boxstyle": "square,pad=0.12", "facecolor": "white", "edgecolor": "none"}
    loading = dict(zip(measurement["indicator"], measurement["label"]))
    error = dict(zip(measurement["indicator"], measurement["error"]))
    drawn = {"loading": {}, "error": {}, "disturbance": {}}
    for c in geo.nodes:
        for code, (rx, ry), (ex, ey) in geo.indicator_places(c):
            rect = Rectangle((rx - geo.rect_w / 2, ry - RECT_H / 2), geo.rect_w, RECT_H, facecolor="white",
                             edgecolor="black", linewidth=0.7, gid=f"item-{code}")
            ax.add_patch(rect)
            ax.text(rx, ry, code, ha="center", va="center", fontsize=SMALL)
            boxes["indicator"].append(rect.get_bbox().bounds[:2] + (rx + geo.rect_w / 2, ry + RECT_H / 2))
            circle = Circle((ex, ey), ERROR_D / 2, facecolor="white", edgecolor="black", linewidth=0.7,
                            gid=f"error-{code}")
            ax.add_patch(circle)
            ax.text(ex, ey, error[code], ha="center", va="center", fontsize=SMALL - 0.5, gid=f"error-name-{code}")
            boxes["error"].append(_box(ex, ey, ERROR_D, ERROR_D))
            drawn["error"][code] = error[code]
            ax.add_patch(FancyArrowPatch((ex, ey), (rx, ry), arrowstyle="-|>", mutation_scale=5, linewidth=0.6,
                                         color="black", patchA=circle, patchB=rect, shrinkA=0, shrinkB=0))
            # The loading arrow, its label nearer the rectangle where the arrows fan apart.
            start = _ellipse_edge((x[c], y[c]), node_size, (rx, ry))
            end = _rect_edge((rx, ry), (geo.rect_w, RECT_H), (x[c], y[c]))
            ax.add_patch(FancyArrowPatch(tuple(start), tuple(end), arrowstyle="-|>", mutation_scale=6,
                                         linewidth=0.7, color="black", shrinkA=0, shrinkB=0.5,
                                         gid=f"loading-{c}-{code}"))
            lines.append(_bezier(tuple(start), tuple(end), 0.0, np.linspace(0, 1, 60)))
            lx, ly = start + 0.6 * (end - start)
            ax.text(lx, ly, loading[code], ha="center", va="center", fontsize=SMALL, bbox=label_pad, zorder=5,
                    gid=f"loading-label-{code}")
            lw, lh = text_size(fig, loading[code], SMALL)
            boxes["loading"].append(_box(lx, ly, lw + 0.03, lh + 0.02))
            drawn["loading"][code] = loading[code]
    fixed = boxes["indicator"] + boxes["error"]

    # Structural arrows, routed round the ellipses, rectangles and circles.
    routes = []
    for path in paths.itertuples():
        p0, p1 = (x[path.predictor], y[path.predictor]), (x[path.outcome], y[path.outcome])
        others = [(x[c], y[c]) for c in x if c not in (path.predictor, path.outcome)]
        rad = _route(p0, p1, others, node_w, node_h, fixed + boxes["loading"])
        ts = np.linspace(0, 1, 201)
        curve = _bezier(p0, p1, rad, ts)
        outside = ~_inside(curve, p0, node_w, node_h) & ~_inside(curve, p1, node_w, node_h)
        t0, t1 = ts[outside][0], ts[outside][-1]
        routes.append((path, p0, p1, rad, t0, t1))
        ax.add_patch(FancyArrowPatch(p0, p1, connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>", mutation_scale=7,
                                     patchA=ellipses[path.predictor], patchB=ellipses[path.outcome], linewidth=0.8,
                                     color="black", linestyle=(0, (4, 2.5)) if path.dashed else "-", shrinkA=0,
                                     shrinkB=1, gid=f"path-{path.predictor}-{path.outcome}"))
    structural = [_bezier(r[1], r[2], r[3], np.linspace(r[4], r[5], 200)) for r in routes]

    arcs = _arc_geometry(x, y, [(a, b) for a, b, _ in correlations], node_w, node_h, side=1, bulge=FULL_ARC_BULGE)
    arc_curves = []
    for a, b, start, end, rad, _ in arcs:
        ax.add_patch(FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={rad}", arrowstyle="<|-|>",
                                     mutation_scale=6, linewidth=0.7, color="#333333", shrinkA=0, shrinkB=0,
                                     gid=f"cov-{a}-{b}"))
        arc_curves.append(_bezier(start, end, rad, np.linspace(0.02, 0.98, 120)))

    # Disturbances: beside the construct where they meet the fewest lines and boxes.
    taken = fixed + boxes["loading"]
    for c, name in disturbances.items():
        spots = []
        for angle in (90, 60, 120, -90, -60, -120, 30, 150, -30, -150):
            a = np.radians(angle)
            edge = _ellipse_edge((x[c], y[c]), node_size, (x[c] + np.cos(a), y[c] + np.sin(a)))
            spots.append(tuple(edge + (0.1 + ERROR_D / 2) * np.array([np.cos(a), np.sin(a)])))
        best = _best_box(spots, ERROR_D, ERROR_D, taken, x, y, node_w, node_h, structural + arc_curves + lines,
                         outline=True)
        dx, dy = best[2], best[3]
        circle = Circle((dx, dy), ERROR_D / 2, facecolor="white", edgecolor="black", linewidth=0.7,
                        gid=f"disturbance-{c}")
        ax.add_patch(circle)
        ax.text(dx, dy, name, ha="center", va="center", fontsize=SMALL - 0.5, gid=f"disturbance-name-{c}")
        ax.add_patch(FancyArrowPatch((dx, dy), (x[c], y[c]), arrowstyle="-|>", mutation_scale=5, linewidth=0.6,
                                     color="black", patchA=circle, patchB=ellipses[c], shrinkA=0, shrinkB=0.5))
        lines.append(_bezier((dx, dy), (x[c], y[c]), 0.0, np.linspace(0, 0.6, 30)))
        boxes["disturbance"].append(best[4])
        taken.append(best[4])
        drawn["disturbance"][c] = name

    for c, text in r2.items():  # at a corner of the construct, as AMOS prints it
        lw, lh = text_size(fig, text, SMALL)
        lw, lh = lw + 0.04, lh + 0.03
        spots = []
        for angle in (50, 130, -50, -130, 20, 160, -20, -160, 90, -90):
            a = np.radians(angle)
            edge = _ellipse_edge((x[c], y[c]), node_size, (x[c] + np.cos(a), y[c] + np.sin(a)))
            spots.append((edge[0] + np.sign(np.cos(a)) * (lw / 2 + 0.04), edge[1] + np.sign(np.sin(a)) * (lh / 2 + 0.04)))
        best = _best_box(spots, lw, lh, taken, x, y, node_w, node_h, structural + arc_curves + lines,
                         outline=True)
        ax.text(best[2], best[3], text, ha="center", va="center", fontsize=SMALL, style="italic", bbox=label_pad,
                zorder=6, gid=f"r2-{c}")
        boxes["r2"].append(best[4])
        taken.append(best[4])

    for (a, b, start, end, rad, _), (*_, label) in zip(arcs, correlations):
        lw, lh = text_size(fig, label, SMALL)
        lw, lh = lw + 0.04, lh + 0.03
        spots = [_bezier(start, end, rad, f) for f in LABEL_SPOTS]
        others = structural + [cv for cv in arc_curves if cv is not arc_curves[len(boxes["correlation"])]]
        best = _best_box(spots, lw, lh, taken, x, y, node_w, node_h, others, outline=True)
        ax.text(best[2], best[3], label, ha="center", va="center", fontsize=SMALL, bbox=label_pad, zorder=5)
        boxes["correlation"].append(best[4])
        taken.append(best[4])

    boxes["path"] = _place_path_labels(fig, ax, routes, x, y, node_w, node_h, placed=taken,
                                       curves=arc_curves + lines, beside=True)
    ax.text(0.05, -0.06, "\n".join(note_lines), fontsize=NOTE_SIZE, va="top", color="#444444", linespacing=1.35)
    layout = {"x": x, "y": y, "node_size": node_size, "boxes": boxes, "label_boxes": boxes["path"], "arcs": arcs,
              "drawn": drawn, "sides": dict(geo.row_side)}
    return fig, layout
