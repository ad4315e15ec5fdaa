"""The rows of an exercise's view that hold one blank, under the view's own heading and
columns: shown again above the blank's prompt, so that what is asked is on the screen however
long the view was (an LSTM's backward table scrolls its first blanks off an 80 × 40 terminal).

A row is as the view lays it out, its time step and token written on it (the view writes them
on the first row of a time step only). Nothing is shown that the view does not show.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from rich.console import RenderableType
from rich.text import Text

from ..trace.exercise import Blank, Exercise
from .exercise import VIEWS, Cells, blank_text

CARRIED = 2
"""The leading columns whose value stands for the rows below it left empty: the time step
and the token (the forward and backward views), a θ or its name (the others never leave
them empty)."""


def blank_excerpt(exercise: Exercise, blank: Blank, precision: int) -> RenderableType:
    """The view's rows that hold ``blank`` (one, or more when it hides twins)."""
    table: Any = VIEWS[exercise.view](exercise, Cells(exercise, precision))
    mark = blank_text(blank.id).plain
    cells = [list(column.cells) for column in table.columns]
    keep = [
        i
        for i in range(table.row_count)
        if any(isinstance(column[i], Text) and column[i].plain == mark for column in cells)
    ]
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
    excerpt.rows = [dataclasses.replace(table.rows[i], end_section=False) for i in keep]
    excerpt.note = None
    return excerpt


def _empty(cell: Any) -> bool:
    return cell == "" or (isinstance(cell, Text) and not cell.plain)
