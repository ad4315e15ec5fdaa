"""The forward pass of one sentence: the cell's terms at every t (for the vanilla RNN, aₜ built
from xₜ·W, hₜ₋₁·Wʰ and b) and the state hₜ."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from ..core.cells.declaration import Cell
from ..trace.events import ForwardEvent
from .gaps import gap_before
from .tables import NotedTable, Tokens, Values, gates_at, label, noted_table
from .vectors import vector_cell


def forward_frame(step: int, sentence: int, cell: Cell) -> NotedTable:
    """The forward table's title and columns (its rows: ``forward_table``, or an exercise's)."""
    return noted_table(
        f"Forward pass · step {step} · sentence {sentence + 1}",
        "t",
        Tokens("xₜ"),
        "term",
        Values("value"),
        Values(cell.state_label),
    )


def forward_table(events: Sequence[ForwardEvent], precision: int, cell: Cell) -> Table:
    """The cell's forward terms, and hₜ beside the last of them, for every t of one sentence."""
    first = events[0]
    table = forward_frame(first.step, first.sentence, cell)
    last = len(cell.forward_terms) - 1
    for i, e in enumerate(events):
        gap_before(table, e.t, events[i - 1].t if i else None)
        for k, term in enumerate(cell.forward_terms):
            table.add_row(
                str(e.t) if k == 0 else "",
                Text(e.token, "token") if k == 0 else "",
                Text(gates_at(label(term.label, e.t), e.t), "label"),
                vector_cell(e.terms[term.key], precision),
                vector_cell(e.h, precision) if k == last else "",
            )
        table.add_section()
    return table
