"""A --pause page taller than the terminal, cut into screenfuls between the rows of its tables.

The page is read as blocks of lines (``page_blocks``): a table's title and column header, each
of its rows (``table_rows``), its note; a panel's top edge, each of its entries and its bottom
edge (``panel_lines``); a divider, kept with what follows it; each other renderable whole.
``pack`` fills each screenful with whole blocks; a screenful that goes on with a table begins
with the table's title and header again, marked "(continued)"; one cut inside a panel ends
with its bottom edge, and the next begins with its top edge, titled "(continued)". A block
taller than a screenful is the only one cut: a row between its labelled groups where it can,
else between lines, its label repeated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from .closing import TitleRule
from .panel_lines import PanelLines, panel_lines
from .table_rows import Line, Row, TableLines, table_lines

CONTINUED = "(continued)"

GAPS = re.compile(r" {3,}")
"""The padding between a row's labels, closed up to two spaces where the labels and
"(continued)" would not fit the width as drawn."""

LEAST = 2
"""A block taller than a screenful that may be cut anywhere (no groups) begins at the foot of
one if at least this many of its lines fit there."""


@dataclass
class Block:
    """Lines kept on one screenful when they fit one. ``cuts``: where they may be cut first;
    ``label``: the line above a later piece (from the line it begins at); ``again``: the
    table's title and header, continued, above a screenful that goes on with this table;
    ``lead``: a table's title and header, not left at the foot of a screenful without its
    first row."""

    lines: list[Line]
    cuts: list[int] = field(default_factory=list)
    label: Callable[[int], Line] | None = None
    again: list[Line] | None = None
    lead: bool = False
    close: list[Line] | None = None
    """A box's bottom edge: a screenful that the box goes on past ends with it."""
    shuts: bool = False
    """The box's own bottom edge, for which ``close`` kept room."""


def page_blocks(
    renderables: list[RenderableType], console: Console, options: ConsoleOptions
) -> list[Block]:
    return [block for renderable in renderables for block in _blocks(renderable, console, options)]


def _blocks(
    renderable: RenderableType, console: Console, options: ConsoleOptions
) -> Iterator[Block]:
    if isinstance(renderable, Table):
        found = table_lines(renderable, console, options)
        if found is not None:
            yield from _table_blocks(renderable, found, console, options)
            return
    elif isinstance(renderable, (Rule, TitleRule)):  # a divider: not at the foot of a screenful
        yield Block(console.render_lines(renderable, options, pad=False), lead=True)
        return
    elif isinstance(renderable, Panel):
        panel = panel_lines(renderable, console, options)
        if panel is not None:
            yield from _panel_blocks(panel)
            return
    elif not isinstance(renderable, (str, Text, Segment, Segments)) and hasattr(
        renderable, "__rich_console__"
    ):  # a group or a view made of renderables (the update's tables): each of them
        items = list(renderable.__rich_console__(console, options))
        if not any(isinstance(item, (Segment, Segments)) for item in items):
            for item in items:
                yield from _blocks(item, console, options)
            return
    yield Block(console.render_lines(renderable, options, pad=False))


def _table_blocks(
    table: Table, found: TableLines, console: Console, options: ConsoleOptions
) -> Iterator[Block]:
    heading = getattr(table, "heading", None)
    title = Text(CONTINUED, "note")
    if isinstance(heading, Text) and heading.plain:
        title = Text.assemble(heading, " ", title)
    again = [*console.render_lines(title, options, pad=False), *found.head]
    yield Block([*found.title, *found.head], lead=True)
    for row in found.rows:
        yield Block(row.lines, row.cuts, _label(row, console, options), again)
    if found.tail:
        yield Block(found.tail)


def _panel_blocks(panel: PanelLines) -> Iterator[Block]:
    """The top edge, led into the first entry; each entry whole where it fits a screenful;
    the bottom edge, for which the entries keep room."""
    yield Block(panel.top, lead=True, close=panel.bottom)
    for entry in panel.entries:
        yield Block(entry, again=panel.again, close=panel.bottom)
    yield Block(panel.bottom, shuts=True)


def _label(row: Row, console: Console, options: ConsoleOptions) -> Callable[[int], Line]:
    """The line above the row's piece that begins at a line: the row's labels from its first
    line, and, where the piece goes on inside a group, the group's name from the group's first
    line; then "(continued)"."""
    starts = [0, *row.cuts]

    def label(at: int) -> Line:
        group = max(start for start in starts if start <= at)
        kept = _cropped(row.lines[0], 0, row.label)
        if at > group and group not in row.unlabelled:
            kept += _cropped(row.lines[group], row.label, row.names)
        while kept and not kept[-1].text.rstrip():
            kept.pop()
        if kept:
            kept[-1] = Segment(kept[-1].text.rstrip(), kept[-1].style)
        note = Segment(CONTINUED, console.get_style("note"))
        room = options.max_width - 1 - len(CONTINUED)
        if cell_len("".join(s.text for s in kept)) > room:  # the labels closer together
            kept = [Segment(GAPS.sub("  ", s.text), s.style) for s in kept]
        if cell_len("".join(s.text for s in kept)) > room:
            return [Segment(CONTINUED[: max(options.max_width, 0)], note.style)]
        return [*kept, Segment(" " if kept else ""), note]

    return label


def _cropped(line: Line, start: int, end: int) -> list[Segment]:
    """The line's segments from cell ``start`` to cell ``end``."""
    if end <= start:
        return []
    parts = list(Segment.divide(line, [start, end] if start else [end]))
    part = parts[1 if start else 0] if len(parts) > (1 if start else 0) else []
    return list(part)


class _Pages:
    """Screenfuls being filled: ``fresh`` while the last holds no more than a repeated header."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.pages: list[list[Line]] = [[]]
        self.fresh = True
        self.open: list[Line] = []
        """The bottom edge of the box the screenful is in the middle of."""

    def room(self, block: Block) -> int:
        """The lines left for the block (less its box's bottom edge, while the box goes on)."""
        return self.rows - len(self.pages[-1]) - len(block.close or [])

    def capacity(self, block: Block) -> int:
        """The most lines of the block a screenful holds, below the header it repeats."""
        return self.rows - len(self.header(block.again)) - len(block.close or [])

    def header(self, again: list[Line] | None) -> list[Line]:
        """The header a screenful going on with a table repeats (none on a terminal too
        low for it and a line of the table besides its label)."""
        return again if again is not None and len(again) + 2 <= self.rows else []

    def turn(self, again: list[Line] | None) -> None:
        self.pages[-1].extend(self.open)
        self.pages.append(list(self.header(again)))
        self.fresh = True

    def put(self, lines: list[Line]) -> None:
        self.pages[-1].extend(lines)
        self.fresh = self.fresh and not lines


def _first_piece(block: Block, pages: _Pages) -> int:
    """How many of its lines a block puts on a screenful first, at the least."""
    if len(block.lines) <= pages.capacity(block):
        return len(block.lines)
    return block.cuts[0] if block.cuts else min(LEAST, len(block.lines))


def pack(blocks: list[Block], rows: int) -> list[list[Line]]:
    """The blocks' lines in screenfuls of at most ``rows`` lines."""
    pages = _Pages(max(rows, 1))
    blocks = [_unframed(block, pages.rows) for block in blocks]
    for n, block in enumerate(blocks):
        need = len(block.lines)
        if block.lead and n + 1 < len(blocks):
            need += _first_piece(blocks[n + 1], pages)
        if need > pages.room(block) and not pages.fresh:
            whole = len(block.lines) <= pages.capacity(block)
            cut_here = _first_piece(block, pages) <= pages.room(block)
            if whole or block.lead or not cut_here:
                pages.turn(block.again)
        _place(block, pages)
    return [page for page in pages.pages if not all(_blank(line) for line in page)]


def _unframed(block: Block, rows: int) -> Block:
    """On a terminal too low for a box's two edges and two of its lines, the box's lines
    without its edges repeated."""
    if block.close is None:
        return block
    edge = len(block.again) if block.again is not None else len(block.lines)
    if len(block.close) + edge + 2 <= rows:
        return block
    return replace(block, close=None, again=None)


def _place(block: Block, pages: _Pages) -> None:
    """The block from where the screenful has got to, cut where it must be."""
    start, label = 0, []
    lines = block.lines
    pages.open = [] if block.shuts or block.close is None else block.close
    while True:
        if len(label) + len(lines) - start <= pages.room(block):
            pages.put([*label, *lines[start:]])
            return
        room = pages.room(block) - len(label)
        if room < 1 and not pages.fresh:
            pages.turn(block.again)
            continue
        if room < 1:  # not even the label fits beside a line: none
            label = []
            continue
        cuts = [cut for cut in block.cuts if start < cut <= start + room]
        end = cuts[-1] if cuts else start + room
        pages.put([*label, *lines[start:end]])
        if all(_blank(line) for line in lines[end:]):
            return  # what is left is the table's bottom edge or a section's blank line
        start = end
        pages.turn(block.again)
        label = [block.label(start)] if block.label is not None and block.again is not None else []


def _blank(line: Line) -> bool:
    return not "".join(segment.text for segment in line).strip()
