"""A NotedTable's columns measured and its rows laid out as Rich's ``Table`` does, in one pass.

Rich measures each cell through a ``Padding`` each time a table is measured (a table that
checks whether it fits measures it three times), and renders each cell twice (the cell in its
padding, then the padding). Here a cell's natural width (a ``Text``'s or a ``Vector``'s, which
depend on no console width) is taken once and clamped as Rich clamps it, and each cell is
rendered once at its column's inner width, with the same padding segments and the same box
lines: the characters and styles are Rich's own. A table this module does not know how to lay
out (a box with visible lines, row styles, a footer …) is left to Rich.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich import box as boxes
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.table import Column, Table
from rich.text import Text

from .grid_cells import cell_lines

Natural = tuple[int, int]


def natural(cell: Any) -> Natural | None:
    """A cell's least and widest width at any console width (None: ask Rich)."""
    if isinstance(cell, str) and not isinstance(cell, Text):
        if "[" in cell or ":" in cell:  # markup or an emoji code: Rich's parser decides
            return None
        plain = cell
    elif isinstance(cell, Text):
        plain = cell.plain
    else:
        measure = getattr(cell, "natural_width", None)
        return measure() if measure is not None else None
    found = _NATURALS.get(plain)
    if found is not None:
        return found
    lines = plain.splitlines()
    words = plain.split()
    if plain.isascii() and plain.replace("\n", "").isprintable():  # a column a character
        widest = max(map(len, lines)) if lines else 0
        found = (max(map(len, words)) if words else widest), widest
    else:
        widest = max(cell_len(line) for line in lines) if lines else 0
        found = (max(cell_len(word) for word in words) if words else widest), widest
    if len(_NATURALS) >= NATURALS_KEPT:
        _NATURALS.clear()
    _NATURALS[plain] = found
    return found


NATURALS_KEPT = 20_000
"""At most this many texts' natural widths are kept (labels, tokens and headings recur from
table to table); past it they are forgotten and kept afresh."""

_NATURALS: dict[str, Natural] = {}


def clamp(least: int, widest: int, room: int) -> Natural:
    """``Measurement.get`` of a renderable of that natural width, at ``room`` columns
    (``normalize``, ``with_maximum``, nothing below 1, ``normalize``)."""
    least = max(0, min(max(0, least), widest))
    widest = min(max(0, least, widest), room)
    least = min(least, room)
    if widest < 1:
        return 0, 0
    return max(0, min(least, widest)), widest


def padded_measure(console: Console, options: ConsoleOptions, cell: Any, pad: int) -> Natural:
    """``Measurement.get`` of ``Padding(cell)`` with ``pad`` columns of padding, as Rich
    measures a table's cell."""
    room = options.max_width
    if room < 1:
        return 0, 0
    if room - pad < 1:
        least, widest = room, room
    else:
        found = natural(cell)
        inner = (
            clamp(*found, room) if found is not None else Measurement.get(console, options, cell)
        )
        least, widest = min(inner[0] + pad, room), min(inner[1] + pad, room)
    return clamp(least, widest, room)


def _naturals(table: Table, column: Column, cells: list[Any]) -> tuple[Natural | None, list[Any]]:
    """The most least and the most widest natural width of the column's cells that have one
    (None if none has), and the cells without, worked out once for the column as it is."""
    store: dict[tuple[int, int], Any] = table.__dict__.setdefault("_column_naturals", {})
    key = (column._index, len(cells))
    if key not in store:
        least = widest = -1
        others = []
        for cell in cells:
            found = natural(cell)
            if found is None:
                others.append(cell)
                continue
            least, widest = max(least, min(found)), max(widest, found[1])
        store[key] = ((least, widest) if widest >= 0 else None), others
    return store[key]


def measure_column(
    table: Table, console: Console, options: ConsoleOptions, column: Column
) -> Measurement:
    """``Table._measure_column``, each cell measured by ``padded_measure``."""
    room = options.max_width
    if room < 1:
        return Measurement(0, 0)
    pad = table._get_padding_width(column._index)
    if column.width is not None:
        return Measurement(column.width + pad, column.width + pad).with_maximum(room)
    cells = [column.header] if table.show_header else []
    cells += list(column.cells)
    if table.show_footer:
        cells.append(column.footer)
    widest, others = _naturals(table, column, cells)
    if widest is not None and room - pad >= 1:
        # a cell of natural width a ≤ b measures min(a + pad, room), min(b + pad, room) in
        # its padding, so the column's most is that of the most of each
        found = [(min(widest[0] + pad, room), min(widest[1] + pad, room))]
        found += [padded_measure(console, options, cell, pad) for cell in others]
    else:
        found = [padded_measure(console, options, cell, pad) for cell in cells]
    measurement = Measurement(
        max((m[0] for m in found), default=1), max((m[1] for m in found), default=room)
    ).with_maximum(room)
    return measurement.clamp(
        None if column.min_width is None else column.min_width + pad,
        None if column.max_width is None else column.max_width + pad,
    )


def cell_pads(table: Table) -> list[tuple[int, int]]:
    """Each column's left and right padding as Rich pads its cells (none at the table's outer
    edges without ``pad_edge``)."""
    last = len(table.columns) - 1
    return [
        (0 if i == 0 and not table.pad_edge else table.padding[3],
         0 if i == last and not table.pad_edge else table.padding[1])
        for i in range(len(table.columns))
    ]  # fmt: skip


def plain_grid(table: Table) -> bool:
    """Whether ``lay_out`` draws the table as Rich would: a SIMPLE_HEAD box, a header, no
    footer, no row styles, no rules between rows but the sections', and no table styles."""
    return (
        table.box is boxes.SIMPLE_HEAD
        and table.show_header
        and table.show_edge
        and not table.show_footer
        and not table.show_lines
        and not table.leading
        and not table.row_styles
        and not table.collapse_padding
        and table.style in (None, "", "none")
        and not table.border_style
        and all(not c.style and not c.header_style and c.vertical == "top" for c in table.columns)
    )


def lay_out(
    table: Table, console: Console, options: ConsoleOptions, widths: list[int]
) -> Iterator[Segment]:
    """``Table._render`` for a ``plain_grid`` table (vertical alignment top, the header's
    bottom), each cell rendered once."""
    box = table.box.substitute(  # type: ignore[union-attr]
        options, safe=table.safe_box if table.safe_box is not None else console.safe_box
    )
    header_style = console.get_style(table.header_style or "")
    new_line = Segment.line()
    pads, last = cell_pads(table), len(table.columns) - 1
    cells = [list(column.cells) for column in table.columns]
    rows: list[tuple[list[Any], bool, Style | None]] = [
        ([column.header for column in table.columns], False, header_style)
    ]
    for r, row in enumerate(table.rows):
        rows.append(([column[r] for column in cells], row.end_section, None))
    yield Segment(box.get_top(widths))
    yield new_line
    edges = [(box.head_left, box.head_vertical, box.head_right)]
    edges += [(box.mid_left, box.mid_vertical, box.mid_right)] * (len(rows) - 2)
    edges += [(box.foot_left, box.foot_vertical, box.foot_right)] * (len(rows) > 1)
    for n, ((row_cells, end, style), (left, divider, right)) in enumerate(
        zip(rows, edges, strict=True)
    ):
        rendered = [
            cell_lines(console, options, cell, column, width, pad, style)
            for cell, column, width, pad in zip(row_cells, table.columns, widths, pads, strict=True)
        ]
        height = max(len(lines) for lines in rendered)
        for lines, width in zip(rendered, widths, strict=True):
            blank = [Segment(" " * width, style)]
            extra = [blank] * (height - len(lines))
            lines[:] = extra + lines if n == 0 else lines + extra  # the header at the bottom
        edge, between = Segment(left), Segment(divider)
        for line_no in range(height):
            yield edge
            for k, lines in enumerate(rendered):
                yield from lines[line_no]
                if k < last:
                    yield between
            yield Segment(right)
            yield new_line
        if n == 0:
            yield Segment(box.get_row(widths, "head", edge=True))
            yield new_line
        elif end and n < len(rows) - 1:
            yield Segment(box.get_row(widths, "row", edge=True))
            yield new_line
    yield Segment(box.get_bottom(widths))
    yield new_line
