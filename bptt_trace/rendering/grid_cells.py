"""A table cell's lines at its column's width, as Rich's ``Padding`` and ``Text`` render them
(``grid``): a Text, a plain string or a ``Vector`` whose lines fit is padded without Rich's
wrapping pass, a Text that wraps is wrapped by ``Text.wrap`` itself, and anything else (a
tab, a character ``VisibleConsole`` escapes, another renderable) is left to Rich."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.table import Column
from rich.text import Span, Text

from .plain import unsafe
from .segments import text_segments


def cell_lines(
    console: Console,
    options: ConsoleOptions,
    cell: Any,
    column: Column,
    width: int,
    pads: tuple[int, int],
    style: Style | None,
) -> list[list[Segment]]:
    """A cell rendered at its column's width: the lines of ``Padding(cell)`` in ``width``."""
    left, right = pads
    if width < left + right + 1:  # no room inside the padding: Rich's own cell, as Table renders it
        at = options.update(
            width=width,
            justify=column.justify,
            no_wrap=column.no_wrap,
            overflow=column.overflow,
            height=None,
            highlight=column.highlight,
        )
        return console.render_lines(Padding(cell, (0, right, 0, left)), at, style=style)
    inner = options.update(
        width=width - left - right,
        justify=column.justify,
        no_wrap=column.no_wrap,
        overflow=column.overflow,
        height=None,
        highlight=column.highlight,
    )
    fast = _one_line_each(cell, inner.max_width, column)
    if fast is None and column.justify == "left" and _wraps_plainly(cell, column):
        fast = list(
            cell.wrap(
                console,
                inner.max_width,
                justify="left",
                overflow=cell.overflow or column.overflow,
                no_wrap=cell.no_wrap if cell.no_wrap is not None else column.no_wrap,
            )
        )
        if any(cell_len(line.plain) > inner.max_width for line in fast):
            fast = None
    if fast is not None:
        # a vector's numbers seldom recur: its lines are rendered, not looked up and kept
        render = _render_padded if hasattr(cell, "natural_width") else _padded_line
        lines = [render(console, line, inner.max_width, style) for line in fast]
    else:
        lines = console.render_lines(cell, inner, style=style, pad=True)
    head = [Segment(" " * left, style)] if left else []
    tail = [Segment(" " * right, style)] if right else []
    return [[*head, *line, *tail] for line in lines]


def _wraps_plainly(cell: Any, column: Column) -> bool:
    """Whether ``Text.wrap`` gives the lines Rich would render of the cell (a Text without
    tabs or characters that ``VisibleConsole`` escapes, justified left)."""
    return (
        isinstance(cell, Text)
        and cell.justify in (None, "left")
        and (cell.overflow or column.overflow) != "ignore"
        and "\t" not in cell.plain
        and not unsafe(cell.plain)
    )


def _one_line_each(cell: Any, width: int, column: Column) -> list[Text] | None:
    """The lines of a cell that is a Text, a plain string or a ``Vector``, when each is one
    line that fits ``width`` (else None: Rich wraps it)."""
    if column.justify != "left":
        return None
    if isinstance(cell, Text):
        if cell.plain.endswith("\n"):
            return None
        lines = list(cell.split("\n", allow_blank=True)) if "\n" in cell.plain else [cell]
    elif isinstance(cell, str):
        if "[" in cell or ":" in cell:
            return None
        lines = [Text(cell)]
    elif hasattr(cell, "natural_width") and hasattr(cell, "lines"):
        lines = cell.lines(width)
    else:
        return None
    for line in lines:
        plain = line.plain
        if (
            line.justify not in (None, "left")
            or (line.overflow or column.overflow) == "ignore"
            or "\n" in plain
            or "\t" in plain
            or unsafe(plain)
            or cell_len(plain) > width
        ):
            return None
    return lines


LINES_KEPT = 20_000
"""At most this many rendered lines are kept for a console (labels, tokens and the heatmap's
cells come back again and again); past it they are forgotten and kept afresh."""


def _padded_line(console: Console, text: Text, width: int, style: Style | None) -> list[Segment]:
    """One line of a cell as ``Text.__rich_console__`` renders it: padded with spaces of the
    text's own style (justified left), its style a span of a joined text. The same line
    (text, styles, width) renders once per console."""
    kept: dict[Any, list[Segment]] = console.__dict__.setdefault("_bptt_lines", {})
    key = (text.plain, text.style, tuple(text._spans), width, style)
    found = kept.get(key)
    if found is None:
        if len(kept) >= LINES_KEPT:
            kept.clear()
        found = kept[key] = _render_padded(console, text, width, style)
    return found


def _render_padded(console: Console, text: Text, width: int, style: Style | None) -> list[Segment]:
    plain = text.plain
    size = cell_len(plain)
    length = len(plain) + width - size  # padded with spaces to the width
    joined = Text(plain + " " * (width - size), end="")  # what Text("\n").join makes of it
    joined._spans = [Span(0, length, text.style)] if text.style else []
    joined._spans += text._spans
    segments = text_segments(console, joined)
    if style:
        return [Segment(t, style + s) for t, s, _ in segments]
    return list(segments)


def unjustified_line(cell: Any, width: int, console: Console) -> list[Segment] | None:
    """A Text or a plain string that fits ``width`` on one line, as ``render_lines`` renders
    it unjustified (``options.justify`` None): its segments, then spaces without a style to
    the width; None when Rich must wrap, escape or justify it."""
    if isinstance(cell, str) and not isinstance(cell, Text):
        if "[" in cell or ":" in cell:
            return None
        cell = Text(cell)
    if not isinstance(cell, Text) or cell.justify not in (None, "default"):
        return None
    plain = cell.plain
    if "\n" in plain or "\t" in plain or unsafe(plain):
        return None
    size = cell_len(plain)
    if size > width or width < 1:  # at no width at all Rich renders no line
        return None
    joined = Text(plain, end="")  # what Text("\n").join makes of it: its style a span
    joined._spans = [Span(0, len(plain), cell.style)] if cell.style else []
    joined._spans += cell._spans
    segments = text_segments(console, joined)
    return [*segments, Segment(" " * (width - size))] if size < width else segments
