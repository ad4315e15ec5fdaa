"""A drawn panel's lines, told apart: its top edge (with its title), each of its entries and
its bottom edge, so that ``--pause`` can cut a panel between entries, close its box at the
foot of a screenful and open it again, titled "(continued)", atop the next.

A panel's entries are the renderables of the group it holds (the update rule's panel: one a
parameter, ``formulas``), or the lines of the text it holds, each with the rows it wraps onto
(the header's: a fact or an equation a line). The lines are the panel's own
(``Console.render_lines`` of the whole panel); each entry's height is measured at the panel's
inner width and checked against the lines drawn: a panel drawn some other way gives None.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.segment import Segment
from rich.text import Text

Line = list[Segment]

CONTINUED = "(continued)"


@dataclass
class PanelLines:
    top: list[Line]
    """The top edge and the padding below it."""
    entries: list[list[Line]]
    bottom: list[Line]
    """The padding above the bottom edge, and the edge."""
    again: list[Line]
    """The top edge again, its title followed by "(continued)"."""


def panel_lines(panel: Panel, console: Console, options: ConsoleOptions) -> PanelLines | None:
    """The panel's lines in parts (None: not a panel of a group or a text, or not drawn as
    measured)."""
    body = panel.renderable
    if isinstance(body, Group):
        items: list[RenderableType] = list(body.renderables)
    elif isinstance(body, Text):
        items = list(body.split("\n", allow_blank=True))
    else:
        return None
    lines = console.render_lines(panel, options, pad=False)
    if not lines:
        return None
    top_pad, right, bottom_pad, left = Padding.unpack(panel.padding)
    width = cell_len("".join(segment.text for segment in lines[0]))
    inner = options.update(width=max(1, width - 2 - left - right), height=None)
    heights = [len(console.render_lines(item, inner, pad=False)) for item in items]
    top, bottom = 1 + top_pad, 1 + bottom_pad
    if top + sum(heights) + bottom != len(lines):
        return None  # not as drawn: better no parts than wrong ones
    entries, at = [], top
    for height in heights:
        entries.append(lines[at : at + height])
        at += height
    return PanelLines(
        lines[:top], entries, lines[at:], _again(panel, console, options, width)[:top]
    )


def _again(panel: Panel, console: Console, options: ConsoleOptions, width: int) -> list[Line]:
    """The panel drawn empty, as wide, its title followed by "(continued)" (the title cut
    short, with an ellipsis, where both would not fit the top edge)."""
    title = panel.title
    base = title.copy() if isinstance(title, Text) else Text.from_markup(str(title or ""))
    room = width - 6 - cell_len(f" {CONTINUED}")  # the corners, a rule and a space each side
    if base.cell_len > room:
        base = Text("") if room < 2 else base
        base.truncate(max(room, 0), overflow="ellipsis")
    note = Text(CONTINUED, "note")
    empty = copy(panel)
    empty.renderable = Text("")
    empty.title = Text.assemble(base, " ", note) if base.plain else note
    empty.expand, empty.width = True, width
    return console.render_lines(empty, options.update_width(width), pad=False)
