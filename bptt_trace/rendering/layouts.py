"""The narrower layouts of a table whose numbers do not fit beside its labels.

``stacked``: one value column; each further value of a row goes on a row of its own, named
by its column's heading (hₜ = tanh(aₜ) under = aₜ; the running sum under the contribution),
in a table of time steps at its row's t (h₃ = tanh(a₃) on the rows of t = 3).
``vertical``: the labels of a row on one line, each value below them, indented, on as many
lines as it needs; the whole width is the values'.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from .grid import clamp, natural
from .grid_cells import unjustified_line
from .kinds import LABEL, VALUES, NotedTableLike
from .theme import subscript

GENERIC = "value"
"""A value column so headed is named by its row's label; any other heading names its values."""


LABEL_LEAST = 12
"""The narrowest the last label column of a vertical layout gets (its words wrap onto more
lines) when the labels do not fit side by side."""


def _blank(cell: RenderableType) -> bool:
    return cell == "" or (isinstance(cell, Text) and not cell.plain)


def _rows(table: NotedTableLike) -> Iterator[tuple[list[RenderableType], bool]]:
    cells = [list(column.cells) for column in table.columns]
    for r, row in enumerate(table.rows):
        yield [column[r] for column in cells], row.end_section


def at_time(name: str, t: str | None) -> str:
    """A column's heading as the name of a row at time step ``t`` (digits): hₜ₋₁ becomes h₂,
    aₜ a₃ and cₜ₊₁ c₄ at t = 3; unchanged where t is None."""
    if t is None:
        return name
    n = int(t)
    for mark, k in (("ₜ₋₁", n - 1), ("ₜ₊₁", n + 1), ("ₜ", n)):
        name = name.replace(mark, subscript(k))
    return name


def _time(table: NotedTableLike, cells: list[RenderableType], now: str | None) -> str | None:
    """The row's t in a table whose first column is headed t: its own, or the one above's."""
    heading = table.columns[0].header if table.columns else ""
    if (heading.plain if isinstance(heading, Text) else str(heading)) != "t":
        return None
    first = cells[0]
    text = first.plain if isinstance(first, Text) else str(first)
    return text.strip() if text.strip().isdigit() else now


def stacked(table: NotedTableLike) -> NotedTableLike | None:
    """The table with one value column (None if it has one already)."""
    values = [i for i, kind in enumerate(table.kinds) if kind == VALUES]
    if len(values) < 2:
        return None
    labels = [i for i, kind in enumerate(table.kinds) if kind != VALUES]
    headings = [table.columns[i].header for i in values]
    names = [h.plain if isinstance(h, Text) else str(h) for h in headings]
    named = names[0] != GENERIC  # each value needs its name in a column of its own
    fewer = type(table)(box=table.box, pad_edge=False)
    for i in labels:
        heading = table.columns[i].header
        fewer.add_kind(heading.plain if isinstance(heading, Text) else str(heading), table.kinds[i])
    if named:
        fewer.add_kind("", LABEL)
    fewer.add_kind(GENERIC, VALUES)
    # the widths --pause fixed for the pages of one table (pages.same_widths) still hold
    for column, i in zip(fewer.columns, labels[: len(labels) - (not named)], strict=False):
        column.width = table.columns[i].width  # not the column the names go in
    fixed = [table.columns[i].width for i in values]
    if all(w is not None for w in fixed):
        fewer.columns[-1].width = max(w for w in fixed if w is not None)
    t = None
    for cells, end in _rows(table):
        first = True
        t = _time(table, cells, t)
        if all(_blank(cells[i]) for i in values):  # a row of labels alone (a ⋯ row): no names
            fewer.add_row(*[cells[j] for j in labels], *[""] * named, "")
            values_shown: list[tuple[int, str]] = []
        else:
            values_shown = list(zip(values, names, strict=True))
        for k, (i, name) in enumerate(values_shown):
            if k > 0 and _blank(cells[i]):
                continue
            row: list[RenderableType] = [cells[j] if first else "" for j in labels]
            if named:
                row.append(Text(at_time(name, t), "label"))
            elif k > 0:
                row[-1] = Text(at_time(name, t), "label")
            fewer.add_row(*row, cells[i])
            first = False
        if end:
            fewer.add_section()
    return fewer


def _side_by_side(
    cells: list[RenderableType], widths: list[int], console: Console, options: ConsoleOptions
) -> list[list[Segment]]:
    """Cells rendered at their widths and joined line by line, one space apart."""
    blocks = []
    for cell, w in zip(cells, widths, strict=True):
        line = unjustified_line(cell, w, console) if options.justify is None else None
        if line is not None:
            blocks.append([line])  # what render_lines gives, without its passes
        else:
            at = options.update(width=w, height=None)
            blocks.append(console.render_lines(cell, at, pad=True))
    height = max(len(b) for b in blocks)
    lines = []
    for n in range(height):
        line: list[Segment] = [Segment(" ")]
        for block, w in zip(blocks, widths, strict=True):
            line.extend(block[n] if n < len(block) else [Segment(" " * w)])
            line.append(Segment("  "))
        lines.append(line)
    return lines


def widest_of(console: Console, options: ConsoleOptions, cell: RenderableType) -> int:
    """``console.measure(cell).maximum``, from the cell's natural width where it has one (a
    plain string goes through no markup or emoji parsing that would not change it)."""
    found = natural(cell)
    if found is None or options.max_width < 1:
        return console.measure(cell, options=options).maximum
    return clamp(*found, options.max_width)[1]


def label_widths(table: NotedTableLike, console: Console, options: ConsoleOptions) -> list[int]:
    """The widths of the vertical layout's label columns, side by side on a row's first line."""
    labels = [i for i, kind in enumerate(table.kinds) if kind != VALUES]
    rows = list(_rows(table))
    widths = []
    for i in labels:
        column = table.columns[i]
        cells = [column.header, *(cells[i] for cells, _ in rows)]
        widest = max(widest_of(console, options, c) for c in cells)
        if column.width is not None:  # --pause fixed it for every page (pages.same_widths)
            widest = max(widest, column.width)
        widths.append(widest if table.kinds[i] == LABEL else min(widest, options.max_width // 3))
    over = 1 + sum(widths) + 2 * (len(widths) - 1) - options.max_width
    if over > 0:  # the labels side by side are too wide: the last one wraps, never cut
        widths[-1] = max(LABEL_LEAST, widths[-1] - over)
    return widths


def vertical(table: NotedTableLike, console: Console, options: ConsoleOptions) -> Iterator[Any]:
    """The table with each value on lines of its own, below its row's labels; a blank line
    below it, as a table's bottom edge is."""
    values = [i for i, kind in enumerate(table.kinds) if kind == VALUES]
    labels = [i for i, kind in enumerate(table.kinds) if kind != VALUES]
    rows = list(_rows(table))
    widths = label_widths(table, console, options)
    indent = widths[0] + 3 if len(labels) > 1 else 2
    new_line = Segment.line()
    heads = [Text(table.columns[i].header.plain, "bold") for i in labels]  # type: ignore[union-attr]
    for line in _side_by_side(heads, widths, console, options):
        yield from [*line, new_line]
    yield Text(" " + "─" * max(1, min(sum(widths) + 2 * len(widths), options.max_width - 1)))
    inner = options.update(width=max(1, options.max_width - indent), height=None)
    for n, (cells, end) in enumerate(rows):
        label_cells = [cells[i] for i in labels]
        if not all(_blank(c) for c in label_cells):
            for line in _side_by_side(label_cells, widths, console, options):
                yield from [*line, new_line]
        for i in values:
            if _blank(cells[i]):
                continue
            fast = getattr(cells[i], "segment_lines", None)  # a Vector's lines, directly
            found = fast(console, inner) if fast is not None else None
            for line in (
                found if found is not None else console.render_lines(cells[i], inner, pad=False)
            ):
                yield from [Segment(" " * indent), *line, new_line]
        if end and n < len(rows) - 1:  # a section's end, as Rich's grid draws it
            yield new_line
    yield new_line  # the bottom edge
