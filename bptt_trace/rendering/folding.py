"""Wide tables at any width, never cropped.

``Folded``: a table with a column per time step k = 1 … n. When every column fits it shows
them all; else it keeps the first column (the step farthest back, where a vanishing gradient
shows) and as many of the last steps (those nearest the loss, the most blamed) as fit, with
a gap column ``⋯`` between, and says below which steps it folded and how to see them.
``Wrapped``: a table whose value columns (one per parameter) go on as many blocks as they
need, each block repeating the label column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

GAP = "⋯"
"""The heading and cells of the column that stands for the folded time steps."""

Steps = list[int | None]
"""The time steps (0-based) a table shows, None for the gap."""


def folded_steps(n: int, last: int, first: int = 1) -> Steps:
    """The first ``first`` steps, the gap, the ``last`` last ones (every step if they cover
    them all)."""
    if first + last >= n:
        return list(range(n))
    return [*range(first), None, *range(n - last, n)]


UNBOUNDED = 10**6
"""A width no table reaches: a table measured at it is as wide as it would like."""


def width_of(table: Table, console: Console, options: ConsoleOptions) -> int:
    return Measurement.get(console, options.update_width(UNBOUNDED), table).maximum


def _measures_alone(table: Table) -> bool:
    """Whether a table is as wide as its columns' natural widths, their padding and its box's
    lines: a NotedTable laying out its own columns, with a box and its edge, no width, no
    collapsed padding and no column of a set width."""
    kinds = getattr(table, "kinds", None)
    return (
        kinds is not None
        and len(kinds) == len(table.columns)
        and table.box is not None
        and table.show_edge
        and table.width is None
        and table.min_width is None
        and not table.collapse_padding
        and not table.expand
        and all(
            c.width is None and c.min_width is None and c.max_width is None and c.ratio is None
            for c in table.columns
        )
    )


class Folded:
    """A table built by ``build(steps)`` for the time steps that fit the console's width.

    ``name(k)`` names step k (0-based) in the note, e.g. "h₄"."""

    def __init__(
        self,
        build: Callable[[Steps], Table],
        n: int,
        name: Callable[[int], str],
        first: int = 1,
    ) -> None:
        self.build, self.n, self.name, self.first = build, n, name, first
        self.built: dict[tuple[int | None, ...], Table] = {}

    def table(self, steps: Steps) -> Table:
        """``build(steps)``, built once (the bisection measures what it then shows)."""
        key = tuple(steps)
        if key not in self.built:
            self.built[key] = self.build(steps)
        return self.built[key]

    def widths(self, console: Console, options: ConsoleOptions) -> Callable[[Steps], int]:
        """The width the table of some steps needs (``width_of``), by arithmetic where the
        tables are NotedTables whose columns measure alone: a step's column is the same in
        every table, so the full table's columns and one gap column are measured once, and
        a table of m columns needs their natural widths, each column's padding and the box's
        m + 1 lines (Rich's ``Table.__rich_measure__`` at an unbounded width). Else each
        table is built and measured."""
        full = self.table(list(range(self.n)))
        gap = self.build([None])
        labels = len(full.columns) - self.n
        if not (_measures_alone(full) and _measures_alone(gap)) or len(gap.columns) != labels + 1:
            return lambda steps: width_of(self.table(steps), console, options)
        unbounded = options.update_width(UNBOUNDED)

        def natural(table: Table, i: int) -> int:
            measured = table._measure_column(console, unbounded, table.columns[i]).maximum
            return measured - table._get_padding_width(i)

        label_widths = [natural(full, i) for i in range(labels)]
        if label_widths != [natural(gap, i) for i in range(labels)]:  # not the same labels
            return lambda steps: width_of(self.table(steps), console, options)
        step_widths = [natural(full, labels + k) for k in range(self.n)]
        gap_width = natural(gap, labels)
        _, right, _, left = full.padding
        edge = 0 if full.pad_edge else 1  # the outer sides' padding left out

        def width(steps: Steps) -> int:
            naturals = label_widths + [gap_width if k is None else step_widths[k] for k in steps]
            m = len(naturals)
            return sum(naturals) + m * (left + right) - edge * (left + right) + m + 1

        return width

    def steps(self, console: Console, options: ConsoleOptions) -> Steps:
        """Every step if they fit; else the first ones and the most of the last that fit."""
        room = options.max_width
        every = list(range(self.n))
        if width_of(self.table(every), console, options) <= room:  # no gap table to build
            return every
        width = self.widths(console, options)
        for first in (self.first, 0):
            low, high = 0, self.n - first - 1  # the most last steps that fit: a bisection
            while low < high:
                middle = (low + high + 1) // 2
                fits = width(folded_steps(self.n, middle, first))
                low, high = (middle, high) if fits <= room else (low, middle - 1)
            if low >= 1:
                return folded_steps(self.n, low, first)
        return folded_steps(self.n, 1, 0)  # the last step alone, whatever the width

    def note(self, steps: Steps) -> Text | None:
        if None not in steps:
            return None
        gap = steps.index(None)
        start = steps[gap - 1] + 1 if gap > 0 else 0  # type: ignore[operator]
        end = steps[gap + 1] - 1  # type: ignore[operator]
        names = self.name(start) if start == end else f"{self.name(start)}…{self.name(end)}"
        count = end - start + 1
        return Text(
            f"{GAP} {names} folded ({count} of {self.n} columns); a wider --width, or "
            "--export with a larger --width, shows more; the JSON trace has them all.",
            "note",
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Any]:
        steps = self.steps(console, options)
        yield self.table(steps)
        self.built = {}  # a table is drawn once; another width measures afresh
        note = self.note(steps)
        if note is not None:
            yield note
            yield Text()  # a blank line below the note, as below a table's own

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.build(list(range(self.n))))


class Wrapped:
    """A table built by ``build(columns)`` for some of its value columns (indices 0 … n−1):
    as many blocks as the console's width needs, each with the label columns."""

    def __init__(self, build: Callable[[Sequence[int]], Table], n: int) -> None:
        self.build, self.n = build, n

    def blocks(self, console: Console, options: ConsoleOptions) -> list[list[int]]:
        room = options.max_width
        blocks: list[list[int]] = []
        block: list[int] = []
        for i in range(self.n):
            if block and width_of(self.build([*block, i]), console, options) > room:
                blocks.append(block)
                block = []
            block.append(i)
        if block:
            blocks.append(block)
        return blocks

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Any]:
        blocks = self.blocks(console, options)
        for number, block in enumerate(blocks):
            table = self.build(block)
            if number > 0 and hasattr(table, "heading"):
                table.heading = None  # the heading above the first block only
                table.edge_above = False  # one blank line between blocks, not two
            if number < len(blocks) - 1 and hasattr(table, "note"):
                table.note = None  # the note below the last block only
            yield table

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.build(list(range(self.n))))
