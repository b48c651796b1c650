"""Figures for the chapter: a diverging Likert chart and the structural path diagram.

Both are drawn with matplotlib alone (a bare Figure, no pyplot global state) and written as
PNG at 300 dpi plus SVG. Metadata is fixed and SVG ids are salted, so the same inputs give
byte-identical files. Text in the SVG is drawn as paths (renders anywhere, also in Typst
without CJK fonts); matplotlib keeps each string as an XML comment next to its paths.
"""

import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, FancyArrowPatch, Patch
from matplotlib.transforms import blended_transform_factory

from govsurvey.errors import InputError
from govsurvey.formatting import apa_number, significance_stars

TEXT_WIDTH_IN = 16 / 2.54  # A4 text block width
DPI = 300
FONT_SIZE = 6.5  # pt; smallest size still comfortable in print at 100 %
LATIN_FAMILY = "DejaVu Sans"
# Looked up by name in matplotlib's font list, then by file under CJK_FONT_DIRS.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Noto Sans CJK TC", "Noto Serif CJK TC")
CJK_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
NEUTRAL_GREY = "#cccccc"
ROLE_ORDER = ("cause", "problem", "outcome")

# Figure text that the instrument does not supply.
TEXT = {
    "en": {
        "axis": "Percent of respondents",
        "reverse_note": "(R) reverse-keyed item, shown as answered (not yet reversed).",
        "n": "n",
        "path_note": "Standardized coefficients. * p < .05, ** p < .01, *** p < .001. "
        "Dashed: not significant (p ≥ {alpha}).",
    },
    "zh": {
        "axis": "受访者百分比",
        "reverse_note": "(R) 反向计分题，按原始作答显示（未反向）。",
        "n": "n",
        "path_note": "标准化系数。* p < .05，** p < .01，*** p < .001。虚线：不显著（p ≥ {alpha}）。",
    },
}


# ---------------------------------------------------------------- fonts, style, saving


def find_cjk_font():
    """Family name of an installed CJK font; InputError naming fonts-noto-cjk if none."""
    for attempt in range(2):
        known = {entry.name for entry in font_manager.fontManager.ttflist}
        for family in CJK_FAMILIES:
            if family in known:
                return family
        if attempt == 0:
            # matplotlib's font cache may predate the font install: register files directly.
            for folder in CJK_FONT_DIRS:
                if Path(folder).is_dir():
                    for path in sorted(Path(folder).rglob("*CJK*")):
                        if path.suffix.lower() in (".ttc", ".otf", ".ttf"):
                            font_manager.fontManager.addfont(str(path))
    raise InputError(
        "fonts",
        f"Chinese figures need a CJK font ({', '.join(CJK_FAMILIES)}), "
        f"but none was found by matplotlib or under {', '.join(CJK_FONT_DIRS)}.",
        "install the Debian package fonts-noto-cjk (sudo apt-get install fonts-noto-cjk), "
        "or draw the figures in English.",
    )


def _style(language):
    """rcParams for one figure: font for the language, deterministic SVG."""
    family = [find_cjk_font(), LATIN_FAMILY] if language == "zh" else [LATIN_FAMILY]
    return {
        "font.family": family,
        "font.size": FONT_SIZE,
        "svg.fonttype": "path",
        "svg.hashsalt": "govsurvey",
        "axes.unicode_minus": True,
    }


def _check_language(language, instrument):
    available = set(instrument.labels[instrument.scale_min])
    if language not in TEXT or language not in available:
        raise InputError(
            "figures",
            f"language '{language}' is not supported (figures can be drawn in "
            f"{', '.join(sorted(set(TEXT) & available))}).",
            "set the report language to 'en' or 'zh' in config.yaml.",
        )


def _save(fig, png_path, svg_path):
    for path in (png_path, svg_path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # PNG carries no timestamp; drop the Software key too so files survive version bumps.
    fig.savefig(png_path, format="png", dpi=DPI, metadata={"Software": None})
    fig.savefig(svg_path, format="svg", metadata={"Date": None})


def _new_figure(width, height):
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)  # a renderer to measure text with, independent of pyplot's backend
    return fig


def _text_size(fig, text, size, weight="normal"):
    """Width and height of a one- or multi-line string, in inches."""
    renderer = fig.canvas.get_renderer()
    artist = fig.text(0, 0, text, fontsize=size, fontweight=weight)
    box = artist.get_window_extent(renderer)
    artist.remove()
    return box.width / fig.dpi, box.height / fig.dpi


def _fit(fig, prefix, text, max_width, size, weight="normal"):
    """prefix + text, with text shortened to fit max_width inches.

    Cuts at a word for spaced languages and at a character for Chinese, and adds an ellipsis.
    """
    if _text_size(fig, prefix + text, size, weight)[0] <= max_width:
        return prefix + text
    spaced = " " in text.strip()
    pieces = text.split(" ") if spaced else list(text)
    while len(pieces) > 1:
        pieces = pieces[:-1]
        candidate = prefix + (" " if spaced else "").join(pieces).rstrip(",;:.，、；：") + "…"
        if _text_size(fig, candidate, size, weight)[0] <= max_width:
            return candidate
    return prefix + pieces[0] + "…"


# ---------------------------------------------------------------- Likert chart


def likert_palette(n_points):
    """Colours for an n-point scale: ColorBrewer RdBu (colour-blind safe), grey neutral."""
    cmap = matplotlib.colormaps["RdBu"]
    colours = [matplotlib.colors.to_hex(cmap(x)) for x in np.linspace(0.1, 0.9, n_points)]
    if n_points % 2:
        colours[n_points // 2] = NEUTRAL_GREY  # RdBu's near-white centre vanishes on paper
    return colours


def likert_percentages(responses, instrument):
    """Percent of valid answers per item (rows, questionnaire order) and scale point (columns).

    Also returns the number of valid answers per item as column "n".
    """
    codes = instrument.item_codes
    missing = [c for c in codes if c not in responses.columns]
    if missing:
        raise InputError(
            "responses",
            f"the responses table lacks the item column(s) {', '.join(missing)}.",
            "pass the screened responses with one column per instrument item.",
        )
    points = instrument.scale_points
    rows = {}
    for code in codes:
        answers = pd.to_numeric(responses[code], errors="coerce").dropna()
        off_scale = sorted(set(answers) - set(points))
        if off_scale:
            raise InputError(
                "responses",
                f"item {code} has answers {off_scale[:5]} outside the scale "
                f"{instrument.scale_min}–{instrument.scale_max}.",
                "check the ingest step's recoding of answer labels to numbers.",
            )
        counts = answers.value_counts().reindex(points, fill_value=0)
        total = counts.sum()
        row = counts / total * 100 if total else counts.astype(float)
        rows[code] = {**row.to_dict(), "n": int(total)}
    return pd.DataFrame.from_dict(rows, orient="index")


def _likert_layout(instrument):
    """Rows from top to bottom: ("header", construct) and ("item", code)."""
    rows = []
    for construct in instrument.constructs.values():
        codes = [c for c in instrument.item_codes if instrument.items[c].construct == construct.code]
        rows.append(("header", construct.code))
        rows.extend(("item", c) for c in codes)
    return rows


def _likert_figure(responses, instrument, language):
    table = likert_percentages(responses, instrument)
    points = instrument.scale_points
    colours = likert_palette(len(points))
    mid = (instrument.scale_min + instrument.scale_max) / 2
    text = TEXT[language]
    rows = _likert_layout(instrument)

    row_height = 0.18  # inches per row
    top, bottom = 0.45, 0.55  # room for legend; axis label and note
    height = len(rows) * row_height + top + bottom
    fig = _new_figure(TEXT_WIDTH_IN, height)
    label_width = 0.47 * TEXT_WIDTH_IN  # left column for item labels
    margin = 0.05
    ax = fig.add_axes(
        [
            (label_width + 2 * margin) / TEXT_WIDTH_IN,
            bottom / height,
            (TEXT_WIDTH_IN - label_width - 4 * margin) / TEXT_WIDTH_IN,
            len(rows) * row_height / height,
        ]
    )
    label_at = blended_transform_factory(fig.transFigure, ax.transData)
    x_label = margin / TEXT_WIDTH_IN

    extent = 0
    for position, (kind, code) in enumerate(rows):
        y = -position
        if kind == "header":
            name = instrument.constructs[code].name[language]
            header = _fit(fig, f"{code}  ", name, TEXT_WIDTH_IN - 2 * margin, FONT_SIZE, "bold")
            ax.text(x_label, y, header, transform=label_at, fontweight="bold", va="center")
            continue
        item = instrument.items[code]
        suffix = " (R)" if item.reverse else ""
        wording = _fit(fig, f"{code}  ", getattr(item, language), label_width - 0.35, FONT_SIZE)
        ax.text(x_label + 0.12 / TEXT_WIDTH_IN, y, wording + suffix, transform=label_at, va="center")
        shares = [table.loc[code, p] for p in points]
        below = sum(s for p, s in zip(points, shares) if p < mid)
        centre = sum(s for p, s in zip(points, shares) if p == mid)
        left = -below - centre / 2
        for share, colour in zip(shares, colours):
            ax.barh(y, share, left=left, height=0.72, color=colour, edgecolor="white", linewidth=0.3)
            left += share
        above = sum(s for p, s in zip(points, shares) if p > mid)
        extent = max(extent, below + centre / 2, above + centre / 2)
        # Totals of disagreement and agreement beside the bar ends.
        ax.text(
            -below - centre / 2 - 1, y, f"{below:.0f}", ha="right", va="center", fontsize=5.5, color="#444444"
        )
        ax.text(
            above + centre / 2 + 1, y, f"{above:.0f}", ha="left", va="center", fontsize=5.5, color="#444444"
        )

    limit = 10 * np.ceil((extent + 8) / 10)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-len(rows) + 0.5, 0.5)
    ax.axvline(0, color="#333333", linewidth=0.6, zorder=0)
    step = 20 if limit > 60 else 10
    ticks = np.arange(-(limit // step) * step, limit + 1, step)
    ax.set_xticks(ticks, [f"{abs(t):.0f}" for t in ticks])
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", labelsize=FONT_SIZE, length=2)
    n_valid = table["n"]
    n_text = (
        f"{text['n']} = {n_valid.max()}"
        if n_valid.min() == n_valid.max()
        else (f"{text['n']} = {n_valid.min()}–{n_valid.max()}")
    )
    ax.set_xlabel(f"{text['axis']} (%), {n_text}", fontsize=FONT_SIZE, labelpad=2)
    handles = [Patch(facecolor=c, edgecolor="none") for c in colours]
    labels = [instrument.labels[p][language] for p in points]
    fig.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 1 - 0.08 / height),
        ncols=len(points),
        frameon=False,
        fontsize=FONT_SIZE,
        handlelength=1.2,
        columnspacing=1.0,
        handletextpad=0.4,
    )
    if instrument.reverse_items:
        fig.text(margin / TEXT_WIDTH_IN, 0.08 / height, text["reverse_note"], fontsize=5.5, color="#444444")
    return fig, table


def likert_chart(responses, instrument, language, png_path, svg_path):
    """Diverging stacked bar chart of every item's answers, grouped by construct.

    Writes png_path (300 dpi) and svg_path; returns the plotted percentage table
    (items x scale points, plus "n" valid answers per item).
    """
    _check_language(language, instrument)
    with matplotlib.rc_context(_style(language)):
        fig, table = _likert_figure(responses, instrument, language)
        _save(fig, png_path, svg_path)
    return table


# ---------------------------------------------------------------- path diagram

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
    """Horizontal slot of each construct: role band, then depth of the path chain within it."""
    nodes = [c for c in instrument.constructs if c in set(paths["predictor"]) | set(paths["outcome"])]
    role = {c: instrument.constructs[c].role for c in nodes}
    unknown_roles = sorted({r for r in role.values() if r not in ROLE_ORDER})
    if unknown_roles:
        raise InputError(
            instrument.source,
            f"construct role(s) {unknown_roles} are not one of {', '.join(ROLE_ORDER)}.",
            "give each construct the role cause, problem or outcome.",
        )
    depth = dict.fromkeys(nodes, 0)
    for _ in nodes:  # longest chain among same-role constructs (bounded: cycles cannot loop)
        for _, path in paths.iterrows():
            p, o = path["predictor"], path["outcome"]
            if role[p] == role[o]:
                depth[o] = max(depth[o], min(depth[p] + 1, len(nodes)))
    return nodes, role, depth


def _positions(paths, instrument, node_w, node_h, width):
    nodes, role, depth = _columns(paths, instrument)
    bands = [r for r in ROLE_ORDER if r in role.values()]
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


OPENING_PUNCTUATION = "“‘（《「"


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
        widest = max(_text_size(fig, line, size)[0] for line in lines[: max_lines - 1])
        rest = (" " if language == "en" else "").join(lines[max_lines - 1 :])
        lines = lines[: max_lines - 1] + [_fit(fig, "", rest, widest, size)]
    return lines


def _diagram_figure(params, instrument, language, alpha):
    paths = structural_paths(params, instrument, alpha)
    width = TEXT_WIDTH_IN
    fig = _new_figure(width, 4)  # height set once the layout is known
    name_size, code_size = FONT_SIZE - 0.5, FONT_SIZE + 0.5
    names = {
        c: _node_name(fig, con.name[language], language, name_size)
        for c, con in instrument.constructs.items()
    }
    # Lines are placed one by one at a fixed pitch: matplotlib's multi-line layout spaces
    # lines by their ink, which looks uneven ("governance" vs "effectiveness").
    code_step, name_step = code_size * 1.25 / 72, name_size * 1.2 / 72
    block_h = {c: code_step + len(n) * name_step for c, n in names.items()}
    text_w = max(_text_size(fig, line, name_size)[0] for n in names.values() for line in n)
    text_h = max(block_h.values())
    node_w, node_h = text_w * 1.36 + 0.08, text_h * 1.36 + 0.06  # ellipse round the text box

    x, y, span = _positions(paths, instrument, node_w, node_h, width)
    note_h = 0.3
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
        lw, lh = _text_size(fig, path.label, FONT_SIZE)
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
    ax.text(
        0.05,
        -note_h / 2,
        TEXT[language]["path_note"].format(alpha=apa_number(alpha)),
        fontsize=5.5,
        va="center",
        color="#444444",
    )
    layout = {"x": x, "y": y, "node_size": (node_w, node_h), "label_boxes": placed}
    return fig, paths, layout


def path_diagram(params, instrument, language, png_path, svg_path, alpha=0.05):
    """Structural path diagram: causes left, problems middle, outcome right.

    Arrows carry standardized coefficients (APA, with stars); non-significant ones are dashed.
    Writes png_path (300 dpi) and svg_path; returns the table of drawn paths.
    """
    _check_language(language, instrument)
    with matplotlib.rc_context(_style(language)):
        fig, paths, _ = _diagram_figure(params, instrument, language, alpha)
        _save(fig, png_path, svg_path)
    return paths


# ---------------------------------------------------------------- forest plot of effects

FOREST_TEXT = {
    "en": {"axis": "Effect (unstandardized) with {level:.0%} bootstrap CI", "perc": "Percentile CI", "bc": "Bias-corrected CI", "total": "Total"},
    "zh": {"axis": "效应（非标准化）及 {level:.0%} Bootstrap 置信区间", "perc": "百分位 CI", "bc": "偏差校正 CI", "total": "总效应"},
}


def effect_label(name, language="en"):
    """'ind_OB_PL_GS' -> 'OB → PL → GS'; 'total_PL_GS' -> 'Total PL → GS'; others unchanged."""
    kind, _, chain = str(name).partition("_")
    if kind in ("ind", "total") and chain:
        arrow = " → ".join(chain.split("_"))
        return f"{FOREST_TEXT[language]['total']} {arrow}" if kind == "total" else arrow
    return str(name)


def forest_plot(effects, language, png_path, svg_path, level=0.95):
    """Each defined effect with its percentile and bias-corrected bootstrap CIs.

    `effects` has columns lhs, est, ci_lower_perc, ci_upper_perc, ci_lower_bc, ci_upper_bc.
    """
    text = FOREST_TEXT[language]
    with matplotlib.rc_context(_style(language)):
        height = 1.1 + 0.3 * len(effects)  # inches: margins for axis and legend, a row per effect
        fig = _new_figure(TEXT_WIDTH_IN, height)
        ax = fig.add_axes([0.28, 0.55 / height, 0.68, 1 - 1.0 / height])
        rows = list(effects.itertuples())
        for y, row in enumerate(reversed(rows)):
            ax.plot([row.ci_lower_perc, row.ci_upper_perc], [y + 0.12] * 2, color="#2166ac", lw=1.2)
            ax.plot([row.ci_lower_bc, row.ci_upper_bc], [y - 0.12] * 2, color="#b2182b", lw=1.2, ls=(0, (3, 1.5)))
            ax.plot([row.est], [y], marker="D", color="black", ms=3.5, zorder=3)
        ax.axvline(0, color="grey", lw=0.6)
        ax.set_yticks(range(len(rows)), [effect_label(r.lhs, language) for r in reversed(rows)])
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlabel(text["axis"].format(level=level))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        handles = [
            matplotlib.lines.Line2D([], [], color="#2166ac", lw=1.2, label=text["perc"]),
            matplotlib.lines.Line2D([], [], color="#b2182b", lw=1.2, ls=(0, (3, 1.5)), label=text["bc"]),
        ]
        ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
        _save(fig, png_path, svg_path)
