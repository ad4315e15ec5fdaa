"""The table every view is made of: a heading above, a note below, labels never cut.

A column is one of three kinds: a label (a plain ``str``: never wrapped, never narrowed), a
column of tokens (``Tokens``: narrowed to ``TOKEN_MIN`` at most, a longer token folds onto more
lines), or a column of numbers (``Values``: vectors that wrap onto more lines, see
``vectors``). When the console is narrower than the table, the numbers give way first, the
widest column first, down to the least each vector needs; when even that does not fit, the
table is laid out in fewer columns (``layouts``): each value column after the first becomes a
row of its own, and at the narrowest each value goes on lines of its own below its labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from .grid import lay_out, measure_column, plain_grid
from .kinds import LABEL, TOKEN, VALUES
from .layouts import stacked, vertical
from .theme import subscript

ONE_HOT_MAX = 12
"""Up to this vocabulary size the one-hot vectors are drawn in full."""

ONE_HOT_ROWS = 24
"""At most this many input tokens are listed with their one-hot vectors."""

OUTPUT_COLUMNS_MAX = 6
"""Up to this vocabulary size a |vocab|-long vector is printed in a table row."""

TOKEN_MIN = 12
"""A token column is narrowed to no fewer columns than this (or its longest token)."""


class Values(str):
    """The heading of a column of numbers (vectors wrap in it)."""


class Tokens(str):
    """The heading of a column of tokens (a token too long for it folds onto more lines)."""


class NotedTable(Table):
    """A table with a heading above and a note below, both at the console's full width."""

    heading: Text | None = None
    note: Text | None = None
    kinds: list[str]
    edge_above: bool = True
    """False for a table that goes on from the one above it (``folding.Wrapped``'s later
    blocks): the blank line below that one is all that separates them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = []
        self._measured: dict[tuple[int, int, int | None, int], Any] = {}

    def add_kind(self, heading: str, kind: str) -> None:
        self.kinds.append(kind)
        header = Text(heading, "bold")  # Text: ŷ[y] is not markup
        self.add_column(header, no_wrap=kind == LABEL, overflow="fold")

    def _measure_column(self, console: Console, options: ConsoleOptions, column: Any) -> Any:
        """Rich's measure of a column, kept while the column is as it was (a table that
        checks whether it fits, then lays itself out, measures each column twice)."""
        key = (column._index, options.max_width, column.width, len(column._cells))
        found = self._measured.get(key)
        if found is None:
            found = self._measured[key] = measure_column(self, console, options, column)
        return found

    def _render(self, console: Console, options: ConsoleOptions, widths: list[int]) -> Any:
        if plain_grid(self):
            return lay_out(self, console, options, widths)  # Rich's lines, each cell once
        return super()._render(console, options, widths)

    def _floors(self, console: Console, options: ConsoleOptions) -> tuple[list[int], list[int]]:
        """Each column's widest and least width (padding included)."""
        ranges = [self._measure_column(console, options, c) for c in self.columns]
        widest = [r.maximum for r in ranges]
        least = []
        for column, kind, r in zip(self.columns, self.kinds, ranges, strict=True):
            if kind == LABEL or column.width is not None:
                least.append(r.maximum)
            elif kind == TOKEN:
                least.append(min(r.maximum, TOKEN_MIN + self._get_padding_width(column._index)))
            else:
                least.append(r.minimum)
        return widest, least

    def fits(self, console: Console, options: ConsoleOptions) -> bool:
        """Whether every label fits whole, and every vector with the least it needs."""
        room = options.max_width - self._extra_width
        _, least = self._floors(console, options.update_width(room))
        return sum(least) <= room

    def _calculate_column_widths(self, console: Console, options: ConsoleOptions) -> list[int]:
        if len(self.kinds) != len(self.columns):  # columns added the plain Rich way
            return super()._calculate_column_widths(console, options)
        widest, least = self._floors(console, options)
        room = options.max_width
        if sum(widest) <= room:
            return widest

        def widths(cap: int) -> list[int]:
            return [max(lo, min(hi, cap)) for lo, hi in zip(least, widest, strict=True)]

        low, high = 0, max(widest)  # the widest cap that fits: the widest columns give way
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if sum(widths(middle)) <= room else (low, middle - 1)
        return widths(low)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Any:
        if self.heading is not None:
            yield self.heading
        edge = not self.edge_above  # a top edge to leave out
        if VALUES not in self.kinds or self.fits(console, options):
            drawn = super().__rich_console__(console, options)
        else:
            fewer = stacked(self)
            if fewer is not None and fewer.fits(console, options):
                drawn = Table.__rich_console__(fewer, console, options)  # type: ignore[arg-type]
            else:
                drawn, edge = vertical(fewer or self, console, options), False  # none drawn
        yield from below_top_edge(drawn) if edge else drawn
        yield from self.foot()

    def foot(self) -> list[Text]:
        """What is below the table: its note and a blank line (a table without a note ends
        with its blank bottom edge), so that the next block's title never follows a note."""
        return [] if self.note is None else [self.note, Text()]


def below_top_edge(drawn: Iterable[Any]) -> Iterator[Any]:
    """A drawn table's segments after its first line, the blank top edge of Rich's layouts
    (``Table._render``, ``grid.lay_out``)."""
    items = iter(drawn)
    for item in items:
        if isinstance(item, Segment) and item.text == "\n":
            break
    yield from items


def noted_table(title: str, *columns: str, caption: str | None = None) -> NotedTable:
    """A table of ``columns``: plain strings head label columns; ``Values`` and ``Tokens``
    those of numbers and of tokens."""
    table = NotedTable(box=box.SIMPLE_HEAD, pad_edge=False)
    table.heading = Text(title, "title")
    table.note = Text(caption, "note") if caption else None
    for column in columns:
        kind = LABEL
        if isinstance(column, (Values, Tokens)):
            kind = VALUES if isinstance(column, Values) else TOKEN
        table.add_kind(str(column), kind)
    return table


GATE_INPUT = re.compile(r"(?<![A-Za-zʰ])(a_[a-z]+)(?![A-Za-z₀-₉ₜ])")
"""A gate's pre-activation (a_i, a_z, a_gate) with no time index after it."""


def gates_at(text: str, t: int) -> str:
    """``text`` with each gate's pre-activation named at step t (∂L/∂a_i₃, Σ ∂L/∂a_gate₄), as
    every other symbol of a time-step table is; the cells' labels leave it out."""
    return GATE_INPUT.sub(lambda m: m.group(1) + subscript(t), text)


def label(template: str, t: int) -> str:
    """A cell's label for time step t: ``{t}`` becomes the subscript t, ``{p}`` t − 1, ``{n}``
    t + 1, and ``{next}`` the number t + 1."""
    return template.format(t=subscript(t), p=subscript(t - 1), n=subscript(t + 1), next=t + 1)
