"""The structural path diagram: constructs as ellipses, standardized paths as arrows."""

import textwrap

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.patches import Ellipse, FancyArrowPatch

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


def _route(p0, p1, others, node_w, node_h):
    """Curvature for an arrow: the least bend that clears the other nodes with room to
    spare, else the least bend that at least misses them, else the one that grazes least."""
    ts = np.linspace(0.05, 0.95, 90)
    best = None
    for rad in sorted(np.round(np.arange(-0.6, 0.61, 0.05), 2), key=lambda r: (abs(r), -r)):
        curve = _bezier(p0, p1, rad, ts)
        hits = sum(int(_inside(curve, o, node_w, node_h, 1.05).sum()) for o in others)
        # Room for the arrowheads that end on the node.
        near = any(_inside(curve, o, node_w, node_h, margin=0.2).any() for o in others)
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




def _node_name(fig, name, language, size, max_lines=5):
    """Construct name wrapped for a node: by words in English, in even chunks in Chinese."""
    if language == "zh":
        n_lines = -(-len(name) // 7)
        per_line = -(-len(name) // max(n_lines, 1))
        lines = [name[i : i + per_line] for i in range(0, len(name), per_line)]
        for i in range(len(lines) - 1):  # an opening quote must not end a line
            while lines[i] and lines[i][-1] in OPENING_PUNCTUATION:
                lines[i], lines[i + 1] = lines[i][:-1], lines[i][-1] + lines[i + 1]
    else:
        lines = textwrap.wrap(name, 18, break_on_hyphens=False, break_long_words=False)
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


def _diagram_figure(params, instrument, language, alpha, r2=None):
    w = words(language)["figures"]
    with number_style(words(language)["leading_zero"]):  # as the chapter of that language writes them
        paths = structural_paths(params, instrument, alpha)
        correlations = exogenous_correlations(params, paths)
        r2_labels = r_squared_labels(r2, paths, language)
        note = w["path_note"].format(alpha=apa_number(alpha))
        if r2_labels:
            note += w["path_note_r2"]
        if not correlations.empty:
            note += w["path_note_correlations"]
    fig, layout = draw_paths(paths, instrument, language, note, r2=r2_labels,
                             correlations=list(correlations[["a", "b", "label"]].itertuples(index=False)))
    layout["correlations"] = correlations
    return fig, paths, layout


def _arc_geometry(x, y, pairs, node_w, node_h):
    """Curved double-headed arcs on the left of the exogenous constructs, nested by how many
    slots apart their ends are: (a, b, start, end, rad, apex) per pair. An arc leaves each node
    at an angle that grows for the closer pairs, so inner arcs stay inside outer ones."""
    order = sorted({c for a, b in pairs for c in (a, b)}, key=lambda c: -y[c])
    slot = {c: i for i, c in enumerate(order)}
    arcs = []
    for a, b in pairs:
        top, bottom = sorted((a, b), key=lambda c: -y[c])
        k = slot[bottom] - slot[top]
        theta = np.radians(min(14 + 34 / k, 60))  # from the leftmost point of the ellipse
        start = (x[top] - node_w / 2 * np.cos(theta), y[top] - node_h / 2 * np.sin(theta))
        end = (x[bottom] - node_w / 2 * np.cos(theta), y[bottom] + node_h / 2 * np.sin(theta))
        bulge = ARC_BULGE * k  # inches left of the ends at the arc's middle
        rad = 2 * bulge / np.hypot(end[0] - start[0], end[1] - start[1])
        apex = _bezier(start, end, rad, 0.5)
        arcs.append((a, b, start, end, float(rad), apex))
    return arcs


ARC_BULGE = 0.22  # inches per slot between the ends of a correlation arc


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
    names = {
        c: _node_name(fig, con.name[language], language, name_size)
        for c, con in instrument.constructs.items()
    }
    # Lines are placed one by one at a fixed pitch: matplotlib's multi-line layout spaces
    # lines by their ink, which looks uneven ("governance" vs "effectiveness").
    code_step, name_step = code_size * 1.25 / 72, name_size * 1.2 / 72
    block_h = {c: code_step + len(n) * name_step for c, n in names.items()}
    text_w = max(text_size(fig, line, name_size)[0] for n in names.values() for line in n)
    text_h = max(block_h.values())
    node_w, node_h = text_w * 1.36 + 0.08, text_h * 1.36 + 0.06  # ellipse round the text box

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
        ellipse = Ellipse((x[c], y[c]), node_w, node_h, facecolor="#f4f4f4", edgecolor="black", linewidth=0.8)
        ax.add_patch(ellipse)
        ellipses[c] = ellipse
        # Code above name, the block centred in the ellipse; baselines sit ~78 % down a line.
        top = y[c] + block_h[c] / 2
        ax.text(
            x[c], top - 0.78 * code_step, c, ha="center", va="baseline", fontweight="bold", fontsize=code_size
        )
        for k, line in enumerate(names[c]):
            baseline = top - code_step - (k + 0.78) * name_step
            ax.text(x[c], baseline, line, ha="center", va="baseline", fontsize=name_size)

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

    placed = []
    curves = {i: _bezier(r[1], r[2], r[3], np.linspace(r[4], r[5], 300)) for i, r in enumerate(routes)}
    order = sorted(range(len(routes)), key=lambda i: np.hypot(*np.subtract(routes[i][1], routes[i][2])))
    for i in order:
        path, p0, p1, rad, t0, t1 = routes[i]
        lw, lh = text_size(fig, path.label, FONT_SIZE)
        lw, lh = lw + 0.06, lh + 0.04  # the white box pads the text
        best = None
        for k, frac in enumerate((0.5, 0.4, 0.6, 0.32, 0.68, 0.25, 0.75, 0.2, 0.8)):
            cx, cy = _bezier(p0, p1, rad, t0 + frac * (t1 - t0))
            box = (cx - lw / 2, cy - lh / 2, cx + lw / 2, cy + lh / 2)
            corners = np.array(
                [[box[0], box[1]], [box[0], box[3]], [box[2], box[1]], [box[2], box[3]], [cx, cy]]
            )
            score = 100 * sum(_boxes_overlap(box, other) for other in placed)
            score += 100 * sum(_inside(corners, (x[c], y[c]), node_w, node_h, 1.05).any() for c in x)
            # Crossing another arrow is bad; crowding one (within 0.08 in) is a lesser evil.
            for j in curves:
                if j != i:
                    score += 10 * _crosses(curves[j], box) + _crosses(curves[j], box, 0.08)
            if best is None or (score, k) < best[:2]:
                best = (score, k, cx, cy, box)
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
    ax.text(0.05, -0.06, "\n".join(note_lines), fontsize=NOTE_SIZE, va="top", color="#444444", linespacing=1.35)
    layout = {"x": x, "y": y, "node_size": (node_w, node_h), "label_boxes": placed, "arcs": arcs}
    return fig, layout


def path_diagram(params, instrument, language, png_path, svg_path, alpha=0.05, r2=None):
    """Structural path diagram: the constructs in bands left to right (the instrument's roles in
    their order, or the layers of the path chain), predictors before what they predict.

    Arrows carry standardized coefficients (APA, with stars); non-significant ones are dashed.
    Curved double-headed arcs join the exogenous constructs with their standardized covariances
    (correlations); with `r2` (the SEM step's table: variable, r2) each endogenous construct
    shows its R². Writes png_path (300 dpi) and svg_path; returns the table of drawn paths.
    """
    check_language(language, instrument)
    with matplotlib.rc_context(style(language)):
        fig, paths, _ = _diagram_figure(params, instrument, language, alpha, r2)
        save(fig, png_path, svg_path)
    return paths
