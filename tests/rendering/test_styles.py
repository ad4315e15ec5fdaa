"""Colour: every style name resolves, the largest entries stay coloured in every output, and
the heatmap's scale reads the same on a light and a dark background."""

import io
import itertools
import re

import pytest
from rich.console import Console
from rich.style import Style
from rich.terminal_theme import DEFAULT_TERMINAL_THEME, SVG_EXPORT_THEME, TerminalTheme

from bptt_trace import trace_sentence
from bptt_trace.config import Config
from bptt_trace.rendering.flow import heat
from bptt_trace.rendering.renderer import make_console, render
from bptt_trace.rendering.theme import THEME, vector
from bptt_trace.rendering.training import LossCurve
from bptt_trace.trace.loop import run

SAMPLE = [0.1, -0.9, 0.8, 0.05]  # the largest two (|x| ≥ half the largest): -0.9 and +0.8


class StrictConsole(Console):
    """A console that fails on a style name it cannot resolve, where Rich would silently
    draw the text unstyled (as it did "num.pos num.big")."""

    def get_style(self, name, *, default=None):  # type: ignore[no-untyped-def]
        return super().get_style(name)


def strict_console(**kwargs) -> Console:
    return StrictConsole(theme=THEME, file=io.StringIO(), width=100, force_terminal=True, **kwargs)


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"loss": "every", "truncate": 2},
        {"steps": 3, "check": True, "clip": 0.1},
        {"detail": "summary", "hidden": 3},
    ],
)
def test_every_style_name_in_a_trace_resolves(config: dict) -> None:
    console = strict_console(color_system="truecolor")
    render(trace_sentence("I like NLP a lot", Config(**config)), console)


def test_every_style_name_after_training_resolves() -> None:
    corpus = [["I", "like", "NLP"], ["you", "like", "RNNs", "."]] * 5
    render(run(corpus, Config(steps=30)), strict_console(color_system="truecolor"))
    strict_console().print(LossCurve(range(1, 101), [10.0 ** (-i / 20) for i in range(100)]))


def test_the_largest_entries_are_bold_and_keep_their_sign_colour_in_a_terminal() -> None:
    console = make_console(
        file=io.StringIO(), width=100, force_terminal=True, color_system="truecolor"
    )
    console.print(vector(SAMPLE, 4))
    # ANSI: 32 green, 31 red, 1 bold, 0 reset
    assert console.file.getvalue() == (
        "[\x1b[32m+0.1000\x1b[0m \x1b[1;31m-0.9000\x1b[0m "
        "\x1b[1;32m+0.8000\x1b[0m \x1b[32m+0.0500\x1b[0m]\n"
    )


def css_of(rules: str, cls: str) -> str:
    return re.search(r"\." + re.escape(cls) + r"\s*\{([^}]*)\}", rules).group(1)


def recorded() -> Console:
    console = make_console(
        file=io.StringIO(), record=True, width=100, force_terminal=True, color_system="truecolor"
    )
    console.print(vector(SAMPLE, 4))
    return console


def expected(theme: TerminalTheme, ansi: int) -> str:
    return theme.ansi_colors[ansi].hex  # 1: red, 2: green


@pytest.mark.parametrize(
    ("shown", "ansi", "bold"), [("-0.9000", 1, True), ("+0.8000", 2, True), ("+0.1000", 2, False)]
)
def test_html_export_keeps_colour_and_bold(shown: str, ansi: int, bold: bool) -> None:
    html = recorded().export_html()  # as --export x.html writes it: classes
    cls = re.search(r'<span class="(r\d+)">' + re.escape(shown) + "</span>", html).group(1)
    rule = css_of(html, cls)
    assert f"color: {expected(DEFAULT_TERMINAL_THEME, ansi)}" in rule
    assert ("font-weight: bold" in rule) == bold


@pytest.mark.parametrize(
    ("shown", "ansi", "bold"), [("-0.9000", 1, True), ("+0.8000", 2, True), ("+0.1000", 2, False)]
)
def test_svg_export_keeps_colour_and_bold(shown: str, ansi: int, bold: bool) -> None:
    svg = recorded().export_svg(title="bptt-trace")
    cls = re.search(r'<text class="([\w-]+)"[^>]*>' + re.escape(shown) + "</text>", svg).group(1)
    rule = css_of(svg, cls)
    assert f"fill: {expected(SVG_EXPORT_THEME, ansi)}" in rule
    assert ("font-weight: bold" in rule) == bold


def luminance(style: Style, which: str) -> float:
    """WCAG relative luminance of a style's foreground or background colour."""
    color = getattr(style, which)
    assert color is not None, f"{which} must be set: it may not depend on the terminal"
    r, g, b = (c / 255 for c in color.get_truecolor())
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def lightness(y: float) -> float:
    """CIE L* (0 black … 100 white) of a relative luminance: even steps look even."""
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else y * 24389 / 27


BACKGROUNDS = {"black": "#000000", "white": "#ffffff", "the image's dark grey": "#1e1e1e"}
"""Where the heatmap is seen: a dark terminal, a light one or the page, the SVG image."""


def contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def chroma(style: Style) -> float:
    """How vivid a background is: its largest sRGB channel less its smallest (0 for a grey)."""
    channels = style.bgcolor.get_truecolor()
    return (max(channels) - min(channels)) / 255


SCALE = [heat(10.0 ** (-4 + 4 * i / 32), 1.0) for i in range(33)]
"""The heatmap's styles from 1/10,000 of the largest value up to it, a step an eighth of a
decade."""


@pytest.mark.parametrize("where", BACKGROUNDS)
def test_every_heatmap_shade_stands_out_from_a_dark_and_a_light_background(where: str) -> None:
    back = luminance(Style.parse(f"on {BACKGROUNDS[where]}"), "bgcolor")
    for name in SCALE:
        style = Style.parse(name)
        cell = luminance(style, "bgcolor")
        assert contrast(cell, back) >= 3.0, (name, where)  # no cell sinks into the background
        assert contrast(cell, luminance(style, "color")) >= 4.5, name  # its number readable


def test_the_more_a_cell_blames_the_more_vivid_and_distinct_values_differ() -> None:
    styles = [Style.parse(name) for name in SCALE]
    vivid = [chroma(style) for style in styles]
    assert all(b >= a for a, b in itertools.pairwise(vivid)), vivid
    assert vivid[-1] - vivid[0] >= 0.6  # from a grey to a vivid colour
    colours = [style.bgcolor.get_truecolor() for style in styles[::3]]  # 3/8 decade apart
    assert len(set(colours)) == len(colours)


def test_the_default_examples_blame_matrix_gives_each_state_its_own_shade() -> None:
    """The first command's three states (blames 0.06, 0.14, 0.44 of L₃) in three shades."""
    events = list(trace_sentence("I like NLP", Config(lr=0.001)))
    matrix = next(e for e in events if e.kind == "blame").matrix
    top = max(matrix[-1])
    shades = {Style.parse(heat(v, top)).bgcolor.get_truecolor() for v in matrix[-1]}
    assert len(shades) == len(matrix[-1]) == 3


def test_a_heatmap_cell_far_below_the_top_is_the_dimmest_without_a_warning() -> None:
    """5e-324 / 1e10 underflows to 0 (found by the learning-rate property): its cell is the
    dimmest, from the logarithms' difference, with no NumPy warning on stderr."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert heat(5e-324, 1e10) == heat(1e-4, 1.0) == heat(0.0, 1.0)  # the foot of the scale
        assert chroma(Style.parse(heat(1e10, 1e10))) > chroma(Style.parse(heat(1e9, 1e10)))
