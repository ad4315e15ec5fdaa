"""A ``Text`` turned into Segments as ``Text.render`` turns it, with its styles resolved once
per console.

``Text.render`` looks every span's style up in the theme (or parses it) and combines it with the
text's own style afresh for each Text; the tables' numbers are thousands of small Texts whose
spans name a handful of styles. Here a style name is looked up once per console and theme, and
a (text style, span style) pair combined once. The segments are Rich's: one at every span's
start and end (an empty span splits the text around it too), each styled by the text's style
combined with that of the span it lies in. A text without a style of its own whose first span
covers all of it (a line ``Text.join`` made of a styled text) has that span's style combined
first everywhere, as Rich's stack of spans does. Other spans that overlap, run out of order or
past the text are left to ``Text.render``.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text

from .plain import unsafe

_NULL = Style.null()


def _styles(console: Console) -> dict[Any, Style]:
    """The console's resolved styles, kept while its theme is the same one."""
    theme = console._theme_stack.get.__self__  # type: ignore[attr-defined]  # the current dict
    kept: dict[Any, Style] | None = console.__dict__.get("_bptt_styles")
    if kept is None or kept.get(_THEME) is not theme or len(kept) > STYLES_KEPT:
        kept = console.__dict__["_bptt_styles"] = {_THEME: theme}  # type: ignore[dict-item]
    return kept


STYLES_KEPT = 10_000
"""At most about this many resolved styles and pairs are kept for a console (a theme's styles
and the heatmap's shades are far fewer); past it they are resolved afresh."""

_THEME = object()
"""The key under which a console's kept styles record the theme they were resolved in."""


def _resolved(console: Console, kept: dict[Any, Style], style: str | Style) -> Style:
    """``console.get_style(style, default=Style.null())``, looked up once."""
    found = kept.get(style)
    if found is None:
        found = console.get_style(style, default=_NULL)
        if found.link:  # a link gets a fresh id each time: as Rich does, never kept
            return found
        kept[style] = found
    return found


def text_segments(console: Console, text: Text, end: str = "") -> list[Segment]:
    """``list(text.render(console, end))``, its styles resolved once per console."""
    spans = text._spans
    plain = text.plain
    if not spans:
        return [Segment(plain), Segment(end)] if end else [Segment(plain)]
    size = len(plain)
    own_style = text.style
    if len(spans) > 1 and not own_style and spans[0].start == 0 and spans[0].end == size:
        # a joined line's style, a span over all of it (Text.join makes one): combined first
        # in every part of it, as the text's own style would be
        own_style, spans = spans[0].style, spans[1:]
    at = 0
    for start, stop, _ in spans:
        if start < at or stop < start or stop > size:  # overlapping, unordered or past the end
            return list(text.render(console, end))
        at = stop
    kept = _styles(console)
    base = _resolved(console, kept, own_style)
    if base.link:
        return list(text.render(console, end))
    out = []
    append = out.append
    at = 0
    for start, stop, style in spans:
        if start > at:
            append(Segment(plain[at:start], base))
        if stop > start:
            pair = (base, style)
            combined = kept.get(pair)
            if combined is None:
                own = _resolved(console, kept, style)
                combined = Style.combine((base, own))
                if not own.link:
                    kept[pair] = combined  # type: ignore[index]
            append(Segment(plain[start:stop], combined))
        at = stop
    if size > at:
        append(Segment(plain[at:], base))
    if end:
        append(Segment(end))
    return out


def one_line(console: Console, text: Text, width: int, justify: str | None) -> list[Segment] | None:
    """What ``Text.__rich_console__`` renders of a text that fits ``width`` on one line and
    justifies by default (Rich's wrap then leaves it whole: ``Text("\\n").join`` of it, its
    style a span, rendered with its end); None when Rich must wrap, pad or escape it."""
    if width < 1 or (text.justify or justify or "default") != "default":
        return None
    plain = text.plain
    if len(plain) > width or "\n" in plain or "\t" in plain or unsafe(plain):
        return None
    if cell_len(plain) > width:
        return None
    joined = Text(plain, end="")
    joined._spans = [Span(0, len(plain), text.style)] if text.style else []
    joined._spans += text._spans
    return text_segments(console, joined, text.end)
