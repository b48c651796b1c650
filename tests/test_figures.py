"""Figures: files, resolution, labels, dashes, determinism, Chinese text, APA formatting."""

import dataclasses
import re
from pathlib import Path

import matplotlib
import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from govsurvey.errors import InputError
from govsurvey.figures import likert, style
from govsurvey.figures import path_diagram as diagram
from govsurvey.formatting import apa_number, apa_p, significance_stars
from govsurvey.study.instrument import load_instrument

ROOT = Path(__file__).resolve().parents[1]
INSTRUMENT = ROOT / "data" / "instruments" / "party_building_governance.yaml"

# Structural paths of the default model: (outcome, predictor, std_all, pvalue).
PATHS = [
    ("PL", "OB", 0.42, 0.0001),
    ("PL", "IN", 0.31, 0.002),
    ("PW", "PM", 0.28, 0.01),
    ("PW", "PL", 0.05, 0.41),  # not significant
    ("RI", "MS", 0.33, 0.0004),
    ("RI", "IN", 0.18, 0.03),
    ("RI", "PL", -0.07, 0.20),  # not significant, negative
    ("GS", "PL", 0.25, 0.004),
    ("GS", "PW", 0.21, 0.012),
    ("GS", "RI", 0.36, 0.00001),
]
LABELS = {".42***", ".31**", ".28*", ".05", ".33***", ".18*", "\u2212.07", ".25**", ".21*", ".36***"}


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


def simulate_responses(instrument, n=150, seed=7):
    """Answers whose centre differs by item, with a few missing values."""
    rng = np.random.default_rng(seed)
    points = np.array(instrument.scale_points)
    data = {}
    for i, code in enumerate(instrument.item_codes):
        centre = 2 + (i % 4) * 0.8
        probs = np.exp(-0.5 * ((points - centre) / 1.0) ** 2)
        answers = rng.choice(points, size=n, p=probs / probs.sum()).astype(float)
        answers[rng.random(n) < 0.03] = np.nan
        data[code] = answers
    return pd.DataFrame(data)


def make_params(instrument, paths=PATHS):
    """A lavaan-shaped parameter table: loadings, regressions, a variance, a defined effect."""
    rows = []
    for code, construct in instrument.constructs.items():
        for item in construct.items:
            rows.append({"lhs": code, "op": "=~", "rhs": item.code, "std_all": 0.72, "pvalue": 0.0})
        rows.append({"lhs": code, "op": "~~", "rhs": code, "std_all": 1.0, "pvalue": 0.0})
    for outcome, predictor, beta, p in paths:
        rows.append({"lhs": outcome, "op": "~", "rhs": predictor, "std_all": beta, "pvalue": p})
    rows.append({"lhs": "ind_OB_PL_GS", "op": ":=", "rhs": "a1*d1", "std_all": 0.105, "pvalue": 0.02})
    table = pd.DataFrame(rows)
    table["label"] = ""
    for column in ("est", "se", "z", "ci_lower", "ci_upper"):
        table[column] = table["std_all"] * 0.9
    return table[["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"]]


def svg_strings(path):
    """Strings drawn in an SVG: matplotlib writes each text as a comment beside its glyph paths."""
    return re.findall(r"<!-- (.*?) -->", Path(path).read_text(encoding="utf-8"))


def svg_group(path, gid):
    text = Path(path).read_text(encoding="utf-8")
    match = re.search(rf'<g id="{re.escape(gid)}">(.*?)</g>', text, re.S)
    assert match, f"no SVG group {gid}"
    return match.group(1)


@pytest.fixture(scope="module")
def drawn(instrument, tmp_path_factory):
    """Each figure once per language; returns {(kind, language): (png, svg, returned)}."""
    out = tmp_path_factory.mktemp("figures")
    responses, params = simulate_responses(instrument), make_params(instrument)
    result = {}
    for language in ("en", "zh"):
        png, svg = out / f"likert_{language}.png", out / f"likert_{language}.svg"
        result["likert", language] = (
            png,
            svg,
            likert.likert_chart(responses, instrument, language, png, svg),
        )
        png, svg = out / f"paths_{language}.png", out / f"paths_{language}.svg"
        result["paths", language] = (png, svg, diagram.path_diagram(params, instrument, language, png, svg))
    return result


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (0.42, {}, ".42"),
        (-0.05, {}, "\u2212.05"),
        (0.4249, {}, ".42"),
        (0.425001, {}, ".43"),
        (-0.001, {}, ".00"),  # rounds to zero: no sign
        (1.234, {}, "1.23"),
        (-12.5, {"digits": 1}, "\u221212.5"),
        (0.42, {"leading_zero": True}, "0.42"),
        (0.5, {"digits": 3}, ".500"),
        (float("nan"), {}, "\u2014"),
    ],
)
def test_apa_number(value, kwargs, expected):
    assert apa_number(value, **kwargs) == expected


@pytest.mark.parametrize(
    ("p", "expected"),
    [(0.0004, "< .001"), (0.0, "< .001"), (0.001, ".001"), (0.032, ".032"), (0.5, ".500"), (0.04999, ".050")],
)
def test_apa_p(p, expected):
    assert apa_p(p) == expected


def test_significance_stars():
    assert [significance_stars(p) for p in (0.0005, 0.005, 0.03, 0.05, 0.2, float("nan"))] == [
        "***",
        "**",
        "*",
        "",
        "",
        "",
    ]


# ---------------------------------------------------------------- Likert chart


def test_likert_percentages_count_valid_answers(instrument):
    responses = simulate_responses(instrument)
    responses["IN1"] = 5.0
    responses["IN2"] = [1.0, 2.0, np.nan] * (len(responses) // 3)
    table = likert.likert_percentages(responses, instrument)
    assert list(table.index) == instrument.item_codes
    assert table.loc["IN1", 5] == 100 and table.loc["IN1", 1] == 0
    assert table.loc["IN2", 1] == pytest.approx(50) and table.loc["IN2", 2] == pytest.approx(50)
    assert table.loc["IN2", "n"] == 2 * len(responses) // 3
    assert np.allclose(table[instrument.scale_points].sum(axis=1), 100)


def test_likert_percentages_reject_bad_input(instrument):
    responses = simulate_responses(instrument)
    with pytest.raises(InputError, match="GS4"):
        likert.likert_percentages(responses.drop(columns="GS4"), instrument)
    responses.loc[0, "OB2"] = 7
    with pytest.raises(InputError, match="OB2.*outside the scale"):
        likert.likert_percentages(responses, instrument)


def test_likert_bars_diverge_around_neutral(instrument):
    responses = simulate_responses(instrument, seed=3)
    with matplotlib.rc_context(style.style("en")):
        fig, table = likert._likert_figure(responses, instrument, "en")
    bars = [p for p in fig.axes[0].patches if p.get_width() > 0]
    palette = [mcolors.to_hex(c) for c in likert.likert_palette(5)]
    seen = []
    for bar in bars:
        point = palette.index(mcolors.to_hex(bar.get_facecolor())) + 1
        left, right = bar.get_x(), bar.get_x() + bar.get_width()
        if point < 3:
            assert right <= 1e-9
        elif point > 3:
            assert left >= -1e-9
        else:
            assert left + right == pytest.approx(0)  # neutral straddles zero
        seen.append((point, round(bar.get_width(), 6)))
    expected = [
        (p, round(v, 6)) for code in table.index for p, v in table.loc[code, [1, 2, 3, 4, 5]].items() if v > 0
    ]
    assert sorted(seen) == sorted(expected)


def test_likert_files_and_labels(instrument, drawn):
    png, svg, table = drawn["likert", "en"]
    with Image.open(png) as image:
        assert [round(d) for d in image.info["dpi"]] == [300, 300]
        assert abs(image.width - round(16 / 2.54 * 300)) <= 1  # A4 text width
    strings = svg_strings(svg)
    for code, construct in instrument.constructs.items():
        assert any(s.startswith(f"{code}  {construct.name['en'][:10]}") for s in strings), code
    for code, item in instrument.items.items():
        assert code in strings
        assert _group_strings(svg, f"wording-{code}")[-1].endswith("(R)") == item.reverse, code
    for point in instrument.scale_points:
        assert instrument.labels[point]["en"] in strings
    assert "非常同意" not in " ".join(strings)
    # Agreement totals printed beside the bars come from the data.
    agree = (table[4] + table[5]).round().astype(int).astype(str)
    assert set(agree) <= set(strings)


def test_likert_changes_with_the_data(instrument, drawn, tmp_path):
    _, svg, _ = drawn["likert", "en"]
    other = simulate_responses(instrument, seed=99)
    likert.likert_chart(other, instrument, "en", tmp_path / "o.png", tmp_path / "o.svg")
    assert (tmp_path / "o.svg").read_bytes() != Path(svg).read_bytes()


def test_chinese_chart_has_chinese_text(instrument, drawn):
    for kind in ("likert", "paths"):
        strings = " ".join(svg_strings(drawn[kind, "zh"][1]))
        assert re.search(r"[\u4e00-\u9fff]", strings)
        assert "Strongly agree" not in strings
    likert = svg_strings(drawn["likert", "zh"][1])
    assert {instrument.labels[p]["zh"] for p in instrument.scale_points} <= set(likert)
    assert any(instrument.items["IN1"].zh in s for s in likert)
    paths = "".join(svg_strings(drawn["paths", "zh"][1]))
    assert instrument.constructs["PW"].name["zh"] in paths


def test_palette_is_colour_blind_safe():
    # Machado et al. (2009) full-severity simulations, applied in linear RGB; all five
    # colours must stay apart (CIE76 ΔE) for every type. A red-green scheme fails this.
    sims = {
        "protan": [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ],
        "deutan": [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ],
        "tritan": [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ],
    }

    def lab(hex_colour, matrix):
        c = np.array(mcolors.to_rgb(hex_colour))
        linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        linear = np.clip(np.array(matrix) @ linear, 0, 1)
        xyz = (
            np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
        )
        t = xyz / np.array([0.95047, 1.0, 1.08883])
        f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
        return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])

    def min_distance(palette):
        return min(
            np.linalg.norm(lab(a, m) - lab(b, m))
            for m in sims.values()
            for i, a in enumerate(palette)
            for b in palette[i + 1 :]
        )

    assert min_distance(["#d7191c", "#fdae61", "#cccccc", "#a6d96a", "#1a9641"]) < 12  # the check can fail
    assert min_distance(likert.likert_palette(5)) >= 12


# ---------------------------------------------------------------- path diagram


def test_structural_paths_table(instrument):
    paths = diagram.structural_paths(make_params(instrument), instrument)
    assert len(paths) == len(PATHS)  # loadings, variances and := rows are not drawn
    assert set(paths["label"]) == LABELS
    dashed = paths.loc[paths["dashed"], ["predictor", "outcome"]].apply(tuple, axis=1)
    assert set(dashed) == {("PL", "PW"), ("PL", "RI")}
    strict = diagram.structural_paths(make_params(instrument), instrument, alpha=0.01)
    assert strict["dashed"].sum() == 5  # p = .03, .012 and .01 no longer pass (p ≥ alpha)


def test_path_diagram_files_labels_and_dashes(instrument, drawn):
    png, svg, _ = drawn["paths", "en"]
    with Image.open(png) as image:
        assert [round(d) for d in image.info["dpi"]] == [300, 300]
    strings = svg_strings(svg)
    assert set(instrument.constructs) <= set(strings)
    assert LABELS <= set(strings)
    for outcome, predictor, _, p in PATHS:
        group = svg_group(svg, f"path-{predictor}-{outcome}")
        assert ("stroke-dasharray" in group) == (p >= 0.05), (predictor, outcome)


def test_path_diagram_follows_its_inputs(instrument, tmp_path):
    changed = [
        (o, pr, -0.61 if (pr, o) == ("OB", "PL") else b, 0.3 if (pr, o) == ("MS", "RI") else p)
        for o, pr, b, p in PATHS
    ]
    svg = tmp_path / "p.svg"
    diagram.path_diagram(make_params(instrument, changed), instrument, "en", tmp_path / "p.png", svg)
    strings = svg_strings(svg)
    assert "\u2212.61***" in strings and ".42***" not in strings
    assert "stroke-dasharray" in svg_group(svg, "path-MS-RI")


def test_without_roles_the_bands_follow_the_path_chain(instrument):
    """An instrument without roles: each construct's band is the length of the chain before it."""
    plain = dataclasses.replace(
        instrument, roles={}, constructs={c: dataclasses.replace(k, role=None) for c, k in instrument.constructs.items()}
    )
    chain = [("OB", "IN", 0.3, 0.01), ("PL", "OB", 0.4, 0.01), ("GS", "PL", 0.5, 0.01), ("GS", "IN", 0.1, 0.2)]
    with matplotlib.rc_context(style.style("en")):
        _, _, layout = diagram._diagram_figure(make_params(plain, chain), plain, "en", 0.05)
    x = layout["x"]
    assert set(x) == {"IN", "OB", "PL", "GS"}
    assert x["IN"] < x["OB"] < x["PL"] < x["GS"]


def test_path_layout_columns_and_labels_clear(instrument):
    with matplotlib.rc_context(style.style("en")):
        _, _, layout = diagram._diagram_figure(make_params(instrument), instrument, "en", 0.05)
    x, y = layout["x"], layout["y"]
    causes = [c for c, k in instrument.constructs.items() if k.role == "cause"]
    problems = [c for c, k in instrument.constructs.items() if k.role == "problem"]
    assert max(x[c] for c in causes) < min(x[c] for c in problems)
    assert max(x[c] for c in problems) < x["GS"]
    boxes = layout["label_boxes"]
    assert len(boxes) == len(PATHS)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not diagram._boxes_overlap(a, b)
        corners = np.array([[a[0], a[1]], [a[0], a[3]], [a[2], a[1]], [a[2], a[3]]])
        for c in x:
            assert not diagram._inside(corners, (x[c], y[c]), *layout["node_size"]).any()
    width, height = layout["node_size"]
    for i, a in enumerate(x):  # nodes do not overlap each other
        for b in list(x)[i + 1 :]:
            assert abs(x[a] - x[b]) >= width or abs(y[a] - y[b]) >= height


def test_path_diagram_rejects_bad_params(instrument, tmp_path):
    params = make_params(instrument)
    with pytest.raises(InputError, match="std_all"):
        diagram.path_diagram(
            params.drop(columns="std_all"), instrument, "en", tmp_path / "a.png", tmp_path / "a.svg"
        )
    extra = pd.concat([params, pd.DataFrame([{"lhs": "XX", "op": "=~", "rhs": "IN1"}])], ignore_index=True)
    with pytest.raises(InputError, match="XX"):
        diagram.path_diagram(extra, instrument, "en", tmp_path / "a.png", tmp_path / "a.svg")
    with pytest.raises(InputError, match="no regressions"):
        diagram.path_diagram(
            params[params["op"] != "~"], instrument, "en", tmp_path / "a.png", tmp_path / "a.svg"
        )


# ---------------------------------------------------------------- determinism, fonts, language


def test_same_inputs_give_identical_files(instrument, drawn, tmp_path):
    likert.likert_chart(
        simulate_responses(instrument), instrument, "en", tmp_path / "l.png", tmp_path / "l.svg"
    )
    diagram.path_diagram(make_params(instrument), instrument, "zh", tmp_path / "p.png", tmp_path / "p.svg")
    for kind, language, name in (("likert", "en", "l"), ("paths", "zh", "p")):
        png, svg, _ = drawn[kind, language]
        assert (tmp_path / f"{name}.svg").read_bytes() == Path(svg).read_bytes()
        assert (tmp_path / f"{name}.png").read_bytes() == Path(png).read_bytes()
    assert b"<dc:date>" not in (tmp_path / "l.svg").read_bytes()


def test_missing_cjk_font_names_the_package(instrument, tmp_path, monkeypatch):
    monkeypatch.setattr(style, "CJK_FAMILIES", ("No Such CJK Font",))
    monkeypatch.setattr(style, "CJK_FONT_DIRS", (str(tmp_path),))
    with pytest.raises(InputError, match="fonts-noto-cjk"):
        likert.likert_chart(
            simulate_responses(instrument), instrument, "zh", tmp_path / "a.png", tmp_path / "a.svg"
        )
    assert not (tmp_path / "a.png").exists()


def test_unknown_language_is_an_input_error(instrument, tmp_path):
    with pytest.raises(InputError, match="'fr'"):
        likert.likert_chart(
            simulate_responses(instrument), instrument, "fr", tmp_path / "a.png", tmp_path / "a.svg"
        )


def _effects(shift=0.0):
    """An effects table (govsurvey.sem.effects) of two causes: routes, totals and other rows."""
    rows = [  # kind, cause, route, est, percentile CI, BC CI
        ("direct", "OB", "OB → GS", 0.0, (None, None), (None, None)),
        ("indirect", "OB", "OB → PL → GS", 0.13 + shift, (0.07, 0.21), (0.08, 0.22)),
        ("indirect", "OB", "OB → PL → PW → GS", 0.03, (0.01, 0.06), (0.01, 0.07)),
        ("total_indirect", "OB", "OB ⇒ GS", 0.16 + shift, (0.09, 0.25), (0.09, 0.26)),
        ("total", "OB", "OB ⇒ GS", 0.16 + shift, (0.09, 0.25), (0.09, 0.26)),
        ("direct", "PL", "PL → GS", 0.31, (0.20, 0.45), (0.21, 0.46)),
        ("indirect", "PL", "PL → PW → GS", 0.20, (0.11, 0.30), (0.12, 0.31)),
        ("total_indirect", "PL", "PL ⇒ GS", 0.20, (0.11, 0.30), (0.12, 0.31)),
        ("total", "PL", "PL ⇒ GS", 0.51, (0.40, 0.63), (0.40, 0.62)),
    ]
    return pd.DataFrame([{"kind": k, "cause": c, "outcome": "GS", "route": r, "est": e,
                          "ci_lower_perc": p[0], "ci_upper_perc": p[1], "ci_lower_bc": b[0], "ci_upper_bc": b[1]}
                         for k, c, r, e, p, b in rows]).astype({"ci_lower_perc": float, "ci_upper_perc": float,
                                                                 "ci_lower_bc": float, "ci_upper_bc": float})


def test_forest_plot_sorts_the_routes_and_gives_the_totals_their_own_panel():
    from govsurvey.figures.forest import forest_panels

    (first, routes), (second, totals) = forest_panels(_effects())
    assert first == "routes" and list(routes["label"]) == ["PL → PW → GS", "OB → PL → GS", "OB → PL → PW → GS"]
    assert second == "totals" and list(totals["label"]) == ["PL → GS", "OB → GS"]


@pytest.mark.parametrize("language, labels", [
    ("en", ["Indirect effects (routes)", "Total effects (direct + indirect)", "Percentile CI", "Bias-corrected CI"]),
    ("zh", ["间接效应（各条路径）", "总效应（直接＋间接）", "百分位 CI"]),
])
def test_forest_plot_shows_every_effect_and_is_deterministic(tmp_path, language, labels):
    from govsurvey.figures.forest import forest_plot

    forest_plot(_effects(), language, tmp_path / "a.png", tmp_path / "a.svg")
    forest_plot(_effects(), language, tmp_path / "b.png", tmp_path / "b.svg")
    forest_plot(_effects(0.05), language, tmp_path / "c.png", tmp_path / "c.svg")
    svg = (tmp_path / "a.svg").read_text()
    for label in ["OB → PL → GS", "OB → PL → PW → GS", "PL → PW → GS", "PL → GS", *labels]:
        assert label in svg
    assert "OB ⇒ GS" not in svg  # the total indirect effect is not drawn beside its routes
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert (tmp_path / "a.svg").read_bytes() != (tmp_path / "c.svg").read_bytes()


# ---------------------------------------------------------------- R², correlations, whole wording

EXOGENOUS_R = {("OB", "IN"): 0.461, ("IN", "MS"): 0.379, ("IN", "PM"): 0.458, ("OB", "MS"): 0.307,
               ("OB", "PM"): 0.406, ("MS", "PM"): 0.438}


def _params_with_correlations(instrument):
    table = make_params(instrument)
    extra = [{"lhs": a, "op": "~~", "rhs": b, "label": "", "std_all": r, "pvalue": 0.0004}
             for (a, b), r in EXOGENOUS_R.items()]
    return pd.concat([table, pd.DataFrame(extra)], ignore_index=True)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_path_diagram_draws_r2_and_the_correlations_of_the_causes(instrument, tmp_path, language):
    """Each endogenous construct shows its R² from the SEM step's r2 table, and each pair of
    exogenous constructs a double-headed arc with its standardized covariance; zh keeps the
    leading zero, en drops it (number_style)."""
    r2 = pd.DataFrame({"variable": ["IN1", "PL", "PW", "RI", "GS"], "r2": [0.55, 0.3148, 0.3401, 0.4243, 0.4921]})
    svg = tmp_path / "p.svg"
    diagram.path_diagram(_params_with_correlations(instrument), instrument, language, tmp_path / "p.png", svg, r2=r2)
    strings = svg_strings(svg)
    zero = "0" if language == "zh" else ""
    for code, value in zip(r2["variable"][1:], r2["r2"][1:]):
        assert f"R² = {zero}.{round(value * 100):02d}" in strings, (code, strings)
        svg_group(svg, f"r2-{code}")
    assert not any(s.startswith("R² = ") and s.endswith(".55") for s in strings)  # not an indicator's
    for (a, b), r in EXOGENOUS_R.items():
        svg_group(svg, f"cov-{a}-{b}")
        assert f"{zero}.{round(r * 100):02d}***" in strings, (a, b)


def test_path_diagram_refuses_an_r2_table_without_an_endogenous_construct(instrument, tmp_path):
    r2 = pd.DataFrame({"variable": ["PL", "PW"], "r2": [0.3, 0.3]})
    with pytest.raises(InputError, match="RI, GS"):
        diagram.path_diagram(make_params(instrument), instrument, "en", tmp_path / "p.png", tmp_path / "p.svg", r2=r2)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_likert_labels_hold_the_whole_wording(drawn, instrument, language):
    """Item wording was cut to fit with an ellipsis; now it wraps (English between words, Chinese
    between characters), whole."""
    _, svg, _ = drawn["likert", language]
    strings = svg_strings(svg)
    assert not any("…" in s for s in strings)
    sep = " " if language == "en" else ""
    text = sep.join(strings)
    for code in instrument.item_codes:
        item = instrument.items[code]
        wording = getattr(item, language) + (" (R)" if item.reverse else "")
        lines = _group_strings(svg, f"wording-{code}")
        assert sep.join(lines) == wording, (code, lines)
        assert all(line.split(sep or None) for line in lines)
    assert text


def _group_strings(svg, gid):
    """The strings of a whole SVG group, nested groups included (one comment per text line)."""
    text = Path(svg).read_text(encoding="utf-8")
    start = re.search(rf'\n( *)<g id="{re.escape(gid)}">', text)
    assert start, f"no SVG group {gid}"
    end = text.index(f"\n{start.group(1)}</g>", start.end())
    return re.findall(r"<!-- (.*?) -->", text[start.end():end])


# ---------------------------------------------------------------- the full (AMOS-style) diagram


def _drawn_boxes(layout):
    return [(kind, box) for kind, boxes in layout["boxes"].items() for box in boxes]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_full_diagram_of_32_indicators_has_no_overlapping_boxes_or_labels(instrument, tmp_path, language):
    """Eight constructs with four items each: every rectangle, circle and label stands clear of
    every other and of every ellipse, inside the figure; indicators sit on the outer side of the
    causes and the outcome; the figure grows with the number of indicators beside the causes."""
    params = _params_with_correlations(instrument)
    r2 = pd.DataFrame({"variable": ["PL", "PW", "RI", "GS"], "r2": [0.31, 0.34, 0.42, 0.49]})
    with matplotlib.rc_context(style.style(language)):
        fig, _, layout = diagram._diagram_figure(params, instrument, language, 0.05, r2, mode="full")
        width, height = fig.get_size_inches()
        extra = [{"lhs": c, "op": "=~", "rhs": f"{c}{k}", "label": "", "std_all": 0.7, "pvalue": 0.0}
                 for c in ("IN", "OB", "MS", "PM") for k in (5, 6)]
        more = pd.concat([params, pd.DataFrame(extra)], ignore_index=True)
        tall, _, _ = diagram._diagram_figure(more, instrument, language, 0.05, r2, mode="full")
    drawn = _drawn_boxes(layout)
    counts = {kind: len(boxes) for kind, boxes in layout["boxes"].items()}
    assert counts == {"indicator": 32, "error": 32, "disturbance": 4, "loading": 32, "r2": 4, "correlation": 6,
                      "path": 10}
    for i, (kind_a, a) in enumerate(drawn):
        for kind_b, b in drawn[i + 1:]:
            assert not diagram._boxes_overlap(a, b), (kind_a, a, kind_b, b)
    x, y, (node_w, node_h) = layout["x"], layout["y"], layout["node_size"]
    for kind, box in drawn:
        inside = [c for c in x if diagram._inside(diagram._box_outline(box), (x[c], y[c]), node_w, node_h).any()]
        assert not inside, (kind, box, inside)
        assert box[0] >= 0 and box[2] <= width and box[3] <= height, (kind, box)
    for i, a in enumerate(x):  # the ellipses do not overlap each other
        for b in list(x)[i + 1:]:
            assert abs(x[a] - x[b]) >= node_w or abs(y[a] - y[b]) >= node_h, (a, b)
    sides = layout["sides"]
    assert {sides[c] for c in ("IN", "OB", "MS", "PM")} == {"left"} and sides["GS"] == "right"
    assert {sides[c] for c in ("PL", "PW", "RI")} <= {"above", "below"}
    assert tall.get_size_inches()[1] > height + 1.0  # two more items per cause: the stacks set the height


def _small_fit():
    """Two causes of one problem, fitted by the SEM step's own fitter on the lavaan reference data."""
    from govsurvey.sem import fit_sem

    model = "OB =~ OB1 + OB2 + OB3 + OB4\nIN =~ IN1 + IN2 + IN3 + IN4\nPL =~ PL1 + PL2 + PL3 + PL4\nPL ~ OB + IN\n"
    fit = fit_sem(model, pd.read_csv(ROOT / "tests" / "reference" / "governance_data.csv"))
    r2 = pd.DataFrame({"variable": list(fit.r2), "r2": list(fit.r2.values())})
    return fit.params, r2


@pytest.mark.parametrize("language", ["en", "zh"])
def test_full_diagram_labels_are_the_fitted_values(instrument, tmp_path, language):
    """On a small fitted model every number drawn is the parameter table's, rounded as the
    chapter prints it: loadings (=~ std_all) on the arrows to the rectangles, paths (~) with stars,
    the causes' correlation, R²; errors e1… in the table's order, then the disturbance."""
    params, r2 = _small_fit()
    svg = tmp_path / "p.svg"
    diagram.path_diagram(params, instrument, language, tmp_path / "p.png", svg, r2=r2, mode="full")
    zero = language == "zh"

    def drawn_text(gid):  # the string of a text whose group may nest its white box's group
        text = Path(svg).read_text(encoding="utf-8")
        return re.findall(rf'<g id="{re.escape(gid)}">.*?<!-- (.*?) -->', text, re.S)[:1]

    loadings = params[params["op"] == "=~"]
    for n, row in enumerate(loadings.itertuples(), start=1):
        assert drawn_text(f"loading-label-{row.rhs}") == [apa_number(row.std_all, leading_zero=zero)], row.rhs
        svg_group(svg, f"loading-{row.lhs}-{row.rhs}")
        assert drawn_text(f"error-name-{row.rhs}") == [f"e{n}"]
    assert drawn_text("disturbance-name-PL") == [f"e{len(loadings) + 1}"]
    strings = svg_strings(svg)
    for row in params[params["op"] == "~"].itertuples():
        assert apa_number(row.std_all, leading_zero=zero) + significance_stars(row.pvalue) in strings, row
    cov = params[(params["op"] == "~~") & params["lhs"].isin(["OB", "IN"]) & params["rhs"].isin(["OB", "IN"])
                 & (params["lhs"] != params["rhs"])].iloc[0]
    assert apa_number(cov.std_all, leading_zero=zero) + significance_stars(cov.pvalue) in strings
    assert drawn_text("r2-PL") == [f"R² = {apa_number(dict(zip(r2['variable'], r2['r2']))['PL'], leading_zero=zero)}"]


def test_full_diagram_note_says_what_the_shapes_are(instrument):
    params, r2 = _small_fit()
    for language, words_ in (("en", ["Ellipses", "rectangles", "e1–e12", "e13"]), ("zh", ["椭圆", "矩形", "e1–e12", "e13"])):
        with matplotlib.rc_context(style.style(language)):
            fig, _, _ = diagram._diagram_figure(params, instrument, language, 0.05, r2, mode="full")
        texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
        assert all(w in texts for w in words_), (language, texts[-300:])


def test_unknown_path_diagram_mode_is_an_input_error(instrument, tmp_path):
    with pytest.raises(InputError, match="figures.path_diagram"):
        diagram.path_diagram(make_params(instrument), instrument, "en", tmp_path / "p.png", tmp_path / "p.svg",
                             mode="amos")
