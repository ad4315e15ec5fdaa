"""--compare-cells' row of the Jacobian's norm names the state the number is from: its k is
the ``first`` of each cell's Jacobians event (a diagnosis whose product back to h₁ overflowed
starts after it), not 1 whatever the event says. When the cells agree the row's label says
the k; when they differ each number says its own.

The events are real runs' with the Jacobians event of a cell replaced by one that starts at
k = 4, its norm a number no other cell shows (7.3e+05), so that the row is read for what it
says, at a width that shows every cell in one block and at one that wraps them in blocks.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest

from bptt_trace.config import Config
from bptt_trace.rendering.cells import cells_view
from bptt_trace.rendering.renderer import make_console
from bptt_trace.trace.events import Event, JacobiansEvent
from bptt_trace.trace.loop import run

SENTENCE = [["the", "cat", "sat", "on", "the", "mat"]]
CELLS = ("rnn", "lstm", "gru")


def runs(later: set[str]) -> dict[str, list[Event]]:
    """Each cell's events; the cells in ``later`` with a diagnosis from k = 4."""
    made = {}
    for cell in CELLS:
        events = list(run(SENTENCE, Config(cell=cell)))
        if cell in later:
            events = [
                replace(e, first=4, norms=list(e.norms)[3:], end_to_end=7.3e5)
                if isinstance(e, JacobiansEvent)
                else e
                for e in events
            ]
        made[cell] = events
    return made


def jacobian_rows(made: dict[str, list[Event]], width: int) -> list[str]:
    out = io.StringIO()
    make_console(file=out, width=width, color_system=None).print(cells_view(made, 4))
    return [line for line in out.getvalue().splitlines() if line.startswith(" ‖∂state_T")]


def numbers(row: str) -> list[str]:
    """The row's cells after its label."""
    return re.split(r"\s{2,}", row.strip())[1:]


def expected_first(made: dict[str, list[Event]]) -> dict[str, int]:
    return {
        cell: next(e.first for e in events if isinstance(e, JacobiansEvent))
        for cell, events in made.items()
    }


@pytest.mark.parametrize("width", [120, 44])
def test_every_cell_from_k_4_labels_the_row_with_k_4(width: int) -> None:
    made = runs(set(CELLS))
    rows = jacobian_rows(made, width)
    assert rows
    for row in rows:  # one a block of cells, each with the row's label
        assert row.strip().startswith("‖∂state_T/∂state₄‖₂"), row
        assert all(n == "7.3e+05" for n in numbers(row)), row
    assert sum(len(numbers(row)) for row in rows) == len(CELLS)
    assert (len(rows) > 1) == (width < 60)  # the narrow width goes on in blocks


@pytest.mark.parametrize("width", [120, 44])
def test_cells_that_start_at_different_k_each_name_their_own(width: int) -> None:
    made = runs({"lstm"})
    first = expected_first(made)
    assert first == {"rnn": 1, "lstm": 4, "gru": 1}
    rows = jacobian_rows(made, width)
    shown = [n for row in rows for n in numbers(row)]
    assert len(shown) == len(CELLS)
    for row in rows:
        label = row.strip().split("  ")[0]
        assert not re.search(r"state[₀-₉]", label), f"one k for cells that differ: {label}"
    for cell, value in zip(CELLS, shown, strict=True):  # the columns in the cells' order
        assert value.endswith(f"(k = {first[cell]})"), (cell, value)
    assert shown[1].startswith("7.3e+05")


def test_cells_from_h1_say_state_1_as_before() -> None:
    rows = jacobian_rows(runs(set()), 120)
    assert len(rows) == 1 and rows[0].strip().startswith("‖∂state_T/∂state₁‖₂")
    assert all(re.fullmatch(r"\d\.\de[+-]\d\d", n) for n in numbers(rows[0]))
