"""A drawn table's lines, told apart: its title, its column header, each of its rows and what
comes after them, so that ``--pause`` can cut a page between rows and repeat the header.

A row is a row of the table as built (``NotedTable.add_row``): laid out in fewer columns
(``layouts.stacked``) it is drawn as several rows, one a value (the update's old, ∂L/∂θ, new
and Δ), and in the vertical layout as labelled groups, a label and the lines of its value
below it; those are the row's groups, where a row taller than a page may be cut.

The lines are the table's own (``Console.render_lines`` of the whole table); only where each
part ends is worked out here, from the heights of the cells as ``grid`` and ``layouts`` draw
them, and checked against the lines drawn: a table laid out some other way gives None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from .grid import cell_pads, plain_grid
from .grid_cells import cell_lines
from .kinds import VALUES
from .layouts import GENERIC, _blank, _rows, _side_by_side, label_widths, stacked
from .tables import NotedTable

Line = list[Segment]


@dataclass
class Row:
    """A row's lines; ``cuts``: where its groups after the first begin; ``label``: where its
    labels end on its first line (the columns before its values or their names); ``names``:
    where a group's name ends on the group's first line (its value begins); ``unlabelled``:
    the groups (by their first line) whose first line is a value's, not labels'."""

    lines: list[Line]
    cuts: list[int] = field(default_factory=list)
    label: int = 0
    names: int = 0
    unlabelled: list[int] = field(default_factory=list)


@dataclass
class TableLines:
    title: list[Line]
    head: list[Line]
    rows: list[Row]
    tail: list[Line]
    """The note below the table."""


def table_lines(table: Table, console: Console, options: ConsoleOptions) -> TableLines | None:
    """The table's lines in parts (None: a table not laid out as this module knows)."""
    if not isinstance(table, NotedTable) or len(table.kinds) != len(table.columns):
        return None
    lines = console.render_lines(table, options, pad=False)
    title = _lines(console, options, table.heading)
    tail = [line for text in table.foot() for line in _lines(console, options, text)]
    body = lines[len(title) : len(lines) - len(tail)]
    if VALUES not in table.kinds or table.fits(console, options):
        drawn, vertical = table, False
    else:
        fewer = stacked(table)
        drawn = fewer if fewer is not None else table
        vertical = fewer is None or not fewer.fits(console, options)
    if not isinstance(drawn, NotedTable):
        return None
    keep = _kept_labels(table, drawn)
    found = (_vertical if vertical else _grid)(drawn, console, options, keep)
    if found is None:
        return None
    head_height, heights, label, names = found
    head_height -= not (table.edge_above or vertical)  # goes on from the block above
    if head_height + sum(heights) != len(body):
        return None  # not as drawn: better no parts than wrong ones
    at = head_height
    drawn_rows: list[list[Line]] = []
    for height in heights:
        drawn_rows.append(body[at : at + height])
        at += height
    counts = _drawn_per_row(table, drawn)
    if sum(counts) != len(drawn.rows):
        return None
    labels = [i for i, kind in enumerate(drawn.kinds) if kind != VALUES]
    labelled = [  # the vertical layout draws no line for blank labels
        not vertical or not all(_blank(cells[i]) for i in labels) for cells, _ in _rows(drawn)
    ]
    rows = []
    for count in counts:
        parts, drawn_rows = drawn_rows[:count], drawn_rows[count:]
        starts = [sum(len(p) for p in parts[:k]) for k in range(len(parts))]
        flags, labelled = labelled[:count], labelled[count:]
        unlabelled = [start for start, flag in zip(starts, flags, strict=True) if not flag]
        lines = [line for part in parts for line in part]
        rows.append(Row(lines, starts[1:], 0 if 0 in unlabelled else label, names, unlabelled))
    head = body[:head_height]
    left = [line for part in drawn_rows for line in part]  # the bottom edge
    (rows[-1].lines if rows else head).extend(left)
    return TableLines(title, head, rows, tail)


def _lines(console: Console, options: ConsoleOptions, text: Text | None) -> list[Line]:
    return [] if text is None else console.render_lines(text, options, pad=False)


def _kept_labels(table: NotedTable, drawn: NotedTable) -> int:
    """How many of the drawn table's first columns are the labels of a row as built: all
    its labels, less the one that names each value when the stacked layout put the names in
    the last label column; a table of labels alone (the output's) is named by its first."""
    if VALUES not in table.kinds:
        return 1
    labels = sum(kind != VALUES for kind in table.kinds)
    if drawn is table:
        return labels
    heading = next(table.columns[i].header for i, k in enumerate(table.kinds) if k == VALUES)
    named = (heading.plain if isinstance(heading, Text) else str(heading)) != GENERIC
    return labels if named else labels - 1


def _drawn_per_row(table: NotedTable, drawn: NotedTable) -> list[int]:
    """How many drawn rows each row as built became (``layouts.stacked``: one a value, the
    first always, a later one unless blank)."""
    if drawn is table:
        return [1] * len(table.rows)
    values = [i for i, kind in enumerate(table.kinds) if kind == VALUES]
    return [1 + sum(not _blank(cells[i]) for i in values[1:]) for cells, _ in _rows(table)]


Found = tuple[int, list[int], int, int]
"""The header's height, each drawn row's (with what follows it), where the labels end, where
a value's name ends."""


def _grid(table: NotedTable, console: Console, options: ConsoleOptions, keep: int) -> Found | None:
    """``grid.lay_out``'s parts: the top edge, the header and its rule; each row and the rule
    after its section; the bottom edge (the last "row")."""
    if not plain_grid(table):
        return None
    widths = table._calculate_column_widths(
        console, options.update_width(options.max_width - table._extra_width)
    )
    at = options.update(width=sum(widths) + table._extra_width, highlight=table.highlight)
    at = at.update(height=None)
    pads = cell_pads(table)

    def height(cells: list[Any]) -> int:
        return max(
            len(cell_lines(console, at, cell, column, width, pad, None))
            for cell, column, width, pad in zip(cells, table.columns, widths, pads, strict=True)
        )

    heights = []
    rows = list(_rows(table))
    for n, (cells, end) in enumerate(rows):
        heights.append(height(cells) + (end and n < len(rows) - 1))
    heights.append(1)  # the bottom edge
    head = 1 + height([column.header for column in table.columns]) + 1
    box = table.box
    edge, between = cell_len(box.mid_left), cell_len(box.mid_vertical)  # type: ignore[union-attr]
    value = table.kinds.index(VALUES) if VALUES in table.kinds else keep  # no values: no names
    names = edge + sum(widths[:value]) + between * value
    return head, heights, edge + sum(widths[:keep]) + between * keep, names


def _vertical(
    table: NotedTable, console: Console, options: ConsoleOptions, keep: int
) -> Found | None:
    """``layouts.vertical``'s parts: the headings and their rule; each row's labels (unless
    blank), its values' lines, and a blank line after its section; the bottom edge (the last
    "row")."""
    values = [i for i, kind in enumerate(table.kinds) if kind == VALUES]
    labels = [i for i, kind in enumerate(table.kinds) if kind != VALUES]
    widths = label_widths(table, console, options)
    indent = widths[0] + 3 if len(labels) > 1 else 2
    inner = options.update(width=max(1, options.max_width - indent), height=None)
    heads = [Text(table.columns[i].header.plain, "bold") for i in labels]  # type: ignore[union-attr]
    head = len(_side_by_side(heads, widths, console, options)) + 1
    heights = []
    rows = list(_rows(table))
    for n, (cells, end) in enumerate(rows):
        label_cells = [cells[i] for i in labels]
        height = 0
        if not all(_blank(c) for c in label_cells):
            height += len(_side_by_side(label_cells, widths, console, options))
        for i in values:
            if not _blank(cells[i]):
                height += len(console.render_lines(cells[i], inner, pad=False))
        heights.append(height + (end and n < len(rows) - 1))
    heights.append(1)  # the bottom edge
    return head, heights, 1 + sum(widths[:keep]) + 2 * keep, options.max_width  # labels alone
