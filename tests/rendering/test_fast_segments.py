"""The rendering shortcuts give what Rich's own code gives, segment for segment:

- ``text_segments`` is ``Text.render``: for drawn texts (spans in order, touching, empty,
  overlapping, out of order; style names of the theme, parsed styles, Style
  objects, links; a text style or none), on consoles with different themes;
- a Vector's ``segment_lines`` is ``console.render_lines(vector, pad=False)`` at every width,
  or None where Rich would have to wrap, escape or justify;
- a Vector formats its entries when first shown: one whose padding width a table set before
  that (the update's columns) shows what one formatted at once shows;
- a table with a column no wider than its padding is laid out as Rich's ``Table._render`` does;
- a Text that fits one line renders on the console as ``Console.render`` renders it; a cell of
  printable ASCII (or not) measures as Rich measures it.

The references are Rich's code: ``Text.render``, ``Console.render_lines`` and ``Table._render``.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.color import ColorSystem
from rich.console import Console
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Span, Text
from rich.theme import Theme

from bptt_trace.rendering import segments
from bptt_trace.rendering.grid import padded_measure
from bptt_trace.rendering.renderer import make_console
from bptt_trace.rendering.segments import text_segments
from bptt_trace.rendering.tables import NotedTable, Tokens, Values, noted_table
from bptt_trace.rendering.theme import cell_width
from bptt_trace.rendering.vectors import Vector

STYLES = [
    "",
    "note",
    "num.pos",
    "num.neg.big",
    "bold red",
    "not a style at all",  # Rich falls back to no style
    Style(italic=True),
    Style(color="green", link="https://example.org"),
    Style.null(),
]


def rendered(console: Console, segments: list) -> str:
    """The bytes the console writes for the segments (links' ids aside)."""
    return console._render_buffer(segments)


@st.composite
def texts(draw: st.DrawFn) -> Text:
    plain = draw(st.text(alphabet="ab +-0.1[]\n一", max_size=24))
    spans = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(plain)))
        stop = draw(st.integers(start, len(plain)))  # Rich's own render needs no more
        spans.append(Span(start, stop, draw(st.sampled_from(STYLES))))
    shape = draw(st.sampled_from(["any", "apart", "joined"]))
    if shape != "any":  # in order and apart, as our vectors make them
        spans = sorted(spans, key=lambda s: s.start)
        kept, at = [], 0
        for span in spans:
            if span.start >= at:
                kept.append(span)
                at = span.end
        spans = kept
    if shape == "joined":  # a line Text.join made of a styled text: its style a span over it
        text = Text(plain, draw(st.sampled_from(["", Style.null()])))
        text.spans = [Span(0, len(plain), draw(st.sampled_from(STYLES))), *spans]
        return text
    text = Text(plain, draw(st.sampled_from(STYLES)))
    text.spans = spans
    return text


CONSOLES = [
    make_console(file=io.StringIO(), width=80, force_terminal=True, color_system="truecolor"),
    Console(file=io.StringIO(), force_terminal=True, theme=Theme({"note": "blue on white"})),
    make_console(file=io.StringIO(), width=80, no_color=True),
]


def look(segment: Segment) -> tuple:
    """A segment's text, control and style: its definition and its escape codes (a link's
    random id set aside)."""
    style = segment.style
    if style is None:
        return segment.text, segment.control, None
    codes = re.sub(r"id=[^;]*;", "id=;", style.render("x", color_system=ColorSystem.TRUECOLOR))
    return segment.text, segment.control, str(style), codes


@settings(max_examples=300, deadline=None)
@given(texts(), st.sampled_from(range(len(CONSOLES))), st.sampled_from(["", "\n"]))
def test_a_texts_segments_are_those_text_render_makes(text: Text, which: int, end: str) -> None:
    console = CONSOLES[which]
    ours = text_segments(console, text, end)
    assert [look(s) for s in ours] == [look(s) for s in text.render(console, end)]


def test_a_theme_pushed_on_the_console_is_looked_up_afresh() -> None:
    console = make_console(file=io.StringIO(), force_terminal=True, color_system="truecolor")
    text = Text("+0.5", "note")
    text.spans = [Span(0, 4, "num.pos")]
    before = text_segments(console, text)
    console.push_theme(Theme({"num.pos": "bold magenta", "note": "underline"}))
    assert text_segments(console, text) == list(text.render(console))
    assert text_segments(console, text) != before
    console.pop_theme()
    assert text_segments(console, text) == before == list(text.render(console))


VECTORS = [
    Vector(np.random.default_rng(2).normal(size=11), 4),
    Vector(np.random.default_rng(3).normal(size=(3, 7)) * 1e-6, 4, matrix=True),
    Vector(np.random.default_rng(4).normal(size=(2, 5)), 4, labels=["<eos>", "cat"]),
    Vector(np.array([0.0, -0.0, np.nan, np.inf, 1e9]), 2),
    Vector(np.zeros(0), 4),
    Vector(np.ones(3), 4, labels=["a\x1bb"]),  # a label to escape: Rich's way
]


@pytest.mark.parametrize("justify", [None, "default", "left", "right"])
@pytest.mark.parametrize("vector", VECTORS, ids=range(len(VECTORS)))
def test_a_vectors_segment_lines_are_the_lines_rich_renders(vector: Vector, justify) -> None:
    console = make_console(file=io.StringIO(), width=120, force_terminal=True)
    for width in (1, 5, 12, 30, 47, 48, 49, 80, 120):
        options = console.options.update(width=width, justify=justify, height=None)
        ours = vector.segment_lines(console, options)
        if ours is None:
            continue  # Rich renders it: nothing to compare
        assert justify in (None, "default")
        rich = console.render_lines(vector, options, pad=False)
        assert [rendered(console, line) for line in ours] == [
            rendered(console, line) for line in rich
        ], width
    wide = console.options.update(width=120, justify=justify, height=None)
    shows_plainly = justify in (None, "default") and vector is not VECTORS[-1]
    assert (vector.segment_lines(console, wide) is not None) == shows_plainly


def test_a_vector_formatted_after_its_padding_was_set_shows_as_one_formatted_before() -> None:
    values = np.random.default_rng(5).normal(size=(2, 6)) * [[1.0], [1e-7]]
    late, early = Vector(values, 4), Vector(values, 4)
    early.one_line(0)  # formatted at once
    early.entry = late.entry = 14  # as the update view sets a column's width
    for width in (20, 60, 200):
        assert [t.spans for t in late.lines(width)] == [t.spans for t in early.lines(width)]
        assert [t.plain for t in late.lines(width)] == [t.plain for t in early.lines(width)]
    assert Vector(values, 4).entry == cell_width(values, 4)  # the widest entry, as it was


class RichLaidOut(NotedTable):
    """The table as Rich lays it out."""

    _render = Table._render


@pytest.mark.parametrize("width", [40, 80, 200])
def test_a_column_no_wider_than_its_padding_is_laid_out_as_rich_lays_it_out(width: int) -> None:
    """The bias's table in the update: an empty label column, as wide as its padding (one
    column), beside a value column; and an empty header over labels."""
    shown = []
    values = np.random.default_rng(6).normal(size=(4, 5))
    for cls in (NotedTable, RichLaidOut):
        table = noted_table("b ← b − α·∂L/∂b", Tokens(""), Values("value"), caption="a note")
        table.__class__ = cls
        table.add_row(Text("", "note"), Vector(values, 4, labels=["old", "∂L/∂b", "new", "Δ"]))
        table.add_row("", Vector(values[:2], 4, labels=["old", "new"]))
        other = noted_table("", "", "t", Values(""))
        other.__class__ = cls
        other.add_row("", "1", Text(""))
        buffer = io.StringIO()
        console = make_console(file=buffer, width=width, force_terminal=True)
        console.print(table)
        console.print(other)
        shown.append(buffer.getvalue())
    assert shown[0] == shown[1]


@st.composite
def one_liners(draw: st.DrawFn) -> Text:
    """Texts as views make them: short, styled, some with spans, a justify or an end."""
    text = draw(texts())
    text.justify = draw(st.sampled_from([None, "default", "left", "right", "center", "full"]))
    text.end = draw(st.sampled_from(["\n", "", " "]))
    text.no_wrap = draw(st.sampled_from([None, True, False]))
    text.overflow = draw(st.sampled_from([None, "fold", "crop", "ellipsis", "ignore"]))
    return text


@settings(max_examples=300, deadline=None)
@given(
    one_liners(),
    st.integers(0, 30),
    st.sampled_from([None, "default", "left", "right"]),
    st.sampled_from(range(len(CONSOLES))),
)
def test_a_text_renders_on_the_console_as_rich_renders_it(
    text: Text, width: int, justify: str | None, which: int
) -> None:
    """VisibleConsole renders a Text that fits one line itself (segments.one_line): the
    segments are Console.render's, at any width and justification."""
    console = CONSOLES[which]
    options = console.options.update(width=max(width, 1), justify=justify)
    if width == 0:
        options = options.update(max_width=0)
    rich = list(Console.render(console, text.copy(), options))
    assert [look(s) for s in console.render(text, options)] == [look(s) for s in rich]


@given(st.text(alphabet="ab \n\t一\x1b~é", max_size=20), st.integers(1, 30))
def test_a_cell_measures_as_rich_measures_it_ascii_or_not(plain: str, width: int) -> None:
    console = make_console(file=io.StringIO(), width=width)
    for cell in (Text(plain), plain.replace("[", "")):
        assert padded_measure(console, console.options, cell, 1) == tuple(
            Measurement.get(console, console.options, Padding(cell, (0, 1, 0, 0)))
        )


def test_a_consoles_kept_styles_stay_few_and_right(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past STYLES_KEPT resolved styles a console's are resolved afresh: never more kept,
    the segments still Rich's."""
    monkeypatch.setattr(segments, "STYLES_KEPT", 50)
    console = make_console(file=io.StringIO(), force_terminal=True, color_system="truecolor")
    for i in range(400):
        text = Text(f"{i:+.4f}")
        text.spans = [Span(1, 3, f"#{i:06x} on #000000"), Span(4, 6, "num.pos")]
        assert text_segments(console, text) == list(text.render(console))
        assert len(console.__dict__["_bptt_styles"]) <= 50 + 5
