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


def test_the_heatmap_goes_from_pale_to_deep_with_readable_text_on_any_background() -> None:
    styles = [THEME.styles[f"heat.{level}"] for level in range(5)]
    backgrounds = [luminance(s, "bgcolor") for s in styles]
    steps = [lightness(a) - lightness(b) for a, b in itertools.pairwise(backgrounds)]
    assert all(step >= 10 for step in steps), steps  # each level visibly deeper than the last
    assert lightness(backgrounds[0]) > 85 and lightness(backgrounds[-1]) < 30  # pale to deep
    for style, bg in zip(styles, backgrounds, strict=True):
        fg = luminance(style, "color")
        light, dark = max(fg, bg), min(fg, bg)
        assert (light + 0.05) / (dark + 0.05) >= 4.5  # WCAG AA contrast for the value shown


def test_a_heatmap_cell_far_below_the_top_is_the_dimmest_without_a_warning() -> None:
    """5e-324 / 1e10 underflows to 0 (found by the learning-rate property): its cell is the
    dimmest, from the logarithms' difference, with no NumPy warning on stderr."""
    import warnings

    from bptt_trace.rendering.flow import heat

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert heat(5e-324, 1e10) == "heat.0"
        assert heat(1e10, 1e10) == "heat.4" and heat(1e9, 1e10) == "heat.3"
