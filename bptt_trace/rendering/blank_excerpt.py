"""The rows of an exercise's view that hold one blank, and the rows of the numbers it is
computed from, under the view's own heading and columns: shown again above the blank's prompt,
so that what is asked, and what it is asked from, is on the screen however long the view was
(an LSTM's backward table scrolls its first blanks off an 80 × 40 terminal). The blank's inputs
that the view does not show (Wʰ for a flow from step t + 1) come first, as the view's Given
table has them.

A row is as the view lays it out, its time step and token written on it (the view writes them
on the first row of a time step only). Nothing is shown that the view and its Given table do
not show.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from ..trace.exercise import Blank, Exercise
from ..trace.exercise_places import Place, shown_in
from .exercise import VIEWS, Cells, blank_text, given_label
from .tables import Values, noted_table
from .vectors import matrix_cell, vector_cell

CARRIED = 2
"""The leading columns whose value stands for the rows below it left empty: the time step
and the token (the forward and backward views), a θ or its name (the others never leave
them empty)."""


class Marking(Cells):
    """The view's cells, remembering the last that shows each of ``wanted``'s places (a
    contributions table shows ∂L/∂aₜ as W's row and as b's: b's, the shorter, comes last)."""

    def __init__(self, exercise: Exercise, precision: int, wanted: set[Place]) -> None:
        super().__init__(exercise, precision)
        self.wanted = wanted
        self.last: dict[Place, int] = {}

    def __call__(self, where: str, t: int, key: str, value: Any, matrix: bool = False) -> Any:
        shown = super().__call__(where, t, key, value, matrix)
        if (where, t, key) in self.wanted:
            self.last[(where, t, key)] = id(shown)
        return shown

    @property
    def marked(self) -> set[int]:
        return set(self.last.values())


def blank_excerpt(exercise: Exercise, blank: Blank, precision: int) -> RenderableType:
    """The blank's given numbers, then the view's rows that hold ``blank`` (one, or more when
    it hides twins) and those of its inputs."""
    rows = view_rows(exercise, blank, precision)
    given = [(inp, t, v) for inp, t, v in blank.inputs if not shown_in(exercise.view, inp)]
    if not given:
        return rows
    table = noted_table("Given", "quantity", Values("value"))
    for inp, t, value in given:
        shown = matrix_cell(value, precision) if value.ndim == 2 else vector_cell(value, precision)
        table.add_row(Text(given_label(inp, t), "label"), shown)
    return Group(table, rows)


def view_rows(exercise: Exercise, blank: Blank, precision: int) -> RenderableType:
    """The view's rows that hold ``blank`` or one of its inputs, in the view's order."""
    wanted = {(inp.where, t, inp.key) for inp, t, _ in blank.inputs}
    marking = Marking(exercise, precision, wanted)
    table: Any = VIEWS[exercise.view](exercise, marking)
    mark = blank_text(blank.id).plain
    cells = [list(column.cells) for column in table.columns]
    marked = marking.marked
    keep = [
        i
        for i in range(table.row_count)
        if any(
            (isinstance(column[i], Text) and column[i].plain == mark) or id(column[i]) in marked
            for column in cells
        )
    ]
    section = [0] * table.row_count
    for i in range(1, table.row_count):
        section[i] = section[i - 1] + bool(table.rows[i - 1].end_section)
    for column in cells[:CARRIED]:
        above: Any = ""
        for i, cell in enumerate(column):
            if not _empty(cell):
                above = cell
            elif i in keep:
                column[i] = above
    excerpt = copy.copy(table)
    excerpt.columns = [
        dataclasses.replace(column, _cells=[cells[j][i] for i in keep])
        for j, column in enumerate(table.columns)
    ]
    excerpt.rows = [  # a line between time steps, as in the view
        dataclasses.replace(
            table.rows[i], end_section=n + 1 < len(keep) and section[keep[n + 1]] != section[i]
        )
        for n, i in enumerate(keep)
    ]
    excerpt.note = None
    return excerpt


def _empty(cell: Any) -> bool:
    return cell == "" or (isinstance(cell, Text) and not cell.plain)
