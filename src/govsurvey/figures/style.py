"""What every figure shares: size, fonts (a CJK font for Chinese), style and saving.

Figures are drawn with matplotlib alone (a bare Figure, no pyplot global state) and written as
PNG at 300 dpi plus SVG. Metadata is fixed and SVG ids are salted, so the same inputs give
byte-identical files. Text in the SVG is drawn as paths (renders anywhere, also in Typst
without CJK fonts); matplotlib keeps each string as an XML comment next to its paths.
"""

import re
from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from govsurvey.errors import InputError
from govsurvey.io import writing
from govsurvey.words import LANGUAGES, words

TEXT_WIDTH_IN = 16 / 2.54  # A4 text block width
DPI = 300
FONT_SIZE = 6.5  # pt; smallest size still comfortable in print at 100 %
LATIN_FAMILY = "DejaVu Sans"
# Looked up by name in matplotlib's font list, then by file under CJK_FONT_DIRS.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Noto Sans CJK TC", "Noto Serif CJK TC")
CJK_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
NEUTRAL_GREY = "#cccccc"

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


def style(language):
    """rcParams for one figure: font for the language, deterministic SVG."""
    family = [find_cjk_font(), LATIN_FAMILY] if language == "zh" else [LATIN_FAMILY]
    return {
        "font.family": family,
        "font.size": FONT_SIZE,
        "svg.fonttype": "path",
        "svg.hashsalt": "govsurvey",
        "axes.unicode_minus": True,
    }


def check_language(language, instrument=None):
    """The words of `language`; InputError if the words or the instrument lack it."""
    available = set(instrument.labels[instrument.scale_min]) if instrument else set(LANGUAGES)
    if language not in LANGUAGES or language not in available:
        raise InputError(
            "figures",
            f"language '{language}' is not supported (figures can be drawn in "
            f"{', '.join(sorted(set(LANGUAGES) & available))}).",
            "set the report language to 'en' or 'zh' in config.yaml.",
        )
    return words(language)


def save(fig, png_path, svg_path):
    for path in (png_path, svg_path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # PNG carries no timestamp; drop the Software key too so files survive version bumps.
    with writing(png_path):
        fig.savefig(png_path, format="png", dpi=DPI, metadata={"Software": None})
    with writing(svg_path):
        fig.savefig(svg_path, format="svg", metadata={"Date": None})


def new_figure(width, height):
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)  # a renderer to measure text with, independent of pyplot's backend
    return fig


def text_size(fig, text, size, weight="normal"):
    """Width and height of a one- or multi-line string, in inches."""
    renderer = fig.canvas.get_renderer()
    artist = fig.text(0, 0, text, fontsize=size, fontweight=weight)
    box = artist.get_window_extent(renderer)
    artist.remove()
    return box.width / fig.dpi, box.height / fig.dpi


def fit(fig, prefix, text, max_width, size, weight="normal"):
    """prefix + text, with text shortened to fit max_width inches.

    Cuts at a word for spaced languages and at a character for Chinese, and adds an ellipsis.
    """
    if text_size(fig, prefix + text, size, weight)[0] <= max_width:
        return prefix + text
    spaced = " " in text.strip()
    pieces = text.split(" ") if spaced else list(text)
    while len(pieces) > 1:
        pieces = pieces[:-1]
        candidate = prefix + (" " if spaced else "").join(pieces).rstrip(",;:.，、；：") + "…"
        if text_size(fig, candidate, size, weight)[0] <= max_width:
            return candidate
    return prefix + pieces[0] + "…"


OPENING_PUNCTUATION = "“‘（《「"


def wrap_to_width(fig, text, max_width, size, language):
    """Lines of `text` no wider than max_width inches: English breaks between words, Chinese
    between any two characters (never after an opening quote or bracket)."""
    units = re.findall(r"\S+\s*", text) if language == "en" else list(text)
    lines, line = [], ""
    for unit in units:
        if line and text_size(fig, (line + unit).rstrip(), size)[0] > max_width:
            lines.append(line.rstrip())
            line = ""
            if language != "en":
                while lines[-1] and lines[-1][-1] in OPENING_PUNCTUATION:
                    lines[-1], line = lines[-1][:-1], lines[-1][-1] + line
        line += unit
    return [*lines, line.rstrip()] if line.strip() else lines
